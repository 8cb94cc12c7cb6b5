package org.lenet5spark.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.lenet5spark.data.MnistFiles.ExpectedFile;
import org.lenet5spark.io.Checksums;

/**
 * The hashing step of {@link MnistFetcher}: copies a file's uncompressed bytes to the staging
 * folder while computing their SHA-256 ({@link Checksums}), and keeps the copy only when it
 * matches the spec and stays under the size cap. Corrupt gzip data, a wrong checksum or too many
 * bytes are {@link BadContentException}s.
 */
final class VerifiedCopy {
  /** Buffer of every read and of gzip decoding. */
  static final int BUFFER_SIZE = 64 * 1024;

  private final long maxFileBytes;

  /** Copies of at most {@code maxFileBytes} uncompressed bytes. */
  VerifiedCopy(long maxFileBytes) {
    this.maxFileBytes = maxFileBytes;
  }

  /**
   * Writes {@code in} to {@code dest} while hashing it; deletes {@code dest} and throws when the
   * checksum differs or the file is larger than the cap.
   *
   * @return the number of bytes written
   */
  long copy(InputStream in, Path dest, ExpectedFile f) throws IOException {
    MessageDigest digest = Checksums.sha256Digest();
    byte[] buf = new byte[BUFFER_SIZE];
    long total = 0;
    boolean ok = false;
    try (OutputStream out = Files.newOutputStream(dest, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      int n;
      while ((n = readContent(in, buf)) >= 0) {
        total += n;
        if (total > maxFileBytes) {
          throw new BadContentException("uncompressed " + f.name() + " is larger than the "
              + maxFileBytes + " bytes allowed");
        }
        digest.update(buf, 0, n);
        out.write(buf, 0, n);
      }
      String sha = Checksums.hex(digest);
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

  /** {@code in} uncompressed; data that is not gzip is bad content. */
  static InputStream gunzip(InputStream in) throws IOException {
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
}
