package org.lenet5spark.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.lenet5spark.testing.RunFiles.sha256OfLines;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterAll;
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
 * The validation split ({@code train --validation}) on real MNIST: seeded and stratified by
 * class, never trained on by either engine (the record indices of the Spark engine's real
 * training minibatches are collected), the same for the local and the Spark engine and across a
 * resume (the fingerprint in run.json, recomputed here with plain SHA-256), and bad values exit 2
 * or 3 with one line and nothing written.
 */
class ValidationSplitTest {
  private static final int TRAIN = 3000;
  private static final ObjectMapper PLAIN = new ObjectMapper();
  @TempDir
  static Path tmp;
  static Path data;
  static JavaSparkContext sc;

  @BeforeAll
  static void setUp() throws IOException {
    data = SmallData.prepare(SmallData.realSubset(tmp.resolve("idx"), TRAIN, 300),
        tmp.resolve("shards"), "binary", 3);
    sc = SparkTestContext.local2("validation-split");
  }

  @AfterAll
  static void tearDown() {
    if (sc != null) {
      sc.stop();
    }
  }

  private static ShardCatalog trainCatalog() throws IOException {
    return ShardCatalog.open(new org.apache.hadoop.fs.Path(data.toUri()), "train",
        new Configuration());
  }

  @Test
  void splitIsSeededAndStratifiedByClass() throws Exception {
    int[] labels = ValidationSplit.labelsByIndex(trainCatalog(), new Configuration());
    assertEquals(TRAIN, labels.length);
    ValidationSplit v = ValidationSplit.choose(labels, TrainOptions.Validation.parse("600"), 7);
    assertEquals(600, v.count());
    long[] nc = new long[10];
    long[] held = new long[10];
    for (int label : labels) {
      nc[label]++;
    }
    Set<Integer> seen = new HashSet<>();
    for (int i : v.indices()) {
      assertTrue(seen.add(i), "index once");
      held[labels[i]]++;
    }
    for (int c = 0; c < 10; c++) {
      double exact = nc[c] * 600.0 / TRAIN;
      assertTrue(Math.abs(held[c] - exact) <= 1.0, "class " + c + ": " + held[c] + " vs "
          + exact);
      assertEquals(held[c], v.perClass()[c]);
    }
    assertEquals(sha256OfLines(v.indices()), v.fingerprint());
    // the seed fixes the split; another seed draws another one of the same sizes
    ValidationSplit same = ValidationSplit.choose(labels, TrainOptions.Validation.parse("0.2"),
        7);
    assertEquals(v.fingerprint(), same.fingerprint(), "0.2 of 3000 is the same 600");
    ValidationSplit other = ValidationSplit.choose(labels, TrainOptions.Validation.parse("600"),
        8);
    assertNotEquals(v.fingerprint(), other.fingerprint());
    assertEquals(List.of(v.perClass()[0], v.perClass()[9]),
        List.of(other.perClass()[0], other.perClass()[9]));
    // the default for a split this small: 1/12 of it
    assertEquals(TRAIN / 12, ValidationSplit.choose(labels,
        TrainOptions.Validation.parse("default"), 7).count());
  }

  @Test
  void neitherEngineTrainsOnTheHeldOutRecords() throws Exception {
    ShardCatalog catalog = trainCatalog();
    int[] labels = ValidationSplit.labelsByIndex(catalog, new Configuration());
    ValidationSplit v = ValidationSplit.choose(labels, TrainOptions.Validation.parse("500"), 7);
    Set<Integer> heldOut = new HashSet<>();
    for (int i : v.indices()) {
      heldOut.add(i);
    }
    // local engine: the block it is given
    ExampleBlock all = ExampleBlock.read(catalog, new Configuration());
    ExampleBlock kept = v.select(all, false);
    // both engines validate on the same examples (the Spark driver reads only those)
    ExampleBlock local = v.select(all, true);
    ExampleBlock driver = v.readHeldOut(catalog, new Configuration());
    assertArrayEquals(v.indices(), local.indices());
    assertArrayEquals(local.indices(), driver.indices());
    assertArrayEquals(local.labels(), driver.labels());
    assertArrayEquals(local.features(), driver.features());
    assertEquals(TRAIN - 500, kept.count());
    for (int i : kept.indices()) {
      assertFalse(heldOut.contains(i), "local engine trains on held-out record " + i);
    }
    // spark engine: the record indices its training minibatches really hold
    TrainOptions o = TrainOptions.builder(new org.apache.hadoop.fs.Path(data.toUri()),
        new org.apache.hadoop.fs.Path(tmp.resolve("unused").toUri())).seed(7).workers(2).build();
    MultiLayerNetwork net = LeNet5.build(o.variant(), o.kernels(), o.seed(), o.newUpdater(),
        o.optimiser().l2());
    List<Integer> trained = new ArrayList<>();
    long examples = 0;
    try (SparkEngine engine = new SparkEngine(sc, o, net, catalog,
        new org.apache.hadoop.fs.Path(tmp.resolve("export").toUri()), 0, v)) {
      for (DataSet d : engine.trainingData().collect()) {
        examples += d.numExamples();
        assertTrue(d.numExamples() <= o.data().batchSize());
        for (Serializable m : d.getExampleMetaData()) {
          trained.add((Integer) m);
        }
      }
    }
    assertEquals(TRAIN - 500, examples);
    assertEquals(TRAIN - 500, trained.size());
    Set<Integer> distinct = new HashSet<>(trained);
    assertEquals(TRAIN - 500, distinct.size(), "each kept record once");
    for (int i : trained) {
      assertFalse(heldOut.contains(i), "spark engine trains on held-out record " + i);
    }
    distinct.addAll(heldOut);
    assertEquals(TRAIN, distinct.size(), "every record is trained on or held out");
  }

  @Test
  void bothEnginesHoldOutTheSameSplitAndRecordIt() throws Exception {
    Path local = tmp.resolve("local");
    CliRun l = CliRun.of("train", "--data", data.toString(), "--output", local.toString(),
        "--engine", "local", "--epochs", "1", "--seed", "7", "--validation", "0.1");
    assertEquals(ExitCodes.OK, l.code(), l.err());
    Path spark = tmp.resolve("spark");
    CliRun s = CliRun.of("train", "--data", data.toString(), "--output", spark.toString(),
        "--epochs", "1", "--seed", "7", "--validation", "300", "--workers", "2", "--master",
        "local[2]");
    assertEquals(ExitCodes.OK, s.code(), s.err());
    assertTrue(s.out().contains("val_accuracy 0."), s.out());
    int[] labels = ValidationSplit.labelsByIndex(trainCatalog(), new Configuration());
    String expected = sha256OfLines(ValidationSplit.choose(labels,
        TrainOptions.Validation.parse("300"), 7).indices());
    for (Path out : List.of(local, spark)) {
      JsonNode run = PLAIN.readTree(out.resolve("run.json").toFile());
      JsonNode val = run.get("validation");
      assertEquals(300, val.get("count").asInt(), out.toString());
      assertEquals(expected, val.get("fingerprint").asText(), out.toString());
      assertEquals(TRAIN - 300, val.get("train_examples").asInt());
      assertTrue(val.get("rule").asText().length() > 0);
      JsonNode m = PLAIN.readTree(Files.readAllLines(out.resolve("metrics.jsonl")).get(0));
      // what was really fitted: every kept record on the local engine; on Spark what DL4J's
      // averaging rounds fitted, never more than the kept records
      int fitted = m.get("train_examples").asInt();
      assertTrue(out == local ? fitted == TRAIN - 300 : fitted <= TRAIN - 300 && fitted > 1500,
          out + ": " + fitted);
      for (String k : List.of("train_accuracy", "validation_loss", "validation_accuracy",
          "validation_macro_f1", "test_accuracy", "macro_f1")) {
        assertTrue(m.get(k).isNumber(), k + " in " + m);
      }
      assertTrue(m.get("train_accuracy").asDouble() > 0.3
          && m.get("train_accuracy").asDouble() <= 1, m.toString());
      assertTrue(m.get("validation_accuracy").asDouble() > 0.5, m.toString());
      // the CSV holds the same columns, read by name
      List<String> csv = Files.readAllLines(out.resolve("metrics.csv"));
      List<String> header = List.of(csv.get(0).split(","));
      String[] cells = csv.get(1).split(",", -1);
      assertEquals(m.get("validation_accuracy").asDouble(),
          Double.parseDouble(cells[header.indexOf("validation_accuracy")]));
      assertEquals(m.get("train_accuracy").asDouble(),
          Double.parseDouble(cells[header.indexOf("train_accuracy")]));
      // the checkpoint records the split among the settings a resume must keep
      JsonNode state = PLAIN.readTree(out.resolve("checkpoints/epoch-0001/state.json")
          .toFile());
      assertTrue(state.get("trajectory").get("validation").asText().contains(expected),
          state.get("trajectory").toString());
    }
    // a resume keeps the split; another --validation is refused with one line
    CliRun more = CliRun.of("train", "--data", data.toString(), "--output", local.toString(),
        "--engine", "local", "--epochs", "2", "--seed", "7", "--validation", "300", "--resume");
    assertEquals(ExitCodes.OK, more.code(), more.err());
    assertEquals(expected, PLAIN.readTree(local.resolve("run.json").toFile())
        .get("validation").get("fingerprint").asText());
    assertEquals(2, Files.readAllLines(local.resolve("metrics.jsonl")).size());
    for (String other : List.of("301", "0")) {
      CliRun refused = CliRun.of("train", "--data", data.toString(), "--output",
          local.toString(), "--engine", "local", "--epochs", "3", "--seed", "7",
          "--validation", other, "--resume");
      assertEquals(ExitCodes.BAD_INPUT, refused.code(), other + ": " + refused.err());
      assertEquals(1L, messageLines(refused), refused.err());
      assertTrue(refused.err().contains("validation was"), refused.err());
      assertEquals(2, Files.readAllLines(local.resolve("metrics.jsonl")).size());
    }
  }

  @Test
  void badValuesExitTwoOrThreeWithOneLineAndWriteNothing() {
    String[][] usage = {{"-5"}, {"abc"}, {"1.5"}, {"1.0"}, {"0.0"}, {"100", "--keep", "worst"},
        {"0", "--early-stopping-patience", "2"}, {"100", "--early-stopping-patience", "-1"},
        {"100", "--early-stopping-metric", "f1"}};
    for (String[] bad : usage) {
      check(bad, ExitCodes.USAGE);
    }
    // 3000 images: all of them, more, leaving a class with no training image, fewer images
    // than classes, a fraction that rounds to none
    for (String bad : List.of("3000", "4000", "2999", "5", "0.0001")) {
      check(new String[] {bad}, ExitCodes.BAD_INPUT);
    }
  }

  /**
   * Lines of stderr saying what is wrong, without the CLI's hints ("try: ... --help",
   * "(run with --verbose ...)").
   */
  private static long messageLines(CliRun r) {
    return r.errorLines().lines().filter(l -> !l.startsWith("try:") && !l.startsWith("(run with"))
        .count();
  }

  private static void check(String[] args, int code) {
    Path out = tmp.resolve("bad-" + String.join("_", args).replace('-', 'm'));
    List<String> cmd = new ArrayList<>(List.of("train", "--data", data.toString(), "--output",
        out.toString(), "--engine", "local", "--epochs", "1", "--validation"));
    cmd.addAll(List.of(args));
    CliRun r = CliRun.of(cmd.toArray(String[]::new));
    assertEquals(code, r.code(), String.join(" ", args) + ": " + r.err());
    assertEquals(1L, messageLines(r), String.join(" ", args) + ": " + r.err());
    assertFalse(Files.exists(out.resolve("run.json")), "nothing written for " + out);
  }
}
