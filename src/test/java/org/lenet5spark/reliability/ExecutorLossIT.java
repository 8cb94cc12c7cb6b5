package org.lenet5spark.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.io.Json;
import org.lenet5spark.testing.LocalClusterJob;
import org.lenet5spark.testing.SmallData;
import org.lenet5spark.testing.SparkHome;

/**
 * Executor loss for real: training on Spark {@code local-cluster[2,1,1024]} (two executor JVMs),
 * one executor process is killed (SIGKILL) in the middle of the second epoch. Spark replaces it
 * and retries the lost tasks; the run completes, and its final accuracy on the full 10,000-image
 * test set is within 0.5 percentage points of an undisturbed run with the same seed (recomputed
 * partitions can reach a worker in another order, so the two runs need not be identical). The
 * full 60,000 training images are used: on a 10,000-image subset the model is still on the steep
 * part of its learning curve after 3 epochs (about 96.6 %), where a disturbed and an undisturbed
 * run once differed by 0.62 points in CI.
 */
class ExecutorLossIT {
  private static final int EPOCHS = 2;
  @TempDir
  static Path tmp;
  static Path data;
  static Path home;

  @BeforeAll
  static void setUp() throws IOException {
    data = SmallData.prepare(SmallData.realSubset(tmp.resolve("idx"), 60_000, 10_000),
        tmp.resolve("shards"), "binary", 4);
    home = SparkHome.create(Path.of("target", "spark-home-embedded"),
        List.of(Path.of("target", "classpath.txt")),
        List.of(Path.of("target", "lenet5-spark.jar")));
  }

  private static Process train(Path run, File log) throws IOException {
    return LocalClusterJob.start(LocalClusterJob.embeddedCli(List.of(), List.of("train",
        "--master", "local-cluster[2,1,1024]", "--data", data.toUri().toString(), "--output",
        run.toUri().toString(), "--epochs", String.valueOf(EPOCHS), "--workers", "2",
        "--batch-size", "32",
        "--seed", "21", "--repartition", "when-needed")), home, log);
  }

  private static double finalAccuracy(Path run) throws IOException {
    List<String> lines = Files.readAllLines(run.resolve("metrics.jsonl"));
    assertEquals(EPOCHS, lines.size(), "each epoch once: " + lines);
    JsonNode last = Json.mapper().readTree(lines.get(EPOCHS - 1));
    return last.get("test_accuracy").asDouble();
  }

  private static List<ProcessHandle> executorsOf(Process driver) {
    return driver.descendants()
        .filter(p -> p.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"))
        .toList();
  }

  @Test
  void runSurvivesTheLossOfAnExecutor() throws Exception {
    Path calm = tmp.resolve("undisturbed");
    Process p1 = train(calm, tmp.resolve("undisturbed.log").toFile());
    assertTrue(p1.waitFor(10, TimeUnit.MINUTES));
    assertEquals(0, p1.exitValue(), Files.readString(tmp.resolve("undisturbed.log")));
    double reference = finalAccuracy(calm);

    Path hit = tmp.resolve("disturbed");
    File log = tmp.resolve("disturbed.log").toFile();
    Process p2 = train(hit, log);
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(6);
    while (!Files.exists(hit.resolve("checkpoints/epoch-0001/state.json")) && p2.isAlive()
        && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    Thread.sleep(1500);
    List<ProcessHandle> executors = executorsOf(p2);
    assertEquals(2, executors.size(), "two executor JVMs: " + Files.readString(log.toPath()));
    Optional<ProcessHandle> victim = executors.stream().findFirst();
    assertTrue(victim.get().destroyForcibly(), "SIGKILL an executor");
    assertTrue(p2.waitFor(10, TimeUnit.MINUTES));
    String out = Files.readString(log.toPath());
    assertEquals(0, p2.exitValue(), out);
    assertTrue(out.contains("Lost executor") || out.contains("lost executor")
        || out.contains("ExecutorLostFailure") || out.contains("Executor app-"),
        "Spark noticed the loss");
    assertTrue(Files.exists(hit.resolve("_SUCCESS")));
    assertFalse(victim.get().isAlive());
    double disturbed = finalAccuracy(hit);
    assertTrue(Math.abs(disturbed - reference) <= 0.005,
        "disturbed " + disturbed + " vs undisturbed " + reference);
  }
}
