package org.lenet5spark.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.fs.ContentSummary;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.apache.hadoop.hdfs.protocol.HdfsConstants;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.cli.ExitCodes;
import org.lenet5spark.io.Json;
import org.lenet5spark.model.ModelStore;
import org.lenet5spark.testing.CliRun;
import org.lenet5spark.testing.MiniHdfs;
import org.lenet5spark.testing.SmallData;

/**
 * Storage faults injected for real on HDFS while a run trains: the run folder stops accepting new
 * files (a namespace quota), or runs out of space (a space quota). Each time the run stops with a
 * clear one-line error and exit code 1, the checkpoint and metrics already written stay intact and
 * readable, and there is no {@code _SUCCESS}.
 */
class StorageFaultsTest {
  @TempDir
  static Path tmp;
  private static MiniHdfs cluster;
  private static DistributedFileSystem hdfs;
  private static String root;
  private static String data;

  @BeforeAll
  static void start() throws IOException {
    cluster = MiniHdfs.start(tmp.resolve("hdfs"), 1 << 20);
    hdfs = cluster.fs();
    root = cluster.root();
    Path local = SmallData.prepare(SmallData.realSubset(tmp.resolve("idx"), 3000, 500),
        tmp.resolve("shards"), "binary", 2);
    hdfs.copyFromLocalFile(new org.apache.hadoop.fs.Path(local.toUri()),
        new org.apache.hadoop.fs.Path(root + "/data"));
    data = root + "/data";
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static org.apache.hadoop.fs.Path p(String s) {
    return new org.apache.hadoop.fs.Path(root + s);
  }

  /**
   * Starts a 4-epoch run, waits until its first epoch is complete on storage (the checkpoint,
   * then the metrics files, which the run rewrites right after the checkpoint), then applies
   * {@code fault}.
   */
  private static CliRun trainAndInject(String run, Fault fault) throws Exception {
    hdfs.mkdirs(p(run));
    CompletableFuture<CliRun> training = CompletableFuture.supplyAsync(() -> CliRun.of("train",
        "--engine", "local", "--data", data, "--output", root + run, "--epochs", "4"));
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (!firstEpochWritten(run) && !training.isDone() && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertFalse(training.isDone(), "the run ended before the fault: " + (training.isDone()
        ? training.get().err() : ""));
    fault.apply(p(run));
    return training.get(5, TimeUnit.MINUTES);
  }

  private static boolean firstEpochWritten(String run) throws IOException {
    if (!hdfs.exists(p(run + "/checkpoints/epoch-0001/state.json"))
        || !hdfs.exists(p(run + "/metrics.jsonl"))) {
      return false;
    }
    try (var in = hdfs.open(p(run + "/metrics.jsonl"))) {
      return !new String(in.readAllBytes(), StandardCharsets.UTF_8).isBlank();
    } catch (java.io.FileNotFoundException e) {
      return false; // replaced by its rename in between
    }
  }

  private static void assertEarlierWorkIntact(String run) throws IOException {
    assertFalse(hdfs.exists(p(run + "/_SUCCESS")));
    ModelStore.Loaded model = ModelStore.load(p(run + "/checkpoints/epoch-0001/model.zip"),
        hdfs.getConf(), true);
    assertEquals(61_706, model.network().numParams());
    String metrics;
    try (var in = hdfs.open(p(run + "/metrics.jsonl"))) {
      metrics = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertFalse(metrics.isBlank(), "the first epoch's metrics");
    String[] lines = metrics.strip().split("\n");
    for (int i = 0; i < lines.length; i++) {
      JsonNode e = Json.mapper().readTree(lines[i]);
      assertEquals(i + 1, e.get("epoch").asInt(), "complete lines, each epoch once");
    }
  }

  @Test
  void outputThatStopsAcceptingFilesStopsTheRunCleanly() throws Exception {
    String run = "/runs/ns-quota";
    CliRun r = trainAndInject(run, dir -> {
      ContentSummary c = hdfs.getContentSummary(dir);
      hdfs.setQuota(dir, c.getFileCount() + c.getDirectoryCount(),
          HdfsConstants.QUOTA_DONT_SET);
    });
    assertEquals(ExitCodes.FAILURE, r.code(), r.err());
    assertTrue(r.errorLines().startsWith("error: ") && r.err().contains("quota"), r.err());
    assertFalse(r.err().contains("\tat "));
    hdfs.setQuota(p(run), HdfsConstants.QUOTA_RESET, HdfsConstants.QUOTA_DONT_SET);
    assertEarlierWorkIntact(run);
  }

  @Test
  void outputThatRunsOutOfSpaceStopsTheRunCleanly() throws Exception {
    String run = "/runs/space-quota";
    CliRun r = trainAndInject(run, dir -> {
      long used = hdfs.getContentSummary(dir).getSpaceConsumed();
      hdfs.setQuota(dir, HdfsConstants.QUOTA_DONT_SET, used + 1024);
    });
    assertEquals(ExitCodes.FAILURE, r.code(), r.err());
    assertTrue(r.errorLines().startsWith("error: ") && r.err().contains("quota"), r.err());
    hdfs.setQuota(p(run), HdfsConstants.QUOTA_DONT_SET, HdfsConstants.QUOTA_RESET);
    assertEarlierWorkIntact(run);
  }

  /** A storage fault applied to the run folder. */
  @FunctionalInterface
  interface Fault {
    void apply(org.apache.hadoop.fs.Path runDir) throws IOException;
  }
}
