package org.lenet5spark.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.lenet5spark.io.BadInputException;
import org.lenet5spark.io.HadoopFs;

/**
 * Reads IDX files (LeCun's MNIST format: big-endian header, then unsigned bytes), raw or gzipped
 * (detected by content, not by name), from any Hadoop file system. Everything is checked before it
 * is trusted: magic number, dimensions, that the body has exactly the size the header announces,
 * and for labels that every value is a digit 0-9. A header is never trusted for allocation beyond
 * {@link #MAX_BODY_BYTES}. Runs first in {@code prepare}.
 */
public final class IdxReader {
  /** Magic number of an IDX file of unsigned bytes with one dimension (labels). */
  public static final int LABELS_MAGIC = 0x00000801;
  /** Magic number of an IDX file of unsigned bytes with three dimensions (images). */
  public static final int IMAGES_MAGIC = 0x00000803;
  /** The largest body this reader will allocate (a header claiming more is refused). */
  public static final long MAX_BODY_BYTES = 1L << 30;
  /** Number of classes (digits). */
  public static final int NUM_CLASSES = 10;

  private IdxReader() {
  }

  /** Images read from an IDX3 file: {@code count} images of {@code rows x cols} bytes. */
  public record Images(String source, int count, int rows, int cols, byte[] pixels)
      implements java.io.Serializable {
    /** Pixels per image. */
    public int imageSize() {
      return rows * cols;
    }
  }

  /** Labels read from an IDX1 file. */
  public record Labels(String source, int count, byte[] labels) implements java.io.Serializable {
  }

  /** Reads and checks an images file; {@code rows}/{@code cols} are the required dimensions. */
  public static Images readImages(Path path, Configuration conf, int rows, int cols)
      throws IOException {
    try (DataInputStream in = open(path, conf)) {
      int magic = readHeaderInt(in, path, "magic number");
      if (magic != IMAGES_MAGIC) {
        throw new BadInputException(String.format(
            "%s: wrong magic number 0x%08x for an IDX images file (expected 0x%08x)",
            path, magic, IMAGES_MAGIC));
      }
      int count = readHeaderInt(in, path, "image count");
      int r = readHeaderInt(in, path, "row count");
      int c = readHeaderInt(in, path, "column count");
      if (count <= 0) {
        throw new BadInputException(path + ": header announces " + count + " images");
      }
      if (r != rows || c != cols) {
        throw new BadInputException(String.format(
            "%s: images are %dx%d, expected %dx%d grayscale", path, r, c, rows, cols));
      }
      long body = (long) count * r * c;
      if (body > MAX_BODY_BYTES) {
        throw new BadInputException(path + ": header announces " + count
            + " images, more than this reader accepts (" + MAX_BODY_BYTES + " bytes)");
      }
      byte[] pixels = readBody(in, path, (int) body);
      return new Images(path.toString(), count, r, c, pixels);
    }
  }

  /** Reads and checks a labels file: every label must be a digit 0-9. */
  public static Labels readLabels(Path path, Configuration conf) throws IOException {
    try (DataInputStream in = open(path, conf)) {
      int magic = readHeaderInt(in, path, "magic number");
      if (magic != LABELS_MAGIC) {
        throw new BadInputException(String.format(
            "%s: wrong magic number 0x%08x for an IDX labels file (expected 0x%08x)",
            path, magic, LABELS_MAGIC));
      }
      int count = readHeaderInt(in, path, "label count");
      if (count <= 0) {
        throw new BadInputException(path + ": header announces " + count + " labels");
      }
      if (count > MAX_BODY_BYTES) {
        throw new BadInputException(path + ": header announces " + count + " labels, too many");
      }
      byte[] labels = readBody(in, path, count);
      for (int i = 0; i < labels.length; i++) {
        ExampleChecks.label(labels[i] & 0xff, path.toString(), i);
      }
      return new Labels(path.toString(), count, labels);
    }
  }

  /** Checks that an images file and a labels file describe the same examples. */
  public static void checkPair(Images images, Labels labels) {
    if (images.count() != labels.count()) {
      throw new BadInputException("image and label counts differ: " + images.count()
          + " images in " + images.source() + ", " + labels.count() + " labels in "
          + labels.source());
    }
  }

  private static DataInputStream open(Path path, Configuration conf) throws IOException {
    FileSystem fs = HadoopFs.fs(path, conf);
    InputStream raw;
    try {
      if (fs.getFileStatus(path).isDirectory()) {
        throw new BadInputException(path + " is a folder, expected an IDX file");
      }
      raw = new BufferedInputStream(fs.open(path), 1 << 16);
    } catch (FileNotFoundException e) {
      throw new BadInputException("missing input file: " + path);
    }
    raw.mark(2);
    int b0 = raw.read();
    int b1 = raw.read();
    raw.reset();
    if (b0 < 0) {
      raw.close();
      throw new BadInputException(path + " is empty");
    }
    if (b0 == 0x1f && b1 == 0x8b) {
      try {
        return new DataInputStream(new BufferedInputStream(new GZIPInputStream(raw, 1 << 16),
            1 << 16));
      } catch (ZipException | EOFException e) {
        raw.close();
        throw new BadInputException(path + ": corrupt gzip stream: " + HadoopFs.oneLine(e));
      }
    }
    return new DataInputStream(raw);
  }

  private static int readHeaderInt(DataInputStream in, Path path, String what)
      throws IOException {
    try {
      return in.readInt();
    } catch (EOFException e) {
      throw new BadInputException(path + ": truncated header (no " + what + ")");
    } catch (ZipException e) {
      throw new BadInputException(path + ": corrupt gzip stream: " + HadoopFs.oneLine(e));
    }
  }

  private static byte[] readBody(DataInputStream in, Path path, int size) throws IOException {
    // Read in chunks so that a header which lies about its size costs at most what is really
    // there, not what the header claims.
    byte[] buf = new byte[Math.min(size, 1 << 20)];
    int off = 0;
    try {
      while (off < size) {
        if (off == buf.length) {
          byte[] bigger = new byte[(int) Math.min((long) size, 2L * buf.length)];
          System.arraycopy(buf, 0, bigger, 0, off);
          buf = bigger;
        }
        int n = in.read(buf, off, buf.length - off);
        if (n < 0) {
          throw new BadInputException(path + ": truncated body: header announces " + size
              + " bytes, file holds " + off);
        }
        off += n;
      }
      if (in.read() >= 0) {
        throw new BadInputException(path + ": trailing bytes after the " + size
            + " bytes the header announces");
      }
    } catch (ZipException | EOFException e) {
      throw new BadInputException(path + ": corrupt or truncated gzip stream after " + off
          + " bytes: " + HadoopFs.oneLine(e));
    }
    return buf;
  }
}
