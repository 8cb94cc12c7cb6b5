package org.lenet5spark.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.lenet5spark.testing.RealMnist;
import org.lenet5spark.testing.SmallData;

/**
 * The Parquet output of {@code prepare} on the real MNIST files, read as the rest of the ecosystem
 * reads a folder of Parquet files, without any of this project's readers: a plain
 * {@link SparkSession} ({@code spark.read().parquet(folder)}, no options) counts every row of each
 * split folder and decodes an image to the same values as the IDX source, and parquet-hadoop's
 * own folder reader does the same. The Java example of docs/DATA_FORMATS.md and the README is the
 * code this test runs. MNIST is prepared once for the class.
 */
class SparkSqlReadsShardsTest {
  @TempDir
  static Path tmp;
  static Path raw;
  static Path data;
  static SparkSession spark;

  @BeforeAll
  static void prepareRealMnistOnce() {
    raw = RealMnist.dir();
    data = SmallData.prepare(raw, tmp.resolve("shards"), "parquet", 4);
    spark = SparkSession.builder().master("local[2]").appName("plain-spark-sql")
        .config("spark.ui.enabled", "false").getOrCreate();
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  /** A digit as the documented example decodes it. */
  record Digit(int label, float[][] pixels) {
  }

  /** The documented example: the label and the 28x28 pixels of image {@code index}. */
  static Digit digit(SparkSession spark, String folder, int index) {
    // BEGIN docs example (docs/DATA_FORMATS.md, README.md)
    Row row = spark.read().parquet(folder).where("index = " + index).first();
    int label = row.getInt(row.fieldIndex("label"));
    FloatBuffer values = ByteBuffer.wrap((byte[]) row.getAs("pixels"))
        .order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    float[][] pixels = new float[28][28];
    for (float[] line : pixels) {
      values.get(line);
    }
    // END docs example
    return new Digit(label, pixels);
  }

  @ParameterizedTest
  @CsvSource({"train, 60000, train", "test, 10000, t10k"})
  void plainSparkSqlCountsEverySplitAndDecodesRowsToTheIdxSource(String split, long count,
      String prefix) throws IOException {
    String folder = data.resolve(split).toString();
    Dataset<Row> digits = spark.read().parquet(folder);
    assertEquals(count, digits.count(), split + " rows");
    assertEquals("label:int,index:int,pixels:binary,split:string",
        Stream.of(digits.schema().fields()).map(f -> f.name() + ":" + f.dataType().simpleString())
            .collect(Collectors.joining(",")));
    assertEquals(count, digits.select("index").distinct().count(), "every image once");

    JsonNode manifest = new ObjectMapper().readTree(
        data.resolve(split).resolve(Manifest.FILE_NAME).toFile());
    double mean = manifest.get("normalization").get("mean").asDouble();
    double std = manifest.get("normalization").get("std").asDouble();
    for (int index : new int[] {0, 7, (int) count - 1}) {
      Digit d = digit(spark, folder, index);
      byte[] source = idxImage(raw.resolve(prefix + "-images-idx3-ubyte"), index);
      assertEquals(idxLabel(raw.resolve(prefix + "-labels-idx1-ubyte"), index), d.label(),
          split + " label of image " + index);
      int nonZero = 0;
      for (int r = 0; r < 28; r++) {
        for (int c = 0; c < 28; c++) {
          int pixel = source[r * 28 + c] & 0xff;
          nonZero += pixel == 0 ? 0 : 1;
          float expected = (float) ((pixel / 255.0 - mean) / std);
          assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(d.pixels()[r][c]),
              split + " image " + index + " pixel " + r + "," + c);
          assertEquals(pixel / 255.0, d.pixels()[r][c] * std + mean, 1e-6, "un-normalised");
        }
      }
      assertTrue(nonZero > 50, "a real digit, not a blank image");
    }
  }

  @ParameterizedTest
  @CsvSource({"train, 60000, train", "test, 10000, t10k"})
  void parquetHadoopReadsTheSplitFolderWithoutSpark(String split, long count, String prefix)
      throws IOException {
    org.apache.hadoop.fs.Path folder = new org.apache.hadoop.fs.Path(
        data.resolve(split).toUri());
    long rows = 0;
    long indexSum = 0;
    Group first = null;
    try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(), folder)
        .withConf(new Configuration()).build()) {
      for (Group g = reader.read(); g != null; g = reader.read()) {
        rows++;
        int index = g.getInteger("index", 0);
        indexSum += index;
        if (index == 0) {
          first = g;
        }
      }
    }
    assertEquals(count, rows);
    assertEquals(count * (count - 1) / 2, indexSum, "indices 0..n-1, each once");
    assertTrue(first != null);
    assertEquals(idxLabel(raw.resolve(prefix + "-labels-idx1-ubyte"), 0),
        first.getInteger("label", 0));
    FloatBuffer values = first.getBinary("pixels", 0).toByteBuffer()
        .order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    float[] expected = new float[784];
    Digit d = digit(spark, data.resolve(split).toString(), 0);
    for (int r = 0; r < 28; r++) {
      System.arraycopy(d.pixels()[r], 0, expected, r * 28, 28);
    }
    float[] got = new float[784];
    values.get(got);
    for (int i = 0; i < 784; i++) {
      assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(got[i]));
    }
  }

  @Test
  void splitFoldersHoldOnlyPartsVisibleToReaders() throws IOException {
    for (String split : List.of("train", "test")) {
      List<String> visible = new ArrayList<>();
      List<String> crc = new ArrayList<>();
      try (Stream<Path> files = Files.list(data.resolve(split))) {
        files.map(f -> f.getFileName().toString()).forEach(name -> {
          if (!name.startsWith("_") && !name.startsWith(".")) {
            visible.add(name);
          }
          if (name.endsWith(".crc")) {
            crc.add(name);
          }
        });
      }
      assertFalse(visible.isEmpty());
      assertTrue(visible.stream().allMatch(n -> n.matches("part-\\d{5}\\.parquet")),
          split + ": only Parquet parts are visible: " + visible);
      assertTrue(crc.isEmpty(), split + ": no Hadoop checksum side files: " + crc);
      assertTrue(Files.exists(data.resolve(split).resolve("_manifest.json")));
    }
  }

  @Test
  void theDocumentedJavaExampleIsTheCodeThisTestRuns() throws IOException {
    String source = Files.readString(
        Path.of("src/test/java/org/lenet5spark/data/SparkSqlReadsShardsTest.java"));
    Matcher m = Pattern.compile("// BEGIN docs example[^\\n]*\\n(.*?)\\n\\s*// END docs example",
        Pattern.DOTALL).matcher(source);
    assertTrue(m.find());
    String example = normalise(m.group(1));
    assertTrue(example.contains("spark.read().parquet(folder)") && example.lines().count() > 5,
        example);
    for (String doc : List.of("docs/DATA_FORMATS.md", "README.md")) {
      Matcher block = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL)
          .matcher(Files.readString(Path.of(doc)));
      boolean found = false;
      while (block.find()) {
        found |= normalise(block.group(1)).contains(example);
      }
      assertTrue(found, doc + " shows the Java example this test runs:\n" + example);
    }
  }

  private static String normalise(String code) {
    return Stream.of(code.split("\\n")).map(String::strip).filter(l -> !l.isEmpty())
        .collect(Collectors.joining("\n"));
  }

  /** Image {@code index} of an IDX images file, read without the project's code. */
  private static byte[] idxImage(Path file, int index) throws IOException {
    byte[] b = new byte[784];
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
      assertEquals(0x803, f.readInt(), "IDX images magic");
      f.seek(16 + 784L * index);
      f.readFully(b);
    }
    return b;
  }

  /** Label {@code index} of an IDX labels file, read without the project's code. */
  private static int idxLabel(Path file, int index) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
      assertEquals(0x801, f.readInt(), "IDX labels magic");
      f.seek(8 + index);
      return f.read();
    }
  }
}
