package org.lenet5spark.data;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.io.HadoopFs;

/**
 * The raw binary shard format, version 1 (the single specification in code; the same table is in
 * docs/DATA_FORMATS.md). All numbers are little-endian.
 *
 * <pre>
 * offset size field
 *  0     4    magic "L5SH"
 *  4     2    format version (1)
 *  6     2    header size in bytes (64)
 *  8     8    record count (int64)
 * 16     4    rows (int32, 28)
 * 20     4    cols (int32, 28)
 * 24     4    channels (int32, 1)
 * 28     1    pixel dtype (1 = float32)
 * 29     1    label dtype (1 = int32)
 * 30     2    reserved (0)
 * 32     8    normalisation mean (float64)
 * 40     8    normalisation std (float64)
 * 48     4    record size in bytes (int32) = 8 + rows * cols * 4
 * 52    12    reserved (0)
 * 64     -    records: label (int32), source index (int32), rows*cols pixels (float32)
 * </pre>
 *
 * <p>The reader checks every record it returns with {@link ExampleChecks#examples}.
 */
public final class BinaryShardCodec implements ShardCodec {
  /** The one instance (stateless). */
  public static final BinaryShardCodec INSTANCE = new BinaryShardCodec();

  /** First four bytes of every binary shard. */
  public static final byte[] MAGIC = {'L', '5', 'S', 'H'};
  /** Current format version. */
  public static final int VERSION = 1;
  /** Size of the header. */
  public static final int HEADER_SIZE = 64;
  /** Code of float32 pixels. */
  public static final int DTYPE_FLOAT32 = 1;
  /** Code of int32 labels. */
  public static final int LABEL_INT32 = 1;

  private BinaryShardCodec() {
  }

  /** Bytes per record for images of {@code rows x cols}. */
  public static int recordSize(int rows, int cols) {
    return 8 + rows * cols * 4;
  }

  @Override
  public void write(Path file, Configuration conf, ShardContent c) throws IOException {
    int rows = c.images().rows();
    int cols = c.images().cols();
    int pixelsPerImage = rows * cols;
    int recordSize = recordSize(rows, cols);
    float[] lut = c.normalization().lookupTable();
    FileSystem fs = HadoopFs.fs(file, conf);
    try (OutputStream out = new BufferedOutputStream(HadoopFs.createInExistingFolder(fs, file,
        false, 1 << 16, fs.getDefaultBlockSize(file)), 1 << 20)) {
      ByteBuffer header = ByteBuffer.allocate(HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
      header.put(MAGIC);
      header.putShort((short) VERSION);
      header.putShort((short) HEADER_SIZE);
      header.putLong(c.count());
      header.putInt(rows);
      header.putInt(cols);
      header.putInt(1);
      header.put((byte) DTYPE_FLOAT32);
      header.put((byte) LABEL_INT32);
      header.putShort((short) 0);
      header.putDouble(c.normalization().mean());
      header.putDouble(c.normalization().std());
      header.putInt(recordSize);
      out.write(header.array());

      ByteBuffer record = ByteBuffer.allocate(recordSize).order(ByteOrder.LITTLE_ENDIAN);
      byte[] pixels = c.images().pixels();
      byte[] labels = c.labels().labels();
      for (int i = c.start(); i < c.start() + c.count(); i++) {
        record.clear();
        record.putInt(labels[i] & 0xff);
        record.putInt(c.indexOf(i));
        int base = i * pixelsPerImage;
        for (int p = 0; p < pixelsPerImage; p++) {
          record.putFloat(lut[pixels[base + p] & 0xff]);
        }
        out.write(record.array(), 0, recordSize);
      }
    }
  }

  @Override
  public ShardRecordReader open(Path file, Configuration conf, int rows, int cols)
      throws IOException {
    FileSystem fs = HadoopFs.fs(file, conf);
    DataInputStream in;
    try {
      in = new DataInputStream(fs.open(file, 1 << 20));
    } catch (FileNotFoundException e) {
      throw new BadInputException("missing shard: " + file);
    }
    try {
      byte[] h = new byte[HEADER_SIZE];
      try {
        in.readFully(h);
      } catch (EOFException e) {
        throw new BadInputException(file + ": truncated shard header");
      }
      ByteBuffer header = ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < MAGIC.length; i++) {
        if (header.get(i) != MAGIC[i]) {
          throw new BadInputException(file + ": not a binary shard (wrong magic)");
        }
      }
      int version = header.getShort(4) & 0xffff;
      int headerSize = header.getShort(6) & 0xffff;
      long count = header.getLong(8);
      int r = header.getInt(16);
      int cl = header.getInt(20);
      int channels = header.getInt(24);
      int dtype = header.get(28);
      int labelType = header.get(29);
      int recordSize = header.getInt(48);
      if (version != VERSION || headerSize != HEADER_SIZE) {
        throw new BadInputException(file + ": unsupported binary shard version " + version);
      }
      if (r != rows || cl != cols || channels != 1 || dtype != DTYPE_FLOAT32
          || labelType != LABEL_INT32 || recordSize != recordSize(rows, cols)) {
        throw new BadInputException(file + ": shard header describes " + channels + "x" + r + "x"
            + cl + " dtype " + dtype + ", expected 1x" + rows + "x" + cols + " float32");
      }
      if (count < 0 || count > Integer.MAX_VALUE) {
        throw new BadInputException(file + ": invalid record count " + count);
      }
      return new Reader(file, in, (int) count, rows * cols);
    } catch (IOException | RuntimeException e) {
      in.close();
      throw e;
    }
  }

  /** Reads fixed-size records into the caller's arrays through one reused buffer. */
  private static final class Reader implements ShardRecordReader {
    private final Path file;
    private final DataInputStream in;
    private final int count;
    private final int pixels;
    private final int recordSize;
    private byte[] buffer = new byte[0];
    private int consumed;

    Reader(Path file, DataInputStream in, int count, int pixels) {
      this.file = file;
      this.in = in;
      this.count = count;
      this.pixels = pixels;
      this.recordSize = 8 + pixels * 4;
    }

    @Override
    public long count() {
      return count;
    }

    @Override
    public int read(float[] features, int[] labels, int[] indices, int max) throws IOException {
      int n = Math.min(max, count - consumed);
      if (n <= 0) {
        if (in.read() >= 0) {
          throw new BadInputException(file + ": trailing bytes after " + count + " records");
        }
        return 0;
      }
      int bytes = n * recordSize;
      if (buffer.length < bytes) {
        buffer = new byte[bytes];
      }
      try {
        in.readFully(buffer, 0, bytes);
      } catch (EOFException e) {
        throw new BadInputException(file + ": truncated shard: header announces " + count
            + " records, body ends before record " + (consumed + n));
      }
      ByteBuffer bb = ByteBuffer.wrap(buffer, 0, bytes).order(ByteOrder.LITTLE_ENDIAN);
      FloatBuffer fb = bb.asFloatBuffer();
      for (int i = 0; i < n; i++) {
        int off = i * recordSize;
        labels[i] = bb.getInt(off);
        indices[i] = bb.getInt(off + 4);
        fb.position((off + 8) / 4);
        fb.get(features, i * pixels, pixels);
      }
      ExampleChecks.examples(features, labels, n, pixels, file.toString(), consumed);
      consumed += n;
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      int k = (int) Math.min(n, count - consumed);
      if (k <= 0) {
        return 0;
      }
      try {
        in.skipNBytes((long) k * recordSize);
      } catch (EOFException e) {
        throw new BadInputException(file + ": truncated shard: header announces " + count
            + " records, body ends before record " + (consumed + k));
      }
      consumed += k;
      return k;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
