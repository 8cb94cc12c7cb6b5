package org.lenet5spark.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.cli.ExitCodes;
import org.lenet5spark.io.Json;
import org.lenet5spark.testing.CliRun;
import org.lenet5spark.testing.SmallData;

/**
 * What the Spark engine does before its first epoch (docs/performance.md, round 5), through the
 * CLI with Spark {@code local[2]} on the first 4,000 images of real MNIST (Parquet, 3 shards, two
 * workers): the cached training RDD is read before the first epoch and its time and size go to
 * {@code run.json} ({@code start_up}); {@code --warm-up N} fits N minibatches per worker on a
 * throwaway copy of the network and leaves the trained model alone: the parameters and updater
 * state of {@code model.zip} after the first epoch, read with plain DL4J, and the epoch's
 * metrics are the same to the last bit with and without it.
 */
class WarmUpTest {
  @TempDir
  static Path tmp;
  static Path data;

  @BeforeAll
  static void data() throws IOException {
    data = SmallData.prepare(SmallData.realSubset(tmp.resolve("idx"), 4000, 1000),
        tmp.resolve("shards"), "parquet", 3);
  }

  private static void train(Path out, String... extra) {
    List<String> args = new ArrayList<>(List.of("train", "--data", data.toString(), "--output",
        out.toString(), "--epochs", "1", "--workers", "2", "--batch-size", "32",
        "--averaging-frequency", "5", "--seed", "7", "--master", "local[2]"));
    args.addAll(List.of(extra));
    CliRun r = CliRun.of(args.toArray(String[]::new));
    assertEquals(ExitCodes.OK, r.code(), r.err());
  }

  private static JsonNode startUp(Path run) throws IOException {
    return Json.mapper().readTree(run.resolve("run.json").toFile()).get("start_up");
  }

  private static JsonNode epoch1(Path run) throws IOException {
    return Json.mapper().readTree(Files.readAllLines(run.resolve("metrics.jsonl")).get(0));
  }

  @Test
  void theWarmUpLeavesTheTrainedModelAsItIs() throws IOException {
    Path plain = tmp.resolve("plain");
    Path warmed = tmp.resolve("warmed");
    train(plain, "--warm-up", "0");
    train(warmed, "--warm-up", "20");

    JsonNode a = startUp(plain);
    JsonNode b = startUp(warmed);
    // both read the cached RDD before the first epoch: the training images left after the
    // validation split (3,000-4,000) in minibatches of 32, cut per shard
    long cached = a.get("cached_minibatches").asLong();
    assertTrue(cached >= 3000 / 32 && cached <= 4000 / 32 + 3, a.toString());
    assertEquals(cached, b.get("cached_minibatches").asLong());
    assertTrue(a.get("data_load_seconds").asDouble() > 0, a.toString());
    assertEquals(0, a.get("warm_up_minibatches").asLong(), a.toString());
    assertEquals(0.0, a.get("warm_up_seconds").asDouble(), a.toString());
    // 20 minibatches on each of the two workers' partitions
    assertEquals(40, b.get("warm_up_minibatches").asLong(), b.toString());
    assertTrue(b.get("warm_up_seconds").asDouble() > 0, b.toString());
    assertEquals(20, Json.mapper().readTree(warmed.resolve("run.json").toFile()).get("config")
        .get("warm_up").asInt());

    // the epoch trained the same examples to the same loss
    for (String key : List.of("train_loss", "test_loss", "test_accuracy", "train_examples")) {
      assertEquals(epoch1(plain).get(key).asText(), epoch1(warmed).get(key).asText(), key);
    }
    MultiLayerNetwork p = ModelSerializer.restoreMultiLayerNetwork(
        plain.resolve("model.zip").toFile(), true);
    MultiLayerNetwork w = ModelSerializer.restoreMultiLayerNetwork(
        warmed.resolve("model.zip").toFile(), true);
    float[] pp = p.params().toFloatVector();
    assertFalse(allZero(pp));
    assertArrayEquals(pp, w.params().toFloatVector(), "parameters after epoch 1");
    assertArrayEquals(p.getUpdater().getStateViewArray().toFloatVector(),
        w.getUpdater().getStateViewArray().toFloatVector(), "updater state after epoch 1");
  }

  private static boolean allZero(float[] v) {
    for (float f : v) {
      if (f != 0f) {
        return false;
      }
    }
    return true;
  }
}
