package org.lenet5spark.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.data.ExampleBlock;
import org.lenet5spark.data.ShardCatalog;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.io.Json;
import org.lenet5spark.model.LeNet5;
import org.lenet5spark.model.ModelStore;
import org.lenet5spark.testing.CliRun;
import org.lenet5spark.testing.SmallData;
import org.lenet5spark.testing.SparkTestContext;

/**
 * Evaluation on Spark's executors equals evaluation on the driver: a model trained for one epoch
 * on 3,000 real MNIST images, evaluated on the whole real MNIST test split (10,000 images in 5
 * Parquet shards) both ways gives the same confusion matrix and accuracy, and the same loss up to
 * the order of a floating-point sum; through the API that {@code train} can call, and through
 * {@code evaluate --distributed-eval} against plain {@code evaluate}, and when the split reaches
 * the threshold of automatic distribution (lowered for the test). Distributed evaluation of
 * IDX files is refused with one line (exit 3).
 */
class DistributedEvaluatorTest {
  @TempDir
  static Path tmp;
  static Path idx;
  static Path data;
  static Path model;

  @BeforeAll
  static void trainOnce() throws IOException {
    idx = SmallData.realSubset(tmp.resolve("idx"), 3000, 10_000);
    data = SmallData.prepare(idx, tmp.resolve("shards"), "parquet", 5);
    Path run = tmp.resolve("run");
    CliRun r = CliRun.of("train", "--engine", "local", "--data", data.toString(), "--output",
        run.toString(), "--epochs", "1", "--batch-size", "32", "--seed", "7");
    assertEquals(0, r.code(), r.err());
    model = run.resolve("model.zip");
  }

  @Test
  void theApiForTrainGivesTheDriversConfusionMatrix() throws IOException {
    Configuration conf = HadoopFs.newConfiguration();
    ModelStore.Loaded loaded = ModelStore.load(new org.apache.hadoop.fs.Path(model.toUri()),
        conf, false);
    ShardCatalog test = ShardCatalog.open(new org.apache.hadoop.fs.Path(data.toUri()), "test",
        conf);
    EvalResult driver = Evaluator.evaluate(loaded.network(), ExampleBlock.read(test, conf),
        1000);
    JavaSparkContext sc = SparkTestContext.local2("distributed-eval");
    EvalResult executors;
    try {
      executors = DistributedEvaluator.evaluate(sc, loaded.network(), test, 1000);
    } finally {
      sc.stop();
    }
    assertEquals(10_000, driver.count());
    assertTrue(driver.accuracy() > 0.8, "a trained model: " + driver.accuracy());
    assertSame(driver, executors);
  }

  @Test
  void evaluateDistributedEvalPrintsWhatPlainEvaluatePrints() throws IOException {
    CliRun local = CliRun.of("evaluate", "--model", model.toString(), "--data", data.toString(),
        "--json");
    assertEquals(0, local.code(), local.err());
    CliRun spark = CliRun.of("evaluate", "--model", model.toString(), "--data", data.toString(),
        "--json", "--distributed-eval", "--master", "local[2]");
    assertEquals(0, spark.code(), spark.err());
    JsonNode a = Json.mapper().readTree(local.out());
    JsonNode b = Json.mapper().readTree(spark.out());
    assertFalse(a.get("distributed").asBoolean());
    assertTrue(b.get("distributed").asBoolean());
    assertEquals(a.get("confusion"), b.get("confusion"));
    assertEquals(a.get("accuracy").asDouble(), b.get("accuracy").asDouble());
    assertEquals(a.get("count").asLong(), b.get("count").asLong());
    assertEquals(a.get("loss").asDouble(), b.get("loss").asDouble(),
        1e-9 * a.get("loss").asDouble());
  }

  @Test
  void fromTheThresholdOnEvaluateRunsOnSparkByItself() throws IOException {
    EvaluateRequest request = new EvaluateRequest(HadoopFs.resolve(model.toString()),
        HadoopFs.resolve(data.toString()), "test", null, null, LeNet5.Kernels.parse("auto"));
    EvaluationRun.Outcome below = EvaluationRun.run(request, 10_001);
    EvaluationRun.Outcome above = EvaluationRun.run(request, 10_000);
    assertFalse(below.distributed());
    assertTrue(above.distributed());
    assertSame(below.result(), above.result());
  }

  @Test
  void distributedEvaluationOfIdxFilesIsRefusedInOneLine() {
    CliRun r = CliRun.of("evaluate", "--model", model.toString(), "--data", idx.toString(),
        "--distributed-eval", "--master", "local[2]");
    assertEquals(3, r.code(), r.err());
    assertTrue(r.errorLines().startsWith("error: distributed evaluation needs the output of "
        + "'prepare' as --data, not IDX files: "), r.err());
    assertEquals(1, r.errorLines().lines().filter(l -> l.startsWith("error:")).count(),
        r.err());
  }

  @Test
  void kernelsDoNotChangeTheDistributedResult() throws IOException {
    Configuration conf = HadoopFs.newConfiguration();
    byte[] bytes = HadoopFs.readAll(new org.apache.hadoop.fs.Path(model.toUri()), conf,
        ModelStore.MAX_MODEL_BYTES);
    ShardCatalog test = ShardCatalog.open(new org.apache.hadoop.fs.Path(data.toUri()), "test",
        conf);
    ModelStore.Loaded stock = ModelStore.fromBytes(bytes, "m", false,
        LeNet5.Kernels.parse("stock"));
    EvalResult driver = Evaluator.evaluate(stock.network(), ExampleBlock.read(test, conf), 1000);
    JavaSparkContext sc = SparkTestContext.local2("distributed-eval-stock");
    try {
      assertSame(driver, DistributedEvaluator.evaluate(sc, bytes, LeNet5.Kernels.parse("stock"),
          test, 1000));
    } finally {
      sc.stop();
    }
  }

  @Test
  void trainWithDistributedEvalRecordsWhatTheDriverMeasuresOfEachCheckpoint() throws IOException {
    Path run = tmp.resolve("run-distributed-eval");
    CliRun r = CliRun.of("train", "--engine", "spark", "--master", "local[2]", "--data",
        data.toString(), "--output", run.toString(), "--epochs", "2", "--seed", "7",
        "--keep-checkpoints", "2", "--keep", "last", "--distributed-eval");
    assertEquals(0, r.code(), r.err());
    JsonNode config = Json.mapper().readTree(run.resolve("run.json").toFile()).get("config");
    assertTrue(config.get("distributed_eval").asBoolean(), config.toString());
    java.util.List<String> metrics = java.nio.file.Files.readAllLines(
        run.resolve("metrics.jsonl"));
    java.util.List<String> confusions = java.nio.file.Files.readAllLines(
        run.resolve("confusion.jsonl"));
    assertEquals(2, metrics.size());
    for (int epoch = 1; epoch <= 2; epoch++) {
      JsonNode recorded = Json.mapper().readTree(metrics.get(epoch - 1));
      JsonNode confusion = Json.mapper().readTree(confusions.get(epoch - 1));
      Path checkpoint = run.resolve(String.format("checkpoints/epoch-%04d/model.zip", epoch));
      // the same checkpoint evaluated on the driver, by the evaluate command
      CliRun driver = CliRun.of("evaluate", "--model", checkpoint.toString(), "--data",
          data.toString(), "--json");
      assertEquals(0, driver.code(), driver.err());
      JsonNode d = Json.mapper().readTree(driver.out());
      assertFalse(d.get("distributed").asBoolean());
      assertEquals(d.get("confusion"), confusion.get("confusion"), "epoch " + epoch);
      assertEquals(d.get("accuracy").asDouble(), recorded.get("test_accuracy").asDouble());
      assertEquals(d.get("loss").asDouble(), recorded.get("test_loss").asDouble(),
          1e-9 * d.get("loss").asDouble());
    }
  }

  @Test
  void distributedEvalNeedsTheSparkEngine() {
    CliRun r = CliRun.of("train", "--engine", "local", "--data", data.toString(), "--output",
        tmp.resolve("run-local-distributed").toString(), "--epochs", "1", "--distributed-eval");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.errorLines().contains("--distributed-eval needs --engine spark"), r.err());
  }

  private static void assertSame(EvalResult driver, EvalResult executors) {
    assertEquals(driver.count(), executors.count());
    assertArrayEquals(driver.confusion(), executors.confusion());
    assertEquals(driver.accuracy(), executors.accuracy());
    assertEquals(driver.loss(), executors.loss(), 1e-9 * driver.loss());
  }
}
