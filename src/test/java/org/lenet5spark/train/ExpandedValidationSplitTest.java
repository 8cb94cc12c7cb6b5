package org.lenet5spark.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.lenet5spark.testing.RunFiles.sha256OfLines;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.cli.ExitCodes;
import org.lenet5spark.data.ExampleBlock;
import org.lenet5spark.data.ShardCatalog;
import org.lenet5spark.model.LeNet5;
import org.lenet5spark.testing.CliRun;
import org.lenet5spark.testing.SmallData;
import org.lenet5spark.testing.SparkTestContext;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The validation split of an expanded training split ({@code prepare --expand 2} of the first
 * 1,200 images of real MNIST: 3,600 records, copy {@code k} of original {@code i} at index
 * {@code k * 1200 + i}) is drawn from the originals only, and no engine trains on a held-out
 * original or on any of its deformed copies, while every other record is trained on: the local
 * engine's block, the Spark engine's cached minibatches (their record indices, carried as
 * example metadata) and the Spark streaming path's minibatches (each example identified by its
 * exact pixels against the shards read here). The validation set holds originals only, the
 * default size counts originals (1/12 of 1,200), run.json says where the split came from and how
 * many records were excluded, a resume keeps the split, and bad values still exit 2 or 3 with
 * one line.
 */
class ExpandedValidationSplitTest {
  private static final int ORIGINALS = 1200;
  private static final int COPIES = 2;
  private static final int RECORDS = ORIGINALS * (COPIES + 1);
  private static final int HELD = 100;
  private static final ObjectMapper PLAIN = new ObjectMapper();
  @TempDir
  static Path tmp;
  static Path data;

  @BeforeAll
  static void setUp() throws IOException {
    Path idx = SmallData.realSubset(tmp.resolve("idx"), ORIGINALS, 200);
    data = tmp.resolve("expanded");
    CliRun r = CliRun.of("prepare", "--input", idx.toString(), "--output", data.toString(),
        "--format", "binary", "--shards", "2", "--expand", String.valueOf(COPIES),
        "--master", "local[2]");
    assertEquals(ExitCodes.OK, r.code(), r.err());
  }

  private static ShardCatalog trainCatalog() throws IOException {
    return ShardCatalog.open(new org.apache.hadoop.fs.Path(data.toUri()), "train",
        new Configuration());
  }

  /** The split the training run draws ({@code --validation HELD}, seed 7). */
  private static ValidationSplit split() throws IOException {
    return ValidationSplit.of(trainCatalog(), new Configuration(),
        TrainOptions.Validation.parse(String.valueOf(HELD)), 7);
  }

  /** Every record index that may be trained on: all but the held-out originals' families. */
  private static Set<Integer> expectedTrained(int[] heldOriginals) {
    Set<Integer> excluded = new HashSet<>();
    for (int i : heldOriginals) {
      for (int k = 0; k <= COPIES; k++) {
        excluded.add(k * ORIGINALS + i);
      }
    }
    Set<Integer> out = new TreeSet<>();
    for (int i = 0; i < RECORDS; i++) {
      if (!excluded.contains(i)) {
        out.add(i);
      }
    }
    return out;
  }

  @Test
  void heldOutOriginalsAndTheirCopiesAreNeverTrainedOnAnyPath() throws Exception {
    // a context of its own: the CLI runs of the other tests stop the shared one
    JavaSparkContext sc = SparkTestContext.local2("expanded-validation-split");
    try {
      checkEveryPath(sc);
    } finally {
      sc.stop();
    }
  }

  private static void checkEveryPath(JavaSparkContext sc) throws Exception {
    ShardCatalog catalog = trainCatalog();
    assertEquals(RECORDS, catalog.count());
    ValidationSplit v = split();
    assertEquals(HELD, v.count());
    for (int i : v.indices()) {
      assertTrue(i >= 0 && i < ORIGINALS, "held out a deformed copy: record " + i);
    }
    Set<Integer> expected = expectedTrained(v.indices());
    assertEquals(RECORDS - HELD * (COPIES + 1), expected.size());

    // local engine: the block it trains on and the block it validates on
    ExampleBlock all = ExampleBlock.read(catalog, new Configuration());
    ExampleBlock kept = v.select(all, false);
    assertEquals(expected, sorted(kept.indices()), "local engine's training records");
    ExampleBlock local = v.select(all, true);
    assertArrayEquals(v.indices(), local.indices(), "validation: the held-out originals only");
    // the Spark engine's driver reads the same validation examples
    ExampleBlock driver = v.readHeldOut(catalog, new Configuration());
    assertArrayEquals(local.indices(), driver.indices());
    assertArrayEquals(local.labels(), driver.labels());
    assertArrayEquals(local.features(), driver.features());

    // Spark, cached path: the record indices its real training minibatches hold
    TrainOptions o = TrainOptions.builder(new org.apache.hadoop.fs.Path(data.toUri()),
        new org.apache.hadoop.fs.Path(tmp.resolve("unused").toUri())).seed(7).workers(2)
        .batchSize(32).averagingFrequency(5).build();
    List<Integer> trained = new ArrayList<>();
    try (SparkEngine engine = new SparkEngine(sc, o, network(o), catalog,
        new org.apache.hadoop.fs.Path(tmp.resolve("export").toUri()), 0, v)) {
      for (DataSet d : engine.trainingData().collect()) {
        for (Serializable m : d.getExampleMetaData()) {
          trained.add((Integer) m);
        }
      }
    }
    assertEquals(expected.size(), trained.size(), "each kept record once");
    assertEquals(expected, new TreeSet<>(trained), "cached path's training records");

    // Spark, streaming path: every example of every round of an epoch, identified by its pixels
    Map<String, Integer> byPixels = new HashMap<>();
    int size = all.imageSize();
    for (int r = 0; r < all.count(); r++) {
      float[] px = new float[size];
      System.arraycopy(all.features(), r * size, px, 0, size);
      byPixels.put(java.util.Arrays.toString(px) + "|" + all.labels()[r], all.indices()[r]);
    }
    assertEquals(RECORDS, byPixels.size(), "every record's pixels are distinct");
    TrainOptions so = o.toBuilder().dataPath(TrainOptions.DataPath.STREAM).build();
    List<Integer> streamed = new ArrayList<>();
    try (SparkEngine engine = new SparkEngine(sc, so, network(so), catalog,
        new org.apache.hadoop.fs.Path(tmp.resolve("export-s").toUri()), 0, v)) {
      for (JavaRDD<DataSet> round : engine.streamedRounds(1)) {
        for (DataSet d : round.collect()) {
          float[] f = d.getFeatures().data().asFloat();
          float[] y = d.getLabels().data().asFloat();
          for (int e = 0; e < d.numExamples(); e++) {
            float[] px = new float[size];
            System.arraycopy(f, e * size, px, 0, size);
            int label = -1;
            for (int c = 0; c < 10; c++) {
              label = y[e * 10 + c] == 1f ? c : label;
            }
            Integer index = byPixels.get(java.util.Arrays.toString(px) + "|" + label);
            assertNotNull(index, "a streamed example that is no record of the split");
            streamed.add(index);
          }
        }
      }
    }
    assertEquals(expected.size(), streamed.size(), "each kept record once per epoch");
    assertEquals(expected, new TreeSet<>(streamed), "streaming path's training records");
  }

  private static MultiLayerNetwork network(TrainOptions o) {
    return LeNet5.build(o.variant(), o.kernels(), o.seed(), o.newUpdater(), o.optimiser().l2());
  }

  private static Set<Integer> sorted(int[] indices) {
    Set<Integer> out = new TreeSet<>();
    for (int i : indices) {
      assertTrue(out.add(i), "record " + i + " twice");
    }
    return out;
  }

  @Test
  void bothEnginesAndStreamingRecordTheOriginalsSplitAndResumeKeepsIt() throws Exception {
    String expected = sha256OfLines(split().indices());
    int trainExamples = RECORDS - HELD * (COPIES + 1);
    // the default counts originals: 1/12 of 1,200 is the same 100 images
    Path local = tmp.resolve("local");
    CliRun l = CliRun.of("train", "--data", data.toString(), "--output", local.toString(),
        "--engine", "local", "--epochs", "1", "--seed", "7");
    assertEquals(ExitCodes.OK, l.code(), l.err());
    Path cached = tmp.resolve("cached");
    CliRun c = CliRun.of("train", "--data", data.toString(), "--output", cached.toString(),
        "--epochs", "1", "--seed", "7", "--validation", String.valueOf(HELD), "--workers", "2",
        "--master", "local[2]", "--data-path", "cached");
    assertEquals(ExitCodes.OK, c.code(), c.err());
    Path stream = tmp.resolve("stream");
    CliRun s = CliRun.of("train", "--data", data.toString(), "--output", stream.toString(),
        "--epochs", "1", "--seed", "7", "--validation", String.valueOf(HELD), "--workers", "2",
        "--master", "local[2]", "--cache-budget", "1m");
    assertEquals(ExitCodes.OK, s.code(), s.err());
    for (Path out : List.of(local, cached, stream)) {
      JsonNode run = PLAIN.readTree(out.resolve("run.json").toFile());
      JsonNode val = run.get("validation");
      assertEquals(HELD, val.get("count").asInt(), out + ": " + val);
      assertEquals(expected, val.get("fingerprint").asText(), out.toString());
      assertEquals(trainExamples, val.get("train_examples").asInt(), out + ": " + val);
      assertEquals(HELD * (COPIES + 1), val.get("excluded_from_training").asInt(),
          out + ": " + val);
      assertTrue(val.get("drawn_from").asText().contains("original"), out + ": " + val);
      JsonNode m = PLAIN.readTree(Files.readAllLines(out.resolve("metrics.jsonl")).get(0));
      int fitted = m.get("train_examples").asInt();
      // the local engine and the streaming path fit every kept record once per epoch; DL4J's
      // averaging rounds on the cached path skip a few
      assertTrue(out == cached ? fitted <= trainExamples && fitted > trainExamples / 2
          : fitted == trainExamples, out + ": " + fitted);
      assertTrue(m.get("validation_accuracy").isNumber(), m.toString());
    }
    assertEquals("stream", PLAIN.readTree(stream.resolve("run.json").toFile()).get("config")
        .get("data_path").asText());
    // a resume keeps the split
    CliRun more = CliRun.of("train", "--data", data.toString(), "--output", local.toString(),
        "--engine", "local", "--epochs", "2", "--seed", "7", "--resume");
    assertEquals(ExitCodes.OK, more.code(), more.err());
    assertEquals(expected, PLAIN.readTree(local.resolve("run.json").toFile())
        .get("validation").get("fingerprint").asText());
    assertEquals(2, Files.readAllLines(local.resolve("metrics.jsonl")).size());
  }

  @Test
  void badValuesCountOriginalsAndExitTwoOrThreeWithOneLine() {
    for (String bad : List.of("-5", "abc", "1.5")) {
      check(bad, ExitCodes.USAGE);
    }
    // as many as the 1,200 originals or more (fewer than the 3,600 records), leaving a class
    // without an original to train on, fewer than the classes
    for (String bad : List.of("1200", "3000", "1199", "5")) {
      check(bad, ExitCodes.BAD_INPUT);
    }
  }

  private static void check(String value, int code) {
    Path out = tmp.resolve("bad-" + value.replace('-', 'm'));
    CliRun r = CliRun.of("train", "--data", data.toString(), "--output", out.toString(),
        "--engine", "local", "--epochs", "1", "--validation", value);
    assertEquals(code, r.code(), value + ": " + r.err());
    assertEquals(1L, r.errorLines().lines().filter(x -> !x.startsWith("try:")
        && !x.startsWith("(run with")).count(), value + ": " + r.err());
    assertFalse(Files.exists(out.resolve("run.json")), "nothing written for " + value);
  }
}
