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

/** Streams a file of any Hadoop file system through SHA-256 or CRC32, with its size. */
public final class Checksums {
  private Checksums() {
  }

  /** A checksum in lower-case hex and the number of bytes it covers. */
  public record Sum(String hex, long bytes) {
  }

  /** SHA-256 of a file. */
  public static Sum sha256(Path path, Configuration conf) throws IOException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    long n = stream(path, conf, md::update);
    return new Sum(HexFormat.of().formatHex(md.digest()), n);
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
