package org.lenet5spark.reliability;

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
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.cli.ExitCodes;
import org.lenet5spark.io.Json;
import org.lenet5spark.io.Publisher;
import org.lenet5spark.testing.ChildJvm;
import org.lenet5spark.testing.CliRun;
import org.lenet5spark.testing.SmallData;
import org.lenet5spark.testing.TreeHash;

/**
 * Publishing that survives a crash: a process killed between the two renames that replace an
 * output (the old one moved aside, the new one not yet in) leaves a state that the next run of
 * the same command completes (prepare, report, train --overwrite); and {@code train --overwrite}
 * keeps the old run, byte-identical, until the new one is complete, also when the new run is
 * killed (SIGKILL) half-way.
 */
class PublishRecoveryTest {
  @TempDir
  static Path tmp;
  static Path idx;
  static Path data;

  @BeforeAll
  static void data() throws IOException {
    idx = SmallData.realSubset(tmp.resolve("idx"), 2000, 300);
    data = SmallData.prepare(idx, tmp.resolve("shards"), "binary", 2);
  }

  static List<String> siblings(Path output) throws IOException {
    return TreeHash.namesStartingWith(output.getParent(), "." + output.getFileName() + ".")
        .stream().filter(n -> !n.endsWith(".lock")).toList();
  }

  /** Runs the CLI in a child JVM that halts between the two renames of its publish. */
  static void crashBetweenTheRenames(String name, String... args) throws Exception {
    File log = tmp.resolve(name + ".log").toFile();
    Process p = ChildJvm.start(log, List.of(args),
        Map.of(Publisher.FAULT_ENV, Publisher.HALT_AFTER_ASIDE));
    assertTrue(p.waitFor(5, TimeUnit.MINUTES));
    assertEquals(Publisher.FAULT_STATUS, p.exitValue(), Files.readString(log.toPath()));
  }

  static void assertInterrupted(Path output) throws IOException {
    assertFalse(Files.exists(output), "the crash left no output in place");
    List<String> left = siblings(output);
    assertEquals(2, left.size(), left.toString());
    assertTrue(left.stream().anyMatch(n -> n.contains(".replaced-")), left.toString());
    assertTrue(left.stream().anyMatch(n -> n.contains(".staged-")), left.toString());
  }

  @Test
  void prepareInterruptedBetweenTheTwoRenamesIsCompletedByTheNextRun() throws Exception {
    Path out = SmallData.prepare(idx, tmp.resolve("prepared"), "binary", 2);
    crashBetweenTheRenames("prepare", "prepare", "--input", idx.toString(), "--output",
        out.toString(), "--format", "parquet", "--shards", "3", "--overwrite", "--master",
        "local[1]");
    assertInterrupted(out);
    CliRun next = CliRun.of("prepare", "--input", idx.toString(), "--output", out.toString(),
        "--format", "binary", "--master", "local[1]");
    assertEquals(ExitCodes.BAD_INPUT, next.code(), next.err());
    assertTrue(next.err().contains("already holds prepared data"), next.err());
    assertEquals(List.of(), siblings(out));
    assertTrue(Files.exists(out.resolve("_SUCCESS")));
    JsonNode manifest = Json.mapper().readTree(manifestOf(out.resolve("train")).toFile());
    assertEquals("parquet", manifest.path("format").asText(), "the new output was published");
    SparkSession spark = SparkSession.builder().master("local[1]").appName("plain-reader")
        .getOrCreate();
    try {
      // the shards by name: Spark would read the folder's manifest as Parquet too
      assertEquals(2000, spark.read().parquet(out.resolve("train") + "/part-*").count());
      assertEquals(300, spark.read().parquet(out.resolve("test") + "/part-*").count());
    } finally {
      spark.stop();
    }
  }

  @Test
  void reportInterruptedBetweenTheTwoRenamesIsCompletedByTheNextRun() throws Exception {
    Path run = train("report-run", "local", 1);
    Path report = run.resolve("report");
    CliRun first = CliRun.of("report", "--run", run.toString(), "--worst", "4");
    assertEquals(ExitCodes.OK, first.code(), first.err());
    crashBetweenTheRenames("report", "report", "--run", run.toString(), "--worst", "6",
        "--overwrite");
    assertInterrupted(report);
    CliRun next = CliRun.of("report", "--run", run.toString());
    assertEquals(ExitCodes.BAD_INPUT, next.code(), next.err());
    assertTrue(next.err().contains("a complete report exists"), next.err());
    assertEquals(List.of(), siblings(report));
    assertTrue(Files.exists(report.resolve("_SUCCESS")));
    assertTrue(Files.readString(report.resolve("index.html")).contains("<html"));
  }

  @Test
  void trainOverwriteKeepsTheOldRunUntilTheNewOneIsComplete() throws Exception {
    Path run = train("kept-run", "local", 1);
    String old = TreeHash.of(run);
    File log = tmp.resolve("overwrite.log").toFile();
    Process p = ChildJvm.start(log, List.of("train", "--engine", "local", "--data",
        data.toString(), "--output", run.toString(), "--overwrite", "--epochs", "20"));
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    Path staged = null;
    while (staged == null && p.isAlive() && System.nanoTime() < deadline) {
      for (String n : siblings(run)) {
        Path c = run.resolveSibling(n).resolve("checkpoints");
        if (n.contains(".staged-") && Files.exists(c) && Files.list(c).findAny().isPresent()) {
          staged = run.resolveSibling(n);
        }
      }
      Thread.sleep(50);
    }
    assertTrue(staged != null && p.isAlive(), Files.readString(log.toPath()));
    assertEquals(old, TreeHash.of(run), "the old run is untouched while the new one trains");
    p.destroyForcibly();
    p.waitFor(1, TimeUnit.MINUTES);
    assertEquals(old, TreeHash.of(run), "and after the new run was killed");

    CliRun resumed = CliRun.of("train", "--engine", "local", "--data", data.toString(),
        "--output", run.toString(), "--resume", "--epochs", "1");
    assertEquals(ExitCodes.OK, resumed.code(), resumed.err());
    assertTrue(resumed.out().contains("already complete"), resumed.out());
    assertEquals(List.of(), siblings(run), "the killed run's unfinished folder is removed");
    assertEquals(old, TreeHash.of(run));

    CliRun replaced = CliRun.of("train", "--data", data.toString(), "--output", run.toString(),
        "--overwrite", "--epochs", "2", "--master", "local[2]");
    assertEquals(ExitCodes.OK, replaced.code(), replaced.err());
    assertEquals(2, Files.readAllLines(run.resolve("metrics.jsonl")).size());
    assertEquals(List.of(), siblings(run));
    MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(
        run.resolve("model.zip").toFile(), false);
    assertTrue(net.numParams() > 60_000);
  }

  @Test
  void trainOverwriteInterruptedBetweenTheTwoRenamesIsCompletedByTheNextRun()
      throws Exception {
    Path run = train("swapped-run", "local", 1);
    crashBetweenTheRenames("train", "train", "--engine", "local", "--data", data.toString(),
        "--output", run.toString(), "--overwrite", "--epochs", "2");
    assertInterrupted(run);
    CliRun next = CliRun.of("train", "--engine", "local", "--data", data.toString(),
        "--output", run.toString(), "--resume", "--epochs", "2");
    assertEquals(ExitCodes.OK, next.code(), next.err());
    assertTrue(next.out().contains("already complete (2 epochs)"), next.out());
    assertEquals(List.of(), siblings(run));
    assertEquals(2, Files.readAllLines(run.resolve("metrics.jsonl")).size());
  }

  static Path train(String name, String engine, int epochs) {
    Path run = tmp.resolve(name);
    List<String> args = new ArrayList<>(List.of("train", "--engine", engine, "--data",
        data.toString(), "--output", run.toString(), "--epochs", String.valueOf(epochs)));
    CliRun r = CliRun.of(args.toArray(String[]::new));
    assertEquals(ExitCodes.OK, r.code(), r.err());
    return run;
  }

  static Path manifestOf(Path split) {
    Path renamed = split.resolve("_manifest.json");
    return Files.exists(renamed) ? renamed : split.resolve("manifest.json");
  }
}
