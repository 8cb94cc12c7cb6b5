package org.lenet5spark.io;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.CRC32;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.lenet5spark.errors.BadInputException;

/**
 * Streams a file of any Hadoop file system through SHA-256 or CRC32, with its size; the one place
 * that makes SHA-256 digests (of files, streams and byte arrays) and writes them in lower-case
 * hex.
 */
public final class Checksums {
  private Checksums() {
  }

  /** A checksum in lower-case hex and the number of bytes it covers. */
  public record Sum(String hex, long bytes) {
  }

  /** SHA-256 of a file. */
  public static Sum sha256(Path path, Configuration conf) throws IOException {
    MessageDigest md = sha256Digest();
    long n = stream(path, conf, md::update);
    return new Sum(hex(md), n);
  }

  /** SHA-256, in lower-case hex, of everything {@code in} holds (read to its end, not closed). */
  public static String sha256(InputStream in) throws IOException {
    MessageDigest md = sha256Digest();
    byte[] buf = new byte[1 << 16];
    int n;
    while ((n = in.read(buf)) >= 0) {
      md.update(buf, 0, n);
    }
    return hex(md);
  }

  /** SHA-256, in lower-case hex, of the given byte arrays one after another. */
  public static String sha256(byte[]... parts) {
    MessageDigest md = sha256Digest();
    for (byte[] p : parts) {
      md.update(p);
    }
    return hex(md);
  }

  /** A new SHA-256 digest, for callers that hash while they copy. */
  public static MessageDigest sha256Digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }

  /** Completes {@code digest} and returns it in lower-case hex. */
  public static String hex(MessageDigest digest) {
    return HexFormat.of().formatHex(digest.digest());
  }

  /** CRC32 of a file, as 8 hex digits. */
  public static Sum crc32(Path path, Configuration conf) throws IOException {
    CRC32 crc = new CRC32();
    long n = stream(path, conf, crc::update);
    return new Sum(String.format("%08x", crc.getValue()), n);
  }

  /** Feeds every byte of a file to {@code sink}; returns the number of bytes. */
  private static long stream(Path path, Configuration conf, Sink sink) throws IOException {
    long n = 0;
    byte[] buf = new byte[1 << 16];
    try (InputStream in = open(path, conf)) {
      int r;
      while ((r = in.read(buf)) > 0) {
        sink.update(buf, 0, r);
        n += r;
      }
    }
    return n;
  }

  /** Receives a file's bytes in chunks. */
  @FunctionalInterface
  private interface Sink {
    void update(byte[] b, int off, int len);
  }

  private static InputStream open(Path path, Configuration conf) throws IOException {
    try {
      return HadoopFs.fs(path, conf).open(path, 1 << 16);
    } catch (FileNotFoundException e) {
      throw new BadInputException("missing file: " + path);
    }
  }
}
