package org.lenet5spark.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.cli.ExitCodes;
import org.lenet5spark.io.Json;
import org.lenet5spark.testing.ChildJvm;
import org.lenet5spark.testing.CliRun;
import org.lenet5spark.testing.FolderSnapshot;
import org.lenet5spark.testing.SmallData;

/**
 * Checkpoints and resume for real: a training process is killed (SIGKILL) after its first
 * completed epoch, {@code train --resume} finishes the run, and the metrics history holds each
 * epoch exactly once. Also the scheduler rules: a complete run is a no-op with {@code --resume}
 * and as many or fewer {@code --epochs}, is extended with more (the extension ends where an
 * uninterrupted run would, bit for bit on the local engine), and is refused without it;
 * resuming with other settings or other data is refused and changes nothing, complete or not.
 */
class ResumeTest {
  @TempDir
  static Path tmp;
  static Path data;

  @BeforeAll
  static void data() throws IOException {
    data = SmallData.prepare(SmallData.realSubset(tmp.resolve("idx"), 6000, 1000),
        tmp.resolve("shards"), "binary", 2);
  }

  private static List<String> trainArgs(Path out, String... extra) {
    List<String> args = new ArrayList<>(List.of("train", "--data", data.toString(), "--output",
        out.toString(), "--epochs", "3", "--workers", "2", "--batch-size", "32", "--seed", "7",
        "--master", "local[2]", "--keep-checkpoints", "2"));
    args.addAll(List.of(extra));
    return args;
  }

  @Test
  void killedRunResumesWithContinuousHistory() throws Exception {
    Path out = tmp.resolve("killed");
    File log = tmp.resolve("killed.log").toFile();
    Process p = ChildJvm.start(log, trainArgs(out));
    Path firstCheckpoint = out.resolve("checkpoints/epoch-0001/state.json");
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (!Files.exists(firstCheckpoint) && p.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertTrue(Files.exists(firstCheckpoint), "no checkpoint; log:\n" + Files.readString(
        log.toPath()));
    assertTrue(p.isAlive(), "the run ended before it could be killed");
    p.destroyForcibly().waitFor(1, TimeUnit.MINUTES);
    assertFalse(Files.exists(out.resolve("_SUCCESS")));

    CliRun refused = CliRun.of(trainArgs(out).toArray(String[]::new));
    assertEquals(ExitCodes.BAD_INPUT, refused.code(), "an unfinished run needs --resume");
    assertTrue(refused.err().contains("--resume"), refused.err());

    CliRun resumed = CliRun.of(trainArgs(out, "--resume").toArray(String[]::new));
    assertEquals(ExitCodes.OK, resumed.code(), resumed.err());
    assertTrue(resumed.out().contains("resuming after epoch"), resumed.out());
    List<String> lines = Files.readAllLines(out.resolve("metrics.jsonl"));
    assertEquals(3, lines.size(), String.join("\n", lines));
    for (int i = 0; i < 3; i++) {
      assertEquals(i + 1, Json.mapper().readTree(lines.get(i)).get("epoch").asInt());
    }
    assertEquals(4, Files.readAllLines(out.resolve("metrics.csv")).size());
    assertEquals(3, Files.readAllLines(out.resolve("confusion.jsonl")).size());
    assertTrue(Files.exists(out.resolve("_SUCCESS")));
    assertTrue(Files.exists(out.resolve("model.zip")));
    JsonNode run = Json.mapper().readTree(out.resolve("run.json").toFile());
    assertEquals("complete", run.get("status").asText());
    assertEquals(1, run.get("resumes").size());
    try (var s = Files.list(out.resolve("checkpoints"))) {
      assertEquals(List.of("epoch-0002", "epoch-0003"), s.map(f -> f.getFileName().toString())
          .sorted().toList(), "--keep-checkpoints 2 keeps the newest two");
    }
    double last = Json.mapper().readTree(lines.get(2)).get("test_accuracy").asDouble();
    assertTrue(last > 0.9, "a resumed run keeps learning: " + last);

    // scheduler rules on a complete run
    CliRun again = CliRun.of(trainArgs(out, "--resume").toArray(String[]::new));
    assertEquals(ExitCodes.OK, again.code(), again.err());
    assertTrue(again.out().contains("already complete"), again.out());
    assertEquals(3, Files.readAllLines(out.resolve("metrics.jsonl")).size());
    assertEquals(ExitCodes.BAD_INPUT, CliRun.of(trainArgs(out).toArray(String[]::new)).code());
  }

  @Test
  void resumeWithOtherSettingsOrDataIsRefused() throws IOException {
    Path out = tmp.resolve("changed");
    CliRun first = CliRun.of("train", "--data", data.toString(), "--output", out.toString(),
        "--epochs", "1", "--engine", "local", "--seed", "3");
    assertEquals(ExitCodes.OK, first.code(), first.err());
    Files.delete(out.resolve("_SUCCESS"));

    CliRun lr = CliRun.of("train", "--data", data.toString(), "--output", out.toString(),
        "--epochs", "2", "--engine", "local", "--seed", "3", "--learning-rate", "0.01",
        "--resume");
    assertEquals(ExitCodes.BAD_INPUT, lr.code());
    assertTrue(lr.err().contains("learning_rate"), lr.err());

    Path other = SmallData.prepare(SmallData.realSubset(tmp.resolve("idx2"), 500, 200),
        tmp.resolve("shards2"), "binary", 1);
    CliRun otherData = CliRun.of("train", "--data", other.toString(), "--output",
        out.toString(), "--epochs", "2", "--engine", "local", "--seed", "3", "--resume");
    assertEquals(ExitCodes.BAD_INPUT, otherData.code());
    assertTrue(otherData.err().contains("data differs"), otherData.err());
    assertFalse(Files.exists(out.resolve("_SUCCESS")));
  }

  private static List<String> localArgs(Path d, Path out, int epochs, String... extra) {
    List<String> args = new ArrayList<>(List.of("train", "--data", d.toString(), "--output",
        out.toString(), "--epochs", String.valueOf(epochs), "--engine", "local", "--seed", "11",
        "--keep-checkpoints", "2"));
    args.addAll(List.of(extra));
    return args;
  }

  private static List<String> sparkArgs(Path out, int epochs, String... extra) {
    List<String> args = new ArrayList<>(List.of("train", "--data", data.toString(), "--output",
        out.toString(), "--epochs", String.valueOf(epochs), "--workers", "2", "--seed", "11",
        "--master", "local[2]"));
    args.addAll(List.of(extra));
    return args;
  }

  private static void assertEpochs(Path run, int n) throws IOException {
    List<String> lines = Files.readAllLines(run.resolve("metrics.jsonl"));
    assertEquals(n, lines.size(), String.join("\n", lines));
    for (int i = 0; i < n; i++) {
      assertEquals(i + 1, Json.mapper().readTree(lines.get(i)).get("epoch").asInt());
    }
    assertEquals(n + 1, Files.readAllLines(run.resolve("metrics.csv")).size());
    assertEquals(n, Files.readAllLines(run.resolve("confusion.jsonl")).size());
  }

  private static JsonNode lastEpoch(Path run) throws IOException {
    List<String> lines = Files.readAllLines(run.resolve("metrics.jsonl"));
    return Json.mapper().readTree(lines.get(lines.size() - 1));
  }

  @Test
  void completeRunIsExtendedToTheSameEndAsAnUninterruptedOneLocal() throws Exception {
    Path extended = tmp.resolve("extend-local");
    CliRun first = CliRun.of(localArgs(data, extended, 1).toArray(String[]::new));
    assertEquals(ExitCodes.OK, first.code(), first.err());
    byte[] oneEpochModel = Files.readAllBytes(extended.resolve("model.zip"));

    // killed while extending: the published model and _SUCCESS of epoch 1 are still there
    File log = tmp.resolve("extend-local.log").toFile();
    Process p = ChildJvm.start(log, localArgs(data, extended, 4, "--resume"));
    Path second = extended.resolve("checkpoints/epoch-0002/state.json");
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (!Files.exists(second) && p.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertTrue(Files.exists(second), Files.readString(log.toPath()));
    assertTrue(p.isAlive(), "the extension ended before it could be killed");
    p.destroyForcibly().waitFor(1, TimeUnit.MINUTES);
    assertArrayEquals(oneEpochModel, Files.readAllBytes(extended.resolve("model.zip")));
    assertTrue(Files.exists(extended.resolve("_SUCCESS")));
    JsonNode extending = Json.mapper().readTree(extended.resolve("run.json").toFile());
    assertEquals("extending", extending.get("status").asText());
    assertEquals(1, extending.get("extending_from_epoch").asInt());

    CliRun resumed = CliRun.of(localArgs(data, extended, 4, "--resume").toArray(String[]::new));
    assertEquals(ExitCodes.OK, resumed.code(), resumed.err());
    assertTrue(resumed.out().contains("resuming after epoch 2 of 4"), resumed.out());
    assertEpochs(extended, 4);
    JsonNode run = Json.mapper().readTree(extended.resolve("run.json").toFile());
    assertEquals("complete", run.get("status").asText());
    assertFalse(run.has("extending_from_epoch"));
    assertEquals(2, run.get("resumes").size());

    Path straight = tmp.resolve("straight-local");
    CliRun whole = CliRun.of(localArgs(data, straight, 4).toArray(String[]::new));
    assertEquals(ExitCodes.OK, whole.code(), whole.err());
    assertEquals(lastEpoch(straight).get("test_loss").asDouble(),
        lastEpoch(extended).get("test_loss").asDouble());
    assertEquals(lastEpoch(straight).get("train_loss").asDouble(),
        lastEpoch(extended).get("train_loss").asDouble());
    assertEquals(lastEpoch(straight).get("learning_rate").asDouble(),
        lastEpoch(extended).get("learning_rate").asDouble());
    // read with DL4J alone: the same final parameters and updater state
    MultiLayerNetwork a = ModelSerializer.restoreMultiLayerNetwork(
        extended.resolve("model.zip").toFile(), true);
    MultiLayerNetwork b = ModelSerializer.restoreMultiLayerNetwork(
        straight.resolve("model.zip").toFile(), true);
    assertArrayEquals(b.params().toFloatVector(), a.params().toFloatVector());
    assertArrayEquals(b.getUpdater().getStateViewArray().toFloatVector(),
        a.getUpdater().getStateViewArray().toFloatVector());
  }

  @Test
  void completeRunIsExtendedOnSpark() throws IOException {
    Path extended = tmp.resolve("extend-spark");
    CliRun first = CliRun.of(sparkArgs(extended, 1).toArray(String[]::new));
    assertEquals(ExitCodes.OK, first.code(), first.err());
    CliRun more = CliRun.of(sparkArgs(extended, 3, "--resume").toArray(String[]::new));
    assertEquals(ExitCodes.OK, more.code(), more.err());
    assertTrue(more.out().contains("resuming after epoch 1 of 3"), more.out());
    assertEpochs(extended, 3);
    assertEquals("complete", Json.mapper().readTree(extended.resolve("run.json").toFile())
        .get("status").asText());

    Path straight = tmp.resolve("straight-spark");
    CliRun whole = CliRun.of(sparkArgs(straight, 3).toArray(String[]::new));
    assertEquals(ExitCodes.OK, whole.code(), whole.err());
    // DL4J's split seeds continue (TrainingMasters.continuedSeed): the same splits as the
    // uninterrupted run; only the order in which Spark sums the workers' parameters may differ
    assertEquals(lastEpoch(straight).get("test_accuracy").asDouble(),
        lastEpoch(extended).get("test_accuracy").asDouble(), 0.002);
    assertEquals(lastEpoch(straight).get("test_loss").asDouble(),
        lastEpoch(extended).get("test_loss").asDouble(), 1e-4);
    assertEquals(lastEpoch(straight).get("train_examples").asLong(),
        lastEpoch(extended).get("train_examples").asLong());
    assertEquals(lastEpoch(straight).get("learning_rate").asDouble(),
        lastEpoch(extended).get("learning_rate").asDouble());
    // read with DL4J alone
    float[] a = ModelSerializer.restoreMultiLayerNetwork(extended.resolve("model.zip").toFile(),
        false).params().toFloatVector();
    float[] b = ModelSerializer.restoreMultiLayerNetwork(straight.resolve("model.zip").toFile(),
        false).params().toFloatVector();
    assertEquals(b.length, a.length);
    double maxDiff = 0;
    for (int i = 0; i < a.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    }
    // 0.0 in local[2]; a cluster may sum the workers' parameters in another order
    assertTrue(maxDiff < 1e-3, "largest parameter difference " + maxDiff);
  }

  @Test
  void resumeOfACompleteRunWithOtherDataOrSettingsChangesNothing() throws IOException {
    Path out = tmp.resolve("complete");
    CliRun first = CliRun.of(localArgs(data, out, 1).toArray(String[]::new));
    assertEquals(ExitCodes.OK, first.code(), first.err());
    Map<String, String> before = FolderSnapshot.of(out);
    Path other = SmallData.prepare(SmallData.realSubset(tmp.resolve("idx3"), 500, 200),
        tmp.resolve("shards3"), "binary", 1);
    for (String epochs : List.of("1", "3")) {
      CliRun lr = CliRun.of(localArgs(data, out, Integer.parseInt(epochs), "--resume",
          "--learning-rate", "0.01").toArray(String[]::new));
      assertEquals(ExitCodes.BAD_INPUT, lr.code(), lr.out() + lr.err());
      assertTrue(lr.errorLines().contains("learning_rate"), lr.err());
      assertEquals(before, FolderSnapshot.of(out));

      CliRun otherData = CliRun.of(localArgs(other, out, Integer.parseInt(epochs), "--resume")
          .toArray(String[]::new));
      assertEquals(ExitCodes.BAD_INPUT, otherData.code(), otherData.out() + otherData.err());
      assertTrue(otherData.errorLines().contains("data differs"), otherData.err());
      assertEquals(before, FolderSnapshot.of(out));
    }
    CliRun same = CliRun.of(localArgs(data, out, 1, "--resume").toArray(String[]::new));
    assertEquals(ExitCodes.OK, same.code(), same.err());
    assertTrue(same.out().contains("already complete (1 epochs)"), same.out());
    assertEquals(before, FolderSnapshot.of(out));
  }

  @Test
  void successMarkerAloneIsNotACompleteRun() throws IOException {
    Path out = tmp.resolve("marker-only");
    Files.createDirectories(out);
    Files.createFile(out.resolve("_SUCCESS"));
    Map<String, String> before = FolderSnapshot.of(out);
    CliRun r = CliRun.of(localArgs(data, out, 1, "--resume").toArray(String[]::new));
    assertEquals(ExitCodes.BAD_INPUT, r.code(), r.out() + r.err());
    // the ownership check refuses it first: a folder without a readable run.json is not a run
    assertTrue(r.errorLines().startsWith("error: ") && r.errorLines().contains("marker-only")
        && r.errorLines().contains("no readable run.json"), r.err());
    assertEquals(before, FolderSnapshot.of(out));
  }
}
