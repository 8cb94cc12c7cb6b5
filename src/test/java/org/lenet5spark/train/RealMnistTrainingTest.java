package org.lenet5spark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.cli.ExitCodes;
import org.lenet5spark.io.Json;
import org.lenet5spark.testing.CliRun;
import org.lenet5spark.testing.RealMnist;

/**
 * The whole job on real MNIST through the CLI, as a user runs it: prepare all 60,000 + 10,000
 * images, train one epoch with Spark {@code local[2]} and 2 parameter-averaging workers, evaluate.
 * The model must reach at least 95% on the full 10,000-image test set.
 */
class RealMnistTrainingTest {
  @TempDir
  Path tmp;

  @Test
  void oneEpochOnRealMnistReachesNinetyFivePercent() throws IOException {
    Path raw = RealMnist.dir();
    Path data = tmp.resolve("shards");
    Path run = tmp.resolve("run");
    CliRun prep = CliRun.of("prepare", "--input", raw.toString(), "--output", data.toString(),
        "--format", "binary", "--shards", "4", "--master", "local[2]");
    assertEquals(ExitCodes.OK, prep.code(), prep.err());

    CliRun train = CliRun.of("train", "--data", data.toString(), "--output", run.toString(),
        "--epochs", "1", "--workers", "2", "--batch-size", "32", "--averaging-frequency", "5",
        "--seed", "42", "--master", "local[2]");
    assertEquals(ExitCodes.OK, train.code(), train.err());

    for (String f : List.of("metrics.jsonl", "metrics.csv", "confusion.jsonl", "model.zip",
        "run.json", "_SUCCESS")) {
      assertTrue(Files.exists(run.resolve(f)), f + " missing");
    }
    assertTrue(Files.notExists(run.resolve("_scratch")), "scratch space removed");
    List<String> lines = Files.readAllLines(run.resolve("metrics.jsonl"));
    assertEquals(1, lines.size());
    JsonNode epoch = Json.mapper().readTree(lines.get(0));
    double accuracy = epoch.get("test_accuracy").asDouble();
    assertTrue(accuracy >= 0.95, "test accuracy " + accuracy);
    // DL4J's parameter averaging gives each worker exactly averaging-frequency minibatches per
    // round and skips the remainder of a round's split: a few percent, different every epoch.
    long trained = epoch.get("train_examples").asLong();
    // of the 55,000 images left by the default validation split (5,000 held out)
    assertTrue(trained > 0.9 * 55_000 && trained <= 55_000, "trained " + trained);
    assertTrue(epoch.get("train_loss").asDouble() > 0);
    assertTrue(epoch.get("test_loss").asDouble() > 0);
    assertEquals(2, Files.readAllLines(run.resolve("metrics.csv")).size());
    JsonNode runJson = Json.mapper().readTree(run.resolve("run.json").toFile());
    assertEquals("complete", runJson.get("status").asText());
    assertEquals(2, runJson.get("config").get("workers").asInt());
    assertEquals("3.5.7", runJson.get("versions").get("spark").asText());
    assertEquals(5000, runJson.get("validation").get("count").asInt());
    assertTrue(epoch.get("validation_accuracy").asDouble() >= 0.95, epoch.toString());

    CliRun eval = CliRun.of("evaluate", "--model", run.resolve("model.zip").toString(),
        "--data", data.toString(), "--json");
    assertEquals(ExitCodes.OK, eval.code(), eval.err());
    JsonNode ev = Json.mapper().readTree(eval.out());
    assertEquals(10_000, ev.get("count").asLong());
    assertEquals(accuracy, ev.get("accuracy").asDouble(), 1e-9);
    long diagonal = 0;
    for (int c = 0; c < 10; c++) {
      diagonal += ev.get("confusion").get(c).get(c).asLong();
    }
    assertEquals(Math.round(accuracy * 10_000), diagonal);

    CliRun again = CliRun.of("train", "--data", data.toString(), "--output", run.toString(),
        "--epochs", "1", "--master", "local[2]");
    assertEquals(ExitCodes.BAD_INPUT, again.code(), "an existing run is not overwritten");
    assertTrue(Files.exists(run.resolve("_SUCCESS")));
  }
}
