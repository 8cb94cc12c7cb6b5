package org.lenet5spark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.io.Json;
import org.lenet5spark.testing.LocalClusterJob;
import org.lenet5spark.testing.SmallData;
import org.lenet5spark.testing.SparkHome;
import org.lenet5spark.testing.StandaloneCluster;

/**
 * Speculation cannot average a worker twice. On a real standalone cluster whose two one-core
 * executors are on different hosts (127.0.0.2 and 127.0.0.3: Spark never runs a task's copy on
 * the host of another attempt, so {@code local-cluster} cannot speculate), {@code train} runs
 * with {@code spark.speculation=true} twice: undisturbed, and with one executor frozen
 * (SIGSTOP) for a few seconds in the middle of the epoch, a deliberately slow task whose
 * averaging round Spark completes with a speculative copy on the other executor. The disturbed
 * run launched speculative training tasks ({@code run.json}); its fitted examples per epoch
 * ({@code train_examples}, which the workers count minibatch by minibatch) are the undisturbed
 * run's, not more; and its test loss and accuracy equal the undisturbed run's: with two
 * workers the average of the two results is exact whatever order they come in, so a duplicate
 * counted once more would change the parameters. Storage level none: every round reads its
 * minibatches from the shards, so the copy needs nothing from the frozen executor's memory.
 */
class SpeculationIT {
  private static final int TRAIN = 1200;
  @TempDir
  Path tmp;

  private Process train(StandaloneCluster cluster, Path data, Path home, String name)
      throws IOException {
    return LocalClusterJob.start(LocalClusterJob.embeddedCli(List.of(
        "-Dspark.speculation=true",
        "-Dspark.speculation.interval=100ms",
        "-Dspark.speculation.multiplier=1.5",
        "-Dspark.speculation.quantile=0.5",
        "-Dspark.speculation.minTaskRuntime=200ms",
        "-Dspark.executor.memory=1g"), List.of("train",
        "--master", cluster.masterUrl(), "--data", data.toUri().toString(),
        "--output", tmp.resolve(name).toUri().toString(), "--epochs", "1", "--workers", "2",
        "--batch-size", "32", "--averaging-frequency", "2", "--prefetch", "0",
        "--storage-level", "none", "--seed", "5", "--validation", "0")), home,
        tmp.resolve(name + ".log").toFile());
  }

  private String finish(Process p, String name) throws Exception {
    File log = tmp.resolve(name + ".log").toFile();
    if (!p.waitFor(6, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("training timed out; log: " + log);
    }
    String out = Files.readString(log.toPath());
    assertEquals(0, p.exitValue(), out);
    return out;
  }

  private JsonNode lastEpoch(String name) throws IOException {
    List<String> lines = Files.readAllLines(tmp.resolve(name).resolve("metrics.jsonl"));
    assertEquals(1, lines.size(), "the epoch once: " + lines);
    return Json.mapper().readTree(lines.get(0));
  }

  private static void signal(String sig, List<ProcessHandle> processes) throws Exception {
    for (ProcessHandle h : processes) {
      Process k = new ProcessBuilder("kill", "-" + sig, String.valueOf(h.pid())).start();
      assertEquals(0, k.waitFor(), "kill -" + sig + " " + h.pid());
    }
  }

  @Test
  void aSpeculativeCopyOfATrainingTaskIsAveragedOnce() throws Exception {
    Path data = SmallData.prepare(SmallData.realSubset(tmp.resolve("idx"), TRAIN, 500),
        tmp.resolve("shards"), "binary", 2);
    Path home = SparkHome.create(Path.of("target", "spark-home-embedded"),
        List.of(Path.of("target", "classpath.txt")),
        List.of(Path.of("target", "lenet5-spark.jar")));
    try (StandaloneCluster cluster = StandaloneCluster.start(home, tmp, 2)) {
      finish(train(cluster, data, home, "calm"), "calm");

      Process p = train(cluster, data, home, "slow");
      Path log = tmp.resolve("slow.log");
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
      while (p.isAlive() && System.nanoTime() < deadline
          && countOf(Files.readString(log), "Adding task set") < 5) {
        Thread.sleep(50);
      }
      List<ProcessHandle> frozen = new ArrayList<>(cluster.executorsOf(0));
      assertEquals(1, frozen.size(), "one executor on the first worker");
      signal("STOP", frozen);
      try {
        Thread.sleep(6000);
      } finally {
        signal("CONT", frozen);
      }
      String out = finish(p, "slow");
      assertTrue(out.contains("as speculatable"), "Spark marked a task speculatable");

      JsonNode run = Json.mapper().readTree(tmp.resolve("slow").resolve("run.json").toFile());
      int speculative = 0;
      for (JsonNode k : run.get("scheduling").get("stage_kinds")) {
        if (k.get("kind").asText().equals(SchedulingSummary.TRAINING)) {
          speculative += k.get("speculative_tasks").asInt();
        }
      }
      assertTrue(speculative >= 1, "a speculative copy of a training task ran: "
          + run.get("scheduling"));
      JsonNode slow = lastEpoch("slow");
      JsonNode calm = lastEpoch("calm");
      long fitted = calm.get("train_examples").asLong();
      assertTrue(fitted > TRAIN * 0.9 && fitted <= TRAIN, "undisturbed: " + fitted);
      assertEquals(fitted, slow.get("train_examples").asLong(), "each minibatch fitted once");
      assertEquals(calm.get("test_loss").asDouble(), slow.get("test_loss").asDouble(),
          "averaged once: the same parameters as the undisturbed run");
      assertEquals(calm.get("test_accuracy").asDouble(), slow.get("test_accuracy").asDouble());
      assertTrue(Files.exists(tmp.resolve("slow").resolve("_SUCCESS")));
    }
  }

  private static int countOf(String text, String part) {
    int n = 0;
    for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
      n++;
    }
    return n;
  }
}
