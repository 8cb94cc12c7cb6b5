package org.lenet5spark.data;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.lenet5spark.data.MnistFiles.ExpectedFile;
import org.lenet5spark.errors.BadInputException;

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
 *
 * <p>This class is the interface; each job has its class: {@link MirrorPolicy} (which mirror URLs
 * are allowed), {@link MirrorDownload} (HTTPS download with a watchdog), {@link LocalSource}
 * (folder and archive search), {@link FetchStaging} (staging and rollback), {@link VerifiedCopy}
 * (hashing while copying).
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
    try (MirrorDownload download = new MirrorDownload(settings,
        new VerifiedCopy(settings.maxFileBytes()))) {
      return FetchStaging.run(spec, target, staging -> download);
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
    boolean archive = Files.isRegularFile(source) && LocalSource.isTarGz(source);
    if (!Files.isDirectory(source) && !archive) {
      throw new BadInputException("--from must be a folder or a .tgz/.tar.gz archive: " + source);
    }
    VerifiedCopy copier = new VerifiedCopy(settings.maxFileBytes());
    return FetchStaging.run(spec, target,
        staging -> LocalSource.open(spec, source, archive, staging, copier));
  }

  /**
   * Checks a user-given mirror URL: https:// is allowed; http:// only to a loopback host
   * (localhost, 127.0.0.0/8, [::1]). Returns it with a trailing slash.
   *
   * @throws BadInputException when the URL is not allowed
   */
  public static URI checkMirror(String url) {
    return MirrorPolicy.check(url);
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
      mirrors = mirrors.stream().map(u -> MirrorPolicy.check(u.toString())).toList();
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
}
