package org.lenet5spark.data;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.column.impl.ColumnReadStoreImpl;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.hadoop.util.HadoopStreams;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.ParquetDecodingException;
import org.apache.parquet.io.PositionOutputStream;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.io.HadoopFs;

/**
 * The Parquet shard format (the single specification in code; see docs/DATA_FORMATS.md). One row
 * per image:
 *
 * <pre>
 * message lenet5_digit {
 *   required int32 label;             // 0-9
 *   required int32 index;             // position in the split (see docs/DATA_FORMATS.md)
 *   required binary pixels;           // rows*cols float32, little-endian, row-major
 *   required binary split (STRING);   // "train" or "test"
 * }
 * </pre>
 *
 * <p>{@code pixels} is one binary value rather than {@code array<float>}: a reader gets an image
 * with one bulk copy instead of decoding 784 repeated values with repetition and definition levels,
 * and the file is smaller; pandas/pyarrow decode it with {@code numpy.frombuffer(b, "<f4")}. The
 * file's key-value metadata records the layout and the normalisation. The reader checks every
 * record it returns with {@link ExampleChecks#examples}.
 */
public final class ParquetShardCodec implements ShardCodec {
  /** The one instance (stateless). */
  public static final ParquetShardCodec INSTANCE = new ParquetShardCodec();

  /** The schema of every Parquet shard. */
  public static final MessageType SCHEMA = MessageTypeParser.parseMessageType(
      "message lenet5_digit {\n"
          + "  required int32 label;\n"
          + "  required int32 index;\n"
          + "  required binary pixels;\n"
          + "  required binary split (STRING);\n"
          + "}");

  /** Key-value metadata key that describes the pixel layout. */
  public static final String META_LAYOUT = "lenet5.pixels.layout";

  private ParquetShardCodec() {
  }

  @Override
  public void write(Path file, Configuration conf, ShardContent c) throws IOException {
    int rows = c.images().rows();
    int cols = c.images().cols();
    int pixelsPerImage = rows * cols;
    float[] lut = c.normalization().lookupTable();
    SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
    Map<String, String> meta = Map.of(
        META_LAYOUT, "float32 little-endian, row-major, shape 1x" + rows + "x" + cols,
        "lenet5.normalization.mean", Double.toString(c.normalization().mean()),
        "lenet5.normalization.std", Double.toString(c.normalization().std()),
        "lenet5.normalization.formula", Normalization.FORMULA);
    byte[] pixels = c.images().pixels();
    byte[] labels = c.labels().labels();
    Binary split = Binary.fromString(c.split());
    OutputFile out = new PlainOutputFile(file, conf);
    try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(out)
        .withConf(conf)
        .withType(SCHEMA)
        .withExtraMetaData(meta)
        .withCompressionCodec(CompressionCodecName.SNAPPY)
        .withDictionaryEncoding(false)
        .build()) {
      for (int i = c.start(); i < c.start() + c.count(); i++) {
        ByteBuffer bb = ByteBuffer.allocate(pixelsPerImage * 4).order(ByteOrder.LITTLE_ENDIAN);
        int base = i * pixelsPerImage;
        for (int p = 0; p < pixelsPerImage; p++) {
          bb.putFloat(lut[pixels[base + p] & 0xff]);
        }
        Group g = groups.newGroup()
            .append("label", labels[i] & 0xff)
            .append("index", c.indexOf(i))
            .append("pixels", Binary.fromConstantByteArray(bb.array()))
            .append("split", split);
        writer.write(g);
      }
    }
  }

  /**
   * Where a shard is written: the file system of {@link HadoopFs#fs}, which for local files is
   * the raw one, so no {@code .crc} side file is written beside the shard (the manifest carries
   * each shard's CRC32, and the binary format writes none either); a shard is only created in an
   * existing folder ({@link HadoopFs#createInExistingFolder}). Otherwise the same calls as
   * parquet-hadoop's {@code HadoopOutputFile}.
   */
  private static final class PlainOutputFile implements OutputFile {
    private static final int BUFFER_BYTES = 1 << 16;
    private final FileSystem fs;
    private final Path file;

    PlainOutputFile(Path file, Configuration conf) {
      this.fs = HadoopFs.fs(file, conf);
      this.file = file;
    }

    @Override
    public PositionOutputStream create(long blockSizeHint) throws IOException {
      return HadoopStreams.wrap(HadoopFs.createInExistingFolder(fs, file, false, BUFFER_BYTES,
          Math.max(fs.getDefaultBlockSize(file), blockSizeHint)));
    }

    @Override
    public PositionOutputStream createOrOverwrite(long blockSizeHint) throws IOException {
      return HadoopStreams.wrap(HadoopFs.createInExistingFolder(fs, file, true, BUFFER_BYTES,
          Math.max(fs.getDefaultBlockSize(file), blockSizeHint)));
    }

    @Override
    public boolean supportsBlockSize() {
      return HadoopOutputFile.getBlockFileSystems().contains(fs.getUri().getScheme());
    }

    @Override
    public long defaultBlockSize() {
      return fs.getDefaultBlockSize(file);
    }

    @Override
    public String getPath() {
      return file.toString();
    }
  }

  @Override
  public ShardRecordReader open(Path file, Configuration conf, int rows, int cols)
      throws IOException {
    ParquetFileReader reader;
    try {
      reader = ParquetFileReader.open(HadoopInputFile.fromPath(file, conf));
    } catch (FileNotFoundException e) {
      throw new BadInputException("missing shard: " + file);
    } catch (IOException | RuntimeException e) {
      throw new BadInputException(file + ": not a readable Parquet file: " + e.getMessage(), e);
    }
    try {
      MessageType schema = reader.getFooter().getFileMetaData().getSchema();
      if (!schema.equals(SCHEMA)) {
        throw new BadInputException(file + ": Parquet schema differs from the shard schema: "
            + schema.toString().replace('\n', ' '));
      }
      return new Reader(file, reader, rows * cols);
    } catch (RuntimeException e) {
      reader.close();
      throw e;
    }
  }

  /**
   * Reads a shard column by column, one row group at a time, with Parquet's low-level column
   * readers: no record objects are assembled; each image's bytes are copied straight into the
   * caller's float array.
   */
  private static final class Reader implements ShardRecordReader {
    private final Path file;
    private final ParquetFileReader reader;
    private final long count;
    private final int pixels;
    private final String createdBy;
    private final GroupConverter converter = new GroupRecordConverter(SCHEMA).getRootConverter();
    private ColumnReader label;
    private ColumnReader index;
    private ColumnReader image;
    private long leftInGroup;
    private int nextGroup;
    private long consumed;

    Reader(Path file, ParquetFileReader reader, int pixels) {
      this.file = file;
      this.reader = reader;
      this.count = reader.getRecordCount();
      this.pixels = pixels;
      this.createdBy = reader.getFooter().getFileMetaData().getCreatedBy();
    }

    @Override
    public long count() {
      return count;
    }

    @Override
    public int read(float[] features, int[] labels, int[] indices, int max) throws IOException {
      int n = 0;
      try {
        while (n < max) {
          if (leftInGroup == 0 && !nextRowGroup()) {
            break;
          }
          labels[n] = label.getInteger();
          label.consume();
          indices[n] = index.getInteger();
          index.consume();
          ByteBuffer bb = image.getBinary().toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
          image.consume();
          if (bb.remaining() != pixels * 4) {
            throw new BadInputException(file + ": row with " + bb.remaining()
                + " pixel bytes, expected " + pixels * 4);
          }
          bb.asFloatBuffer().get(features, n * pixels, pixels);
          leftInGroup--;
          n++;
        }
      } catch (ParquetDecodingException | IllegalArgumentException | IllegalStateException e) {
        throw new BadInputException(file + ": corrupt Parquet shard: " + e.getMessage(), e);
      }
      ExampleChecks.examples(features, labels, n, pixels, file.toString(), consumed);
      consumed += n;
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long done = 0;
      try {
        while (done < n) {
          if (leftInGroup == 0) {
            // a whole row group is skipped without reading its pages
            if (nextGroup < reader.getRowGroups().size()
                && reader.getRowGroups().get(nextGroup).getRowCount() <= n - done) {
              done += reader.getRowGroups().get(nextGroup).getRowCount();
              reader.skipNextRowGroup();
              nextGroup++;
              continue;
            }
            if (!nextRowGroup()) {
              break;
            }
          }
          label.skip();
          label.consume();
          index.skip();
          index.consume();
          image.skip();
          image.consume();
          leftInGroup--;
          done++;
        }
      } catch (ParquetDecodingException | IllegalArgumentException | IllegalStateException e) {
        throw new BadInputException(file + ": corrupt Parquet shard: " + e.getMessage(), e);
      }
      consumed += done;
      return done;
    }

    private boolean nextRowGroup() throws IOException {
      PageReadStore pages;
      try {
        pages = reader.readNextRowGroup();
      } catch (IOException | RuntimeException e) {
        throw new BadInputException(file + ": corrupt Parquet shard: " + e.getMessage(), e);
      }
      if (pages == null) {
        return false;
      }
      nextGroup++;
      ColumnReadStoreImpl store = new ColumnReadStoreImpl(pages, converter, SCHEMA, createdBy);
      label = store.getColumnReader(SCHEMA.getColumnDescription(new String[] {"label"}));
      index = store.getColumnReader(SCHEMA.getColumnDescription(new String[] {"index"}));
      image = store.getColumnReader(SCHEMA.getColumnDescription(new String[] {"pixels"}));
      leftInGroup = pages.getRowCount();
      return true;
    }

    @Override
    public void close() throws IOException {
      reader.close();
    }
  }
}
