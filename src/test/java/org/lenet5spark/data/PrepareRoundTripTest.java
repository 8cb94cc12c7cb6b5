package org.lenet5spark.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.testing.IdxFixtures;
import org.lenet5spark.testing.SparkTestContext;
import org.nd4j.linalg.dataset.DataSet;

/**
 * {@code prepare} as a Spark job on generated data: both formats round-trip exactly (every value
 * read back equals the normalised source pixel), manifests are right, outputs are published
 * atomically, and broken or altered shards are refused before use.
 */
class PrepareRoundTripTest {
  private static JavaSparkContext sc;
  private static Configuration conf;

  @TempDir
  static java.nio.file.Path tmp;

  @BeforeAll
  static void start() throws IOException {
    sc = SparkTestContext.local2("prepare");
    conf = sc.hadoopConfiguration();
    IdxFixtures.writeDataset(tmp.resolve("idx"), 300, 120, true);
  }

  @AfterAll
  static void stop() {
    sc.stop();
  }

  private static DatasetPreparer.Result prepare(String out, ShardFormat f, int shards,
      boolean overwrite) throws IOException {
    return DatasetPreparer.run(sc, new DatasetPreparer.Options(
        HadoopFs.resolve(tmp.resolve("idx").toString()), HadoopFs.resolve(tmp.resolve(out)
            .toString()), f, shards, DatasetPreparer.SourceNames.MNIST, overwrite));
  }

  @ParameterizedTest
  @EnumSource(ShardFormat.class)
  void roundTripIsExact(ShardFormat format) throws IOException {
    DatasetPreparer.Result r = prepare("rt-" + format.id(), format, 3, false);
    byte[] trainPx = IdxFixtures.images(300, 1);
    byte[] trainLb = IdxFixtures.labels(300, 2);
    Normalization norm = Normalization.of(trainPx);
    float[] lut = norm.lookupTable();
    assertEquals(norm, r.train().toNormalization());
    assertEquals(300, r.train().count());
    assertEquals(3, r.train().shards().size());
    assertEquals(120, r.test().count());
    long[] hist = new long[10];
    for (byte b : trainLb) {
      hist[b]++;
    }
    for (int c = 0; c < 10; c++) {
      assertEquals(hist[c], r.train().classHistogram().get(c));
    }
    assertEquals(2, r.train().sources().size());
    assertEquals(64, r.train().sources().get(0).sha256().length());

    ShardCatalog train = ShardCatalog.open(r.output(), "train", conf);
    train.verifyChecksums(sc);
    ExampleBlock block = ExampleBlock.read(train, conf);
    for (int i = 0; i < 300; i++) {
      assertEquals(trainLb[i], block.labels()[i]);
      assertEquals(i, block.indices()[i]);
      for (int p = 0; p < 784; p++) {
        float expected = lut[trainPx[i * 784 + p] & 0xff];
        assertEquals(Float.floatToIntBits(expected),
            Float.floatToIntBits(block.features()[i * 784 + p]));
      }
    }
    // the test split (from gzipped input) uses the training normalisation
    ShardCatalog test = ShardCatalog.open(r.output(), "test", conf);
    ExampleBlock tb = ExampleBlock.read(test, conf);
    byte[] testPx = IdxFixtures.images(120, 3);
    assertEquals(lut[testPx[5 * 784 + 17] & 0xff], tb.features()[5 * 784 + 17]);

    // the Spark training RDD yields the same examples in minibatches
    List<DataSet> batches = ShardMinibatches.rdd(sc, train, 32).collect();
    int n = 0;
    for (DataSet d : batches) {
      n += d.numExamples();
      assertArrayEquals(new long[] {d.numExamples(), 1, 28, 28}, d.getFeatures().shape());
    }
    assertEquals(300, n);
    assertEquals(trainLb[0], batches.get(0).getLabels().getRow(0).argMax().getInt(0));
  }

  @ParameterizedTest
  @EnumSource(ShardFormat.class)
  void splitFoldersShowReadersOnlyTheirPartsAndWriteNoChecksumSideFiles(ShardFormat format)
      throws IOException {
    DatasetPreparer.Result r = prepare("visible-" + format.id(), format, 3, false);
    java.nio.file.Path out = tmp.resolve("visible-" + format.id());
    for (String split : List.of("train", "test")) {
      List<String> visible = new ArrayList<>();
      try (Stream<java.nio.file.Path> s = Files.list(out.resolve(split))) {
        s.map(f -> f.getFileName().toString())
            .filter(n -> !n.startsWith("_") && !n.startsWith("."))
            .forEach(visible::add);
      }
      visible.sort(null);
      Manifest m = split.equals("train") ? r.train() : r.test();
      assertEquals(m.shards().stream().map(Manifest.Shard::file).toList(), visible,
          split + ": a reader that skips hidden names (_x, .x) sees exactly the parts");
      assertTrue(Files.exists(out.resolve(split).resolve("_manifest.json")), split);
      assertFalse(Files.exists(out.resolve(split).resolve("manifest.json")), split);
    }
    try (Stream<java.nio.file.Path> s = Files.walk(out)) {
      List<java.nio.file.Path> crc = s.filter(f -> f.toString().endsWith(".crc")).toList();
      assertTrue(crc.isEmpty(), "no Hadoop checksum side files: " + crc);
    }
  }

  @ParameterizedTest
  @EnumSource(ShardFormat.class)
  void dataPreparedByEarlierVersionsWithManifestJsonIsStillRead(ShardFormat format)
      throws IOException {
    DatasetPreparer.Result r = prepare("legacy-" + format.id(), format, 2, false);
    ExampleBlock before = ExampleBlock.read(ShardCatalog.open(r.output(), "train", conf), conf);
    java.nio.file.Path out = tmp.resolve("legacy-" + format.id());
    for (String split : List.of("train", "test")) {
      // what earlier versions wrote: the same manifest, named manifest.json
      Files.move(out.resolve(split).resolve("_manifest.json"),
          out.resolve(split).resolve("manifest.json"));
    }
    assertTrue(IdxInput.isPreparedData(r.output(), conf), "predict/evaluate recognise it");
    for (String split : List.of("train", "test")) {
      ShardCatalog cat = ShardCatalog.open(r.output(), split, conf);
      cat.verifyChecksums(sc);
      assertEquals(split.equals("train") ? r.train() : r.test(), cat.manifest());
    }
    ExampleBlock after = ExampleBlock.read(ShardCatalog.open(r.output(), "train", conf), conf);
    assertArrayEquals(before.features(), after.features());
    assertArrayEquals(before.labels(), after.labels());
    // with neither name the split is refused, naming the current one
    Files.delete(out.resolve("test/manifest.json"));
    BadInputException e = assertThrows(BadInputException.class,
        () -> ShardCatalog.open(r.output(), "test", conf));
    assertTrue(e.getMessage().startsWith("missing _manifest.json in "), e.getMessage());
  }

  @Test
  void bothFormatsHoldTheSameValues() throws IOException {
    DatasetPreparer.Result p = prepare("same-p", ShardFormat.PARQUET, 2, false);
    DatasetPreparer.Result b = prepare("same-b", ShardFormat.BINARY, 4, false);
    ExampleBlock x = ExampleBlock.read(ShardCatalog.open(p.output(), "train", conf), conf);
    ExampleBlock y = ExampleBlock.read(ShardCatalog.open(b.output(), "train", conf), conf);
    assertArrayEquals(x.features(), y.features());
    assertArrayEquals(x.labels(), y.labels());
  }

  @Test
  void existingOutputIsRefusedUnlessOverwrite() throws IOException {
    DatasetPreparer.Result first = prepare("again", ShardFormat.BINARY, 2, false);
    BadInputException e = assertThrows(BadInputException.class,
        () -> prepare("again", ShardFormat.BINARY, 2, false));
    assertTrue(e.getMessage().contains("--overwrite"), e.getMessage());
    DatasetPreparer.Result second = prepare("again", ShardFormat.PARQUET, 2, true);
    assertEquals("parquet", second.train().format());
    assertEquals(first.output(), second.output());
    try (Stream<java.nio.file.Path> s = Files.list(tmp)) {
      assertFalse(s.anyMatch(f -> f.getFileName().toString().startsWith(".again")),
          "no staging or old folder left behind");
    }
  }

  @Test
  void failedPrepareLeavesEarlierOutputUntouched() throws IOException {
    prepare("keep", ShardFormat.BINARY, 2, false);
    java.nio.file.Path manifest = tmp.resolve("keep/train/_manifest.json");
    String before = Files.readString(manifest);
    java.nio.file.Path bad = tmp.resolve("bad-idx");
    IdxFixtures.writeDataset(bad, 10, 10, false);
    Files.write(bad.resolve("train-labels-idx1-ubyte"),
        IdxFixtures.labelsFile(0x801, 9, new byte[9]));
    assertThrows(BadInputException.class, () -> DatasetPreparer.run(sc,
        new DatasetPreparer.Options(HadoopFs.resolve(bad.toString()),
            HadoopFs.resolve(tmp.resolve("keep").toString()), ShardFormat.BINARY, 2,
            DatasetPreparer.SourceNames.MNIST, true)));
    assertEquals(before, Files.readString(manifest));
    assertTrue(Files.exists(tmp.resolve("keep/_SUCCESS")));
  }

  @Test
  void corruptMissingAndMismatchedShardsAreRefused() throws IOException {
    DatasetPreparer.Result r = prepare("broken", ShardFormat.BINARY, 3, false);
    java.nio.file.Path shard = tmp.resolve("broken/train/part-00001.bin");
    // same size, one flipped byte: only the checksum can tell
    try (RandomAccessFile f = new RandomAccessFile(shard.toFile(), "rw")) {
      f.seek(1000);
      int b = f.read();
      f.seek(1000);
      f.write(b ^ 0x01);
    }
    ShardCatalog cat = ShardCatalog.open(r.output(), "train", conf);
    BadInputException e = assertThrows(BadInputException.class, () -> cat.verifyChecksums(sc));
    assertTrue(e.getMessage().contains("checksum"), e.getMessage());

    // a shorter shard is caught when the catalog opens
    byte[] bytes = Files.readAllBytes(shard);
    Files.write(shard, java.util.Arrays.copyOf(bytes, bytes.length - 10));
    assertTrue(assertThrows(BadInputException.class,
        () -> ShardCatalog.open(r.output(), "train", conf)).getMessage().contains("bytes"));

    Files.delete(shard);
    assertTrue(assertThrows(BadInputException.class,
        () -> ShardCatalog.open(r.output(), "train", conf)).getMessage().contains("missing"));

    // a manifest whose counts do not add up
    java.nio.file.Path m = tmp.resolve("broken/test/_manifest.json");
    Files.writeString(m, Files.readString(m).replace("\"count\" : 120", "\"count\" : 121"));
    assertTrue(assertThrows(BadInputException.class,
        () -> ShardCatalog.open(r.output(), "test", conf)).getMessage().contains("up to"));
  }

  @Test
  void unfinishedOutputIsRefused() throws IOException {
    DatasetPreparer.Result r = prepare("unfinished", ShardFormat.PARQUET, 1, false);
    Files.delete(tmp.resolve("unfinished/_SUCCESS"));
    assertTrue(assertThrows(BadInputException.class,
        () -> ShardCatalog.open(r.output(), "train", conf)).getMessage().contains("_SUCCESS"));
  }

  @Test
  void missingInputIsRefused() {
    BadInputException e = assertThrows(BadInputException.class, () -> DatasetPreparer.run(sc,
        new DatasetPreparer.Options(HadoopFs.resolve(tmp.resolve("nowhere").toString()),
            HadoopFs.resolve(tmp.resolve("out-missing").toString()), ShardFormat.BINARY, 1,
            DatasetPreparer.SourceNames.MNIST, false)));
    assertTrue(e.getMessage().contains("nowhere"), e.getMessage());
    assertFalse(Files.exists(tmp.resolve("out-missing")));
  }

  static List<DataSet> drain(Iterator<DataSet> it) {
    List<DataSet> out = new ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }
}
