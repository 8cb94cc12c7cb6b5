package org.lenet5spark.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.lenet5spark.data.MnistFetcher.FetchedFile;
import org.lenet5spark.data.MnistFetcher.Summary;
import org.lenet5spark.data.MnistFiles.ExpectedFile;
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.io.Checksums;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Staging and rollback for {@link MnistFetcher}: files already in the target with the right
 * checksum are kept; the missing ones are obtained into a hidden staging folder inside the target
 * ({@link MnistFetcher#STAGING_PREFIX}) and moved in only once every one is verified. On any
 * failure the staging folder, the files moved in so far and a target folder it created are
 * removed, so the target never holds a partial or unverified file. A present file with a wrong
 * checksum is replaced only when it is an IDX file (a damaged copy); anything else under a spec
 * name is refused and kept.
 */
final class FetchStaging {
  private static final Logger LOG = LoggerFactory.getLogger(FetchStaging.class);

  private FetchStaging() {
  }

  /** Brings the files of {@code spec} into {@code target}, from the source {@code opener} opens. */
  static Summary run(List<ExpectedFile> spec, Path target, FileSource.Opener opener)
      throws IOException {
    Path dir = target.toAbsolutePath().normalize();
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new BadInputException("--to is not a folder: " + dir);
    }
    boolean created = !Files.exists(dir);
    Files.createDirectories(dir);
    Path staging = dir.resolve(MnistFetcher.STAGING_PREFIX + UUID.randomUUID());
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

  /** Whether a relative path goes through a staging folder (of this or an interrupted fetch). */
  static boolean inStagingFolder(Path relative) {
    for (Path part : relative) {
      if (part.toString().startsWith(MnistFetcher.STAGING_PREFIX)) {
        return true;
      }
    }
    return false;
  }

  /** The file's summary when it is present with the right checksum, else null. */
  private static FetchedFile alreadyPresent(Path existing, ExpectedFile f) throws IOException {
    if (!Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
      return null;
    }
    if (!Files.isRegularFile(existing, LinkOption.NOFOLLOW_LINKS)) {
      throw new BadInputException(existing + " exists and is not a regular file");
    }
    String sha;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(existing))) {
      sha = Checksums.sha256(in);
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
}
