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
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.io.HadoopFs;

/**
 * Reads IDX files (LeCun's MNIST format: big-endian header, then unsigned bytes), raw or gzipped
 * (detected by content, not by name), from any Hadoop file system. Everything is checked before it
 * is trusted: magic number, dimensions, that the body has exactly the size the header announces,
 * and for labels that every value is a digit 0-9. A header is never trusted for allocation beyond
 * {@link #MAX_BODY_BYTES}, a gzip stream is decompressed only up to the size its header announces,
 * and that size must be plausible for the compressed file ({@link #MAX_GZIP_RATIO}). Runs first in
 * {@code prepare}.
 */
public final class IdxReader {
  /** Magic number of an IDX file of unsigned bytes with one dimension (labels). */
  public static final int LABELS_MAGIC = 0x00000801;
  /** Magic number of an IDX file of unsigned bytes with three dimensions (images). */
  public static final int IMAGES_MAGIC = 0x00000803;
  /** The largest body this reader will allocate (a header claiming more is refused). */
  public static final long MAX_BODY_BYTES = 1L << 30;
  /**
   * Largest expansion of a gzipped file accepted from its header: a body may be up to this many
   * times the compressed file (real MNIST expands about 5 times), or {@link #GZIP_FLOOR_BYTES},
   * whichever is more. A small gzip file whose header announces far more (a compression bomb) is
   * refused before anything is decompressed or allocated.
   */
  public static final int MAX_GZIP_RATIO = 64;
  /** A gzipped body may always expand to this size, whatever the ratio. */
  public static final long GZIP_FLOOR_BYTES = 64L << 20;
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
    try (IdxStream in = open(path, conf)) {
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
      checkExpansion(in, path, body);
      byte[] pixels = readBody(in, path, (int) body);
      return new Images(path.toString(), count, r, c, pixels);
    }
  }

  /** Reads and checks a labels file: every label must be a digit 0-9. */
  public static Labels readLabels(Path path, Configuration conf) throws IOException {
    try (IdxStream in = open(path, conf)) {
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
      checkExpansion(in, path, count);
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

  /** An opened IDX file: its (decompressed) bytes, and the compressed size when gzipped. */
  private static final class IdxStream extends DataInputStream {
    private final long gzipBytes;

    IdxStream(InputStream in, long gzipBytes) {
      super(in);
      this.gzipBytes = gzipBytes;
    }
  }

  /** Refuses a gzipped file whose header announces a body far larger than the file could hold. */
  private static void checkExpansion(IdxStream in, Path path, long body) {
    long gzipBytes = in.gzipBytes;
    if (gzipBytes < 0) {
      return;
    }
    long allowed = Math.max(GZIP_FLOOR_BYTES, gzipBytes * MAX_GZIP_RATIO);
    if (body > allowed) {
      throw new BadInputException(path + ": header announces a body of " + body + " bytes, but "
          + "the file holds " + gzipBytes + " gzip bytes (more than " + MAX_GZIP_RATIO
          + "x expansion); refusing to decompress it");
    }
  }

  private static IdxStream open(Path path, Configuration conf) throws IOException {
    FileSystem fs = HadoopFs.fs(path, conf);
    InputStream raw;
    long length;
    try {
      FileStatus status = fs.getFileStatus(path);
      if (status.isDirectory()) {
        throw new BadInputException(path + " is a folder, expected an IDX file");
      }
      length = status.getLen();
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
        return new IdxStream(new BufferedInputStream(new GZIPInputStream(raw, 1 << 16),
            1 << 16), length);
      } catch (ZipException | EOFException e) {
        raw.close();
        throw new BadInputException(path + ": corrupt gzip stream: " + HadoopFs.oneLine(e));
      }
    }
    return new IdxStream(raw, -1);
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
