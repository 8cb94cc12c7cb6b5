package org.lenet5spark.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.lenet5spark.data.MnistFiles.ExpectedFile;
import org.lenet5spark.errors.BadInputException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Obtains the files of a spec (normally {@link MnistFiles#MNIST}) into a local folder and verifies
 * the SHA-256 of their uncompressed bytes. Inputs: the spec, {@link Settings} (mirrors, timeouts,
 * size caps) and either nothing (download {@code <mirror>/<name>.gz} from the HTTPS mirrors in
 * order) or a local folder or {@code .tgz} archive. The {@code fetch} subcommand builds it; it runs
 * before any Spark job, which reads the files it leaves.
 *
 * <p>Files are written to a hidden staging folder inside the target and moved into the target only
 * once every file is verified; on any failure the staging folder is removed, so the target never
 * holds a partial or unverified file. Files already present with the right checksum are kept; a
 * present file with a wrong checksum is replaced only when it is an IDX file (a damaged copy),
 * anything else under one of the four names is refused and kept.
 */
public final class MnistFetcher {
  /** The mirrors tried in order when none are given. */
  public static final List<URI> DEFAULT_MIRRORS = List.of(
      URI.create("https://ossci-datasets.s3.amazonaws.com/mnist/"),
      URI.create("https://storage.googleapis.com/cvdf-datasets/mnist/"));
  /** Default time to open a connection to a mirror. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(30);
  /** Default time for one whole download (response headers and body) from one mirror. */
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(120);
  /** Default cap on the compressed bytes downloaded for one file: 64 MiB. */
  public static final long DEFAULT_MAX_COMPRESSED_BYTES = 64L << 20;
  /** Default cap on the uncompressed bytes of one file: 128 MiB. */
  public static final long DEFAULT_MAX_FILE_BYTES = 128L << 20;
  /** Name prefix of the hidden staging folder created inside the target folder. */
  public static final String STAGING_PREFIX = ".fetch-tmp-";

  private static final Logger LOG = LoggerFactory.getLogger(MnistFetcher.class);
  private static final int BUFFER_SIZE = 64 * 1024;
  private static final int MAX_SEARCH_DEPTH = 16;
  private static final String GZ = ".gz";

  private final List<ExpectedFile> spec;
  private final Settings settings;

  /** A fetcher for {@code spec} with the given settings. */
  public MnistFetcher(List<ExpectedFile> spec, Settings settings) {
    this.spec = List.copyOf(MnistFiles.checkSpec(spec));
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  /**
   * Downloads the missing files of the spec from the mirrors into {@code target}.
   *
   * @throws BadInputException when every mirror served wrong content for a file (checksum
   *     mismatch, not gzip, too large), or the target is unusable
   * @throws IOException when a file could not be downloaded from any mirror for another reason
   */
  public Summary fetchFromMirrors(Path target) throws IOException {
    ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "fetch-deadline");
      t.setDaemon(true);
      return t;
    });
    try {
      HttpClient client = HttpClient.newBuilder()
          .connectTimeout(settings.connectTimeout())
          .followRedirects(HttpClient.Redirect.NEVER)
          .proxy(ProxySelector.getDefault())
          .version(HttpClient.Version.HTTP_1_1)
          .build();
      return inStaging(target, staging -> (f, dest) -> download(client, watchdog, f, dest));
    } finally {
      watchdog.shutdownNow();
    }
  }

  /**
   * Copies the missing files of the spec from {@code from}: a folder searched recursively for each
   * name, raw or with a {@code .gz} suffix, or a {@code .tgz}/{@code .tar.gz} archive, which is
   * first extracted (by {@link SafeTarExtractor}) into the staging folder and then searched.
   *
   * @throws BadInputException when {@code from} is unusable, a file is missing from it, no copy of
   *     a file has the expected checksum, or the archive is refused
   * @throws IOException when reading or writing fails
   */
  public Summary fetchFromLocal(Path target, Path from) throws IOException {
    Path source = from.toAbsolutePath().normalize();
    if (!Files.exists(source)) {
      throw new BadInputException("--from does not exist: " + source);
    }
    boolean archive = Files.isRegularFile(source) && isTarGz(source);
    if (!Files.isDirectory(source) && !archive) {
      throw new BadInputException("--from must be a folder or a .tgz/.tar.gz archive: " + source);
    }
    return inStaging(target, staging -> {
      Path root = source;
      if (archive) {
        root = staging.resolve(".archive");
        new SafeTarExtractor().extract(source, root);
      }
      Map<String, List<Path>> found = search(root);
      Path searched = root;
      return (f, dest) -> copyLocal(found.getOrDefault(f.name(), List.of()), source,
          archive ? searched : null, f, dest);
    });
  }

  /**
   * Checks a user-given mirror URL: https:// is allowed; http:// only to a loopback host
   * (localhost, 127.0.0.0/8, [::1]). Returns it with a trailing slash.
   *
   * @throws BadInputException when the URL is not allowed
   */
  public static URI checkMirror(String url) {
    URI uri;
    try {
      uri = new URI(url.trim());
    } catch (URISyntaxException e) {
      throw new BadInputException("not a URL: --mirror " + url, e);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawQuery() != null
        || uri.getRawFragment() != null) {
      throw new BadInputException("mirror must be a plain https://host/path/ URL (no user, query "
          + "or fragment): " + url);
    }
    if (scheme.equals("http")) {
      if (!isLoopbackHost(uri.getHost())) {
        throw new BadInputException("refusing http:// mirror " + url + ": only https:// is "
            + "allowed, except http:// to localhost, 127.0.0.0/8 or [::1]");
      }
    } else if (!scheme.equals("https")) {
      throw new BadInputException("refusing mirror " + url + ": only https:// is allowed");
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    if (path.endsWith("/")) {
      return uri;
    }
    return URI.create(scheme + "://" + uri.getRawAuthority() + path + "/");
  }

  /** Whether a URL host is a loopback name or literal, decided without any DNS lookup. */
  static boolean isLoopbackHost(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (h.equals("localhost")) {
      return true;
    }
    if (h.startsWith("[") && h.endsWith("]")) {
      try {
        // An IPv6 literal (it holds ':'), so this parses and never asks DNS.
        return h.contains(":")
            && InetAddress.getByName(h.substring(1, h.length() - 1)).isLoopbackAddress();
      } catch (UnknownHostException e) {
        return false;
      }
    }
    String[] parts = h.split("\\.", -1);
    if (parts.length != 4) {
      return false;
    }
    for (String p : parts) {
      if (!p.matches("[0-9]{1,3}") || Integer.parseInt(p) > 255) {
        return false;
      }
    }
    return Integer.parseInt(parts[0]) == 127;
  }

  private Summary inStaging(Path target, SourceOpener opener) throws IOException {
    Path dir = target.toAbsolutePath().normalize();
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new BadInputException("--to is not a folder: " + dir);
    }
    boolean created = !Files.exists(dir);
    Files.createDirectories(dir);
    Path staging = dir.resolve(STAGING_PREFIX + UUID.randomUUID());
    List<Path> added = new ArrayList<>();
    boolean done = false;
    try {
      Files.createDirectory(staging);
      FetchedFile[] results = new FetchedFile[spec.size()];
      List<Integer> missing = new ArrayList<>();
      for (int i = 0; i < spec.size(); i++) {
        ExpectedFile f = spec.get(i);
        results[i] = alreadyPresent(dir.resolve(f.name()), f);
        if (results[i] == null) {
          missing.add(i);
        }
      }
      if (!missing.isEmpty()) {
        FileSource source = opener.open(staging);
        for (int i : missing) {
          ExpectedFile f = spec.get(i);
          results[i] = source.obtain(f, staging.resolve(f.name()));
        }
        for (int i : missing) {
          String name = spec.get(i).name();
          Path dest = dir.resolve(name);
          boolean existed = Files.exists(dest, LinkOption.NOFOLLOW_LINKS);
          Files.move(staging.resolve(name), dest, StandardCopyOption.ATOMIC_MOVE);
          if (!existed) {
            added.add(dest);
          }
        }
      }
      done = true;
      return new Summary(dir, List.of(results));
    } finally {
      deleteRecursively(staging);
      if (!done) {
        for (Path p : added) {
          Files.deleteIfExists(p);
        }
        if (created) {
          try {
            Files.deleteIfExists(dir);
          } catch (DirectoryNotEmptyException e) {
            LOG.debug("keeping {}: not empty", dir);
          }
        }
      }
    }
  }

  /** The file's summary when it is present with the right checksum, else null. */
  private FetchedFile alreadyPresent(Path existing, ExpectedFile f) throws IOException {
    if (!Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
      return null;
    }
    if (!Files.isRegularFile(existing, LinkOption.NOFOLLOW_LINKS)) {
      throw new BadInputException(existing + " exists and is not a regular file");
    }
    String sha;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(existing))) {
      sha = sha256Of(in);
    }
    if (sha.equals(f.sha256())) {
      LOG.info("{} is already present with the expected SHA-256", existing);
      return new FetchedFile(f.name(), "already present", Files.size(existing), sha, true);
    }
    if (!looksLikeIdx(existing)) {
      throw new BadInputException("refusing to replace " + existing + ": its SHA-256 is " + sha
          + " and it is not an IDX file, so fetch did not write it; move it away");
    }
    LOG.warn("{} is present but its SHA-256 is {}, expected {}: replacing this damaged IDX file",
        existing, sha, f.sha256());
    return null;
  }

  /**
   * Whether a file starts like an unsigned-byte IDX file (magic 0x0801 or 0x0803): a damaged
   * copy of what fetch writes, which it may replace; anything else is not fetch's to replace.
   */
  private static boolean looksLikeIdx(Path file) throws IOException {
    byte[] head = new byte[4];
    try (InputStream in = Files.newInputStream(file)) {
      if (in.readNBytes(head, 0, 4) < 4) {
        return false;
      }
    }
    return head[0] == 0 && head[1] == 0 && head[2] == 0x08 && (head[3] == 1 || head[3] == 3);
  }

  private FetchedFile download(HttpClient client, ScheduledExecutorService watchdog,
      ExpectedFile f, Path dest) throws IOException {
    String last = null;
    boolean allBadContent = true;
    for (URI mirror : settings.mirrors()) {
      URI url = mirror.resolve(f.name() + GZ);
      try {
        long bytes = downloadOne(client, watchdog, url, f, dest);
        LOG.info("fetched {} from {} ({} bytes, SHA-256 ok)", f.name(), url, bytes);
        return new FetchedFile(f.name(), url.toString(), bytes, f.sha256(), false);
      } catch (BadContentException e) {
        last = url + ": " + e.getMessage();
      } catch (IOException e) {
        allBadContent = false;
        last = url + ": " + describe(e);
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

  private long downloadOne(HttpClient client, ScheduledExecutorService watchdog, URI url,
      ExpectedFile f, Path dest) throws IOException {
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
        return copyVerified(gunzip(capped), dest, f);
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

  /**
   * Copies the first candidate with the right checksum; {@code extracted} is the folder an
   * archive {@code from} was extracted to (null for a folder), so sources are reported as
   * {@code archive!/entry} rather than as paths in the staging folder.
   */
  private FetchedFile copyLocal(List<Path> candidates, Path from, Path extracted, ExpectedFile f,
      Path dest) throws IOException {
    if (candidates.isEmpty()) {
      throw new BadInputException(f.name() + " (or " + f.name() + GZ + ") not found in " + from);
    }
    String last = null;
    for (Path p : candidates) {
      try (InputStream raw = new BufferedInputStream(Files.newInputStream(p))) {
        InputStream in = p.getFileName().toString().endsWith(GZ) ? gunzip(raw) : raw;
        long bytes = copyVerified(in, dest, f);
        String shown = extracted == null ? p.toString()
            : from + "!/" + extracted.relativize(p).toString().replace('\\', '/');
        LOG.info("copied {} from {} ({} bytes, SHA-256 ok)", f.name(), shown, bytes);
        return new FetchedFile(f.name(), shown, bytes, f.sha256(), false);
      } catch (BadContentException | EOFException e) {
        // EOFException: a truncated .gz file, which a second try will not fix.
        last = p + ": " + describe(e);
        LOG.warn("cannot use {}", last);
      }
    }
    throw new BadInputException("no usable copy of " + f.name() + " in " + from + "; last: "
        + last);
  }

  /** Files under root named like a spec file, raw ones first, then by path. */
  private Map<String, List<Path>> search(Path root) throws IOException {
    Map<String, ExpectedFile> byName = new HashMap<>();
    for (ExpectedFile f : spec) {
      byName.put(f.name(), f);
      byName.put(f.name() + GZ, f);
    }
    Map<String, List<Path>> found = new HashMap<>();
    try (Stream<Path> walk = Files.walk(root, MAX_SEARCH_DEPTH)) {
      walk.filter(p -> byName.containsKey(p.getFileName().toString()))
          .filter(p -> !inStagingFolder(root.relativize(p)))
          .filter(Files::isRegularFile)
          .sorted(Comparator.comparing((Path p) -> p.getFileName().toString().endsWith(GZ))
              .thenComparing(Path::toString))
          .forEach(p -> found.computeIfAbsent(byName.get(p.getFileName().toString()).name(),
              k -> new ArrayList<>()).add(p));
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    return found;
  }

  /**
   * Writes {@code in} to {@code dest} while hashing it; deletes {@code dest} and throws when the
   * checksum differs or the file is larger than the cap.
   *
   * @return the number of bytes written
   */
  private long copyVerified(InputStream in, Path dest, ExpectedFile f) throws IOException {
    MessageDigest digest = newSha256();
    byte[] buf = new byte[BUFFER_SIZE];
    long total = 0;
    boolean ok = false;
    try (OutputStream out = Files.newOutputStream(dest, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      int n;
      while ((n = readContent(in, buf)) >= 0) {
        total += n;
        if (total > settings.maxFileBytes()) {
          throw new BadContentException("uncompressed " + f.name() + " is larger than the "
              + settings.maxFileBytes() + " bytes allowed");
        }
        digest.update(buf, 0, n);
        out.write(buf, 0, n);
      }
      String sha = HexFormat.of().formatHex(digest.digest());
      if (!sha.equals(f.sha256())) {
        throw new BadContentException("SHA-256 mismatch for " + f.name() + ": got " + sha
            + ", expected " + f.sha256());
      }
      ok = true;
      return total;
    } finally {
      if (!ok) {
        Files.deleteIfExists(dest);
      }
    }
  }

  private static InputStream gunzip(InputStream in) throws IOException {
    try {
      return new GZIPInputStream(in, BUFFER_SIZE);
    } catch (ZipException e) {
      throw new BadContentException("not gzip data: " + e.getMessage());
    }
  }

  /** Reads from a source that may be gzip data, reporting corrupt gzip data as bad content. */
  private static int readContent(InputStream in, byte[] buf) throws IOException {
    try {
      return in.read(buf);
    } catch (ZipException e) {
      throw new BadContentException("corrupt gzip data: " + e.getMessage());
    }
  }

  private static String sha256Of(InputStream in) throws IOException {
    MessageDigest digest = newSha256();
    byte[] buf = new byte[BUFFER_SIZE];
    int n;
    while ((n = in.read(buf)) >= 0) {
      digest.update(buf, 0, n);
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }

  /** Whether a relative path goes through a staging folder (of this or an interrupted fetch). */
  private static boolean inStagingFolder(Path relative) {
    for (Path part : relative) {
      if (part.toString().startsWith(STAGING_PREFIX)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isTarGz(Path p) {
    String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
    return name.endsWith(".tgz") || name.endsWith(".tar.gz");
  }

  /**
   * An exception on one line: its message (or the first message among its causes, as HttpClient
   * leaves some of its exceptions without one), prefixed by the type unless it adds nothing.
   */
  private static String describe(IOException e) {
    String msg = "";
    Throwable t = e;
    for (int depth = 0; t != null && msg.isBlank() && depth < 10; depth++) {
      msg = t.getMessage() == null ? "" : t.getMessage().lines().findFirst().orElse("");
      t = t.getCause();
    }
    String type = e.getClass().getSimpleName();
    if (msg.isBlank()) {
      return type;
    }
    boolean plain = e.getClass() == IOException.class || e instanceof BadContentException;
    return plain ? msg : type + ": " + msg;
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException e) {
      LOG.debug("closing a timed-out download failed: {}", e.toString());
    }
  }

  private static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      List<Path> paths = walk.sorted(Comparator.reverseOrder()).toList();
      for (Path p : paths) {
        Files.deleteIfExists(p);
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /**
   * Where and how to fetch: mirrors (each checked by {@link #checkMirror}), the connect timeout,
   * the timeout of one whole download, and the size caps per file (compressed download and
   * uncompressed bytes). Built by the {@code fetch} subcommand from its options, or by tests.
   */
  public record Settings(List<URI> mirrors, Duration connectTimeout, Duration requestTimeout,
      long maxCompressedBytes, long maxFileBytes) {
    /** Checks every value; mirrors get a trailing slash. */
    public Settings {
      Objects.requireNonNull(mirrors, "mirrors");
      if (mirrors.isEmpty()) {
        throw new BadInputException("no mirror given");
      }
      mirrors = mirrors.stream().map(u -> checkMirror(u.toString())).toList();
      if (connectTimeout.isNegative() || connectTimeout.isZero() || requestTimeout.isNegative()
          || requestTimeout.isZero()) {
        throw new IllegalArgumentException("timeouts must be positive");
      }
      if (maxCompressedBytes <= 0 || maxFileBytes <= 0) {
        throw new IllegalArgumentException("size caps must be positive");
      }
    }

    /** The default mirrors, timeouts and caps. */
    public static Settings defaults() {
      return new Settings(DEFAULT_MIRRORS, DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT,
          DEFAULT_MAX_COMPRESSED_BYTES, DEFAULT_MAX_FILE_BYTES);
    }

    /** The same settings with other mirrors. */
    public Settings withMirrors(List<URI> newMirrors) {
      return new Settings(newMirrors, connectTimeout, requestTimeout, maxCompressedBytes,
          maxFileBytes);
    }

    /** The same settings with another download timeout; the connect timeout is kept within it. */
    public Settings withRequestTimeout(Duration timeout) {
      Duration connect = connectTimeout.compareTo(timeout) > 0 ? timeout : connectTimeout;
      return new Settings(mirrors, connect, timeout, maxCompressedBytes, maxFileBytes);
    }
  }

  /**
   * One file of a fetch: its name, where it came from (a URL, a local path, or "already
   * present"), its uncompressed size and verified SHA-256.
   */
  public record FetchedFile(String name, String source, long bytes, String sha256,
      boolean alreadyPresent) {
    /** One line for the CLI. */
    public String describe() {
      return name + "  " + bytes + " bytes  sha256 ok  "
          + (alreadyPresent ? "(already present)" : "from " + source);
    }
  }

  /** The outcome of a fetch: the target folder and one entry per file of the spec, in order. */
  public record Summary(Path target, List<FetchedFile> files) {
    /** Copies the list. */
    public Summary {
      files = List.copyOf(files);
    }

    /** How many files were actually fetched (not already present). */
    public int fetchedCount() {
      return (int) files.stream().filter(f -> !f.alreadyPresent()).count();
    }
  }

  /** Produces one verified file of the spec at a path in the staging folder. */
  @FunctionalInterface
  private interface FileSource {
    FetchedFile obtain(ExpectedFile file, Path dest) throws IOException;
  }

  /** Prepares a {@link FileSource} once the staging folder exists (e.g. extracts an archive). */
  @FunctionalInterface
  private interface SourceOpener {
    FileSource open(Path staging) throws IOException;
  }

  /**
   * Content that cannot be right (checksum mismatch, not gzip, over a cap), as opposed to a
   * failure to reach a source. Only a download or local copy throws it; the fetcher turns it into
   * a warning and the next source, or a {@link BadInputException} when no source is left.
   */
  private static final class BadContentException extends IOException {
    private static final long serialVersionUID = 1L;

    BadContentException(String message) {
      super(message);
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
