package org.lenet5spark.data;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.lenet5spark.data.MnistFetcher.FetchedFile;
import org.lenet5spark.data.MnistFetcher.Settings;
import org.lenet5spark.data.MnistFiles.ExpectedFile;
import org.lenet5spark.errors.BadInputException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTPS download of {@link MnistFetcher}: {@code <mirror>/<name>.gz} from each mirror in
 * order (redirects not followed), with the compressed bytes capped and the whole download, body
 * included, bounded by a watchdog thread that closes a body still streaming at the deadline. Bad
 * content from every mirror is bad input; any other failure is an I/O error. Close it to stop the
 * watchdog.
 */
final class MirrorDownload implements FileSource, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MirrorDownload.class);
  private static final String GZ = ".gz";

  private final Settings settings;
  private final VerifiedCopy copier;
  private final ScheduledExecutorService watchdog;
  private final HttpClient client;

  /** A download from the settings' mirrors that verifies with {@code copier}. */
  MirrorDownload(Settings settings, VerifiedCopy copier) {
    this.settings = settings;
    this.copier = copier;
    this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "fetch-deadline");
      t.setDaemon(true);
      return t;
    });
    this.client = HttpClient.newBuilder()
        .connectTimeout(settings.connectTimeout())
        .followRedirects(HttpClient.Redirect.NEVER)
        .proxy(ProxySelector.getDefault())
        .version(HttpClient.Version.HTTP_1_1)
        .build();
  }

  @Override
  public FetchedFile obtain(ExpectedFile f, Path dest) throws IOException {
    String last = null;
    boolean allBadContent = true;
    for (URI mirror : settings.mirrors()) {
      URI url = mirror.resolve(f.name() + GZ);
      try {
        long bytes = downloadOne(url, f, dest);
        LOG.info("fetched {} from {} ({} bytes, SHA-256 ok)", f.name(), url, bytes);
        return new FetchedFile(f.name(), url.toString(), bytes, f.sha256(), false);
      } catch (BadContentException e) {
        last = url + ": " + e.getMessage();
      } catch (IOException e) {
        allBadContent = false;
        last = url + ": " + FileSource.describe(e);
      }
      LOG.warn("cannot use {}; trying the next mirror if any", last);
    }
    String msg = "cannot fetch " + f.name() + " from " + settings.mirrors().size()
        + " mirror(s); last failure: " + last;
    if (allBadContent) {
      throw new BadInputException(msg);
    }
    throw new IOException(msg);
  }

  private long downloadOne(URI url, ExpectedFile f, Path dest) throws IOException {
    long start = System.nanoTime();
    HttpRequest request = HttpRequest.newBuilder(url)
        .timeout(settings.requestTimeout())
        .header("User-Agent", "lenet5-spark-fetch")
        .GET()
        .build();
    HttpResponse<InputStream> response;
    try {
      response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while fetching " + url);
    }
    AtomicBoolean timedOut = new AtomicBoolean();
    try (InputStream body = response.body()) {
      if (response.statusCode() != 200) {
        throw new IOException("HTTP status " + response.statusCode());
      }
      OptionalLong length = response.headers().firstValueAsLong("Content-Length");
      if (length.isPresent() && length.getAsLong() > settings.maxCompressedBytes()) {
        throw new BadContentException("announces " + length.getAsLong() + " bytes, more than the "
            + settings.maxCompressedBytes() + " allowed");
      }
      // HttpClient's request timeout ends when the headers arrive; this bounds the body too.
      long left = settings.requestTimeout().toNanos() - (System.nanoTime() - start);
      ScheduledFuture<?> deadline = watchdog.schedule(() -> {
        timedOut.set(true);
        closeQuietly(body);
      }, Math.max(left, 0), TimeUnit.NANOSECONDS);
      try {
        InputStream capped = new CappedInputStream(body, settings.maxCompressedBytes(),
            "compressed download");
        return copier.copy(VerifiedCopy.gunzip(capped), dest, f);
      } finally {
        deadline.cancel(false);
      }
    } catch (IOException e) {
      if (timedOut.get()) {
        throw new HttpTimeoutException("download did not finish within "
            + settings.requestTimeout().toSeconds() + " s");
      }
      throw e;
    }
  }

  /** Stops the watchdog. */
  @Override
  public void close() {
    watchdog.shutdownNow();
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException e) {
      LOG.debug("closing a timed-out download failed: {}", e.toString());
    }
  }

  /**
   * Fails a read once more than a set number of bytes came through, so a hostile server cannot
   * send an endless body. Wraps a download's body before it is uncompressed.
   */
  private static final class CappedInputStream extends FilterInputStream {
    private final long max;
    private final String what;
    private long count;

    CappedInputStream(InputStream in, long max, String what) {
      super(in);
      this.max = max;
      this.what = what;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count(1);
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        count(n);
      }
      return n;
    }

    private void count(long n) throws IOException {
      count += n;
      if (count > max) {
        throw new BadContentException(what + " is larger than the " + max + " bytes allowed");
      }
    }
  }
}
