package org.lenet5spark.train;

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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.cli.ExitCodes;
import org.lenet5spark.io.Json;
import org.lenet5spark.testing.CliRun;
import org.lenet5spark.testing.ChildJvm;
import org.lenet5spark.testing.SmallData;

/**
 * Checkpoints and resume for real: a training process is killed (SIGKILL) after its first
 * completed epoch, {@code train --resume} finishes the run, and the metrics history holds each
 * epoch exactly once. Also the scheduler rules: a complete run is a no-op with {@code --resume}
 * and refused without it; resuming with other settings or other data is refused.
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
}
