package org.lenet5spark.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.lenet5spark.testing.RunFiles.metrics;
import static org.lenet5spark.testing.RunFiles.runJson;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.cli.ExitCodes;
import org.lenet5spark.io.Json;
import org.lenet5spark.testing.CliRun;
import org.lenet5spark.testing.SmallData;

/**
 * A growing averaging period through the CLI, Spark {@code local[2]}, on the first 2,000 images
 * of real MNIST: {@code --averaging-frequency 2,8} averages every 2 minibatches in epoch 1 and
 * every 8 in epoch 2. A run stopped after epoch 1 and resumed continues the schedule at epoch 2:
 * it ends with the same metrics and, read with DL4J alone, the same parameters as the
 * uninterrupted run, bit for bit, on the cached and on the streaming data path; {@code run.json}
 * records the schedule, the period of each epoch and the rounds each epoch took (epoch 2 takes
 * about a quarter of epoch 1's). A resume with another schedule is refused and names it.
 */
class AveragingScheduleResumeTest {
  private static final List<String> KEYS = List.of("train_loss", "test_loss", "test_accuracy",
      "train_examples", "validation_loss");

  @TempDir
  static Path tmp;
  static Path data;

  @BeforeAll
  static void data() throws IOException {
    data = SmallData.prepare(SmallData.realSubset(tmp.resolve("idx"), 2000, 300),
        tmp.resolve("shards"), "binary", 2);
  }

  private static CliRun train(Path out, int epochs, String schedule, String... extra) {
    List<String> args = new ArrayList<>(List.of("train", "--data", data.toString(), "--output",
        out.toString(), "--epochs", String.valueOf(epochs), "--workers", "2", "--batch-size",
        "32", "--averaging-frequency", schedule, "--seed", "5", "--master", "local[2]"));
    args.addAll(List.of(extra));
    return CliRun.of(args.toArray(String[]::new));
  }

  private static CliRun ok(CliRun r) {
    assertEquals(ExitCodes.OK, r.code(), r.err());
    return r;
  }

  private static void resumedRunEqualsUninterruptedOne(String dataPath) throws IOException {
    Path straight = tmp.resolve("straight-" + dataPath);
    ok(train(straight, 2, "2,8", "--data-path", dataPath));
    JsonNode run = runJson(straight);
    assertEquals("[2,8]", Json.compact(run.get("config").get("averaging_schedule")));
    assertEquals("[2,8]", Json.compact(run.get("config").get("averaging_periods")));
    assertEquals("2,8", run.get("config").get("averaging_frequency").asText());
    JsonNode rounds = run.get("scheduling").get("averaging_rounds");
    int first = rounds.get("1").asInt();
    int second = rounds.get("2").asInt();
    // 1,834 training examples (166 held out). Cached: 58 minibatches, which DL4J splits into 14
    // rounds of 2 x 2 and then 3 of 2 x 8 (it leaves out a split's remainder); streamed: 32
    // blocks of 64 examples, 2 per round and then 8 (16 and 4 rounds)
    assertEquals(dataPath.equals("stream") ? "[16,4]" : "[14,3]", "[" + first + "," + second
        + "]", rounds.toString());

    Path stopped = tmp.resolve("stopped-" + dataPath);
    ok(train(stopped, 1, "2,8", "--data-path", dataPath));
    CliRun other = train(stopped, 2, "2", "--data-path", dataPath, "--resume");
    assertEquals(ExitCodes.BAD_INPUT, other.code(), other.err());
    assertTrue(other.err().contains("averaging_frequency was 2,8, now 2"), other.err());
    CliRun resumed = ok(train(stopped, 2, "2,8", "--data-path", dataPath, "--resume"));
    assertTrue(resumed.out().contains("resuming after epoch 1 of 2"), resumed.out());
    assertEquals(second, runJson(stopped).get("scheduling").get("averaging_rounds").get("2")
        .asInt(), "the resumed epoch 2 averages every 8 minibatches, as the uninterrupted one");
    List<JsonNode> s = metrics(straight);
    List<JsonNode> r = metrics(stopped);
    assertEquals(2, r.size());
    for (int e = 0; e < 2; e++) {
      for (String k : KEYS) {
        assertEquals(s.get(e).get(k), r.get(e).get(k), dataPath + " epoch " + (e + 1) + " " + k);
      }
    }
    // read with DL4J alone: the same parameters, bit for bit (the last epoch's checkpoint)
    float[] a = ModelSerializer.restoreMultiLayerNetwork(
        straight.resolve("checkpoints/epoch-0002/model.zip").toFile(), false).params()
        .toFloatVector();
    float[] b = ModelSerializer.restoreMultiLayerNetwork(
        stopped.resolve("checkpoints/epoch-0002/model.zip").toFile(), false).params()
        .toFloatVector();
    assertArrayEquals(a, b);
  }

  @Test
  void cachedPathResumesTheScheduleExactly() throws IOException {
    resumedRunEqualsUninterruptedOne("cached");
  }

  @Test
  void streamingPathResumesTheScheduleExactly() throws IOException {
    resumedRunEqualsUninterruptedOne("stream");
  }
}
