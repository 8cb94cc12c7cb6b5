package org.lenet5spark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.io.Json;
import org.lenet5spark.testing.CliRun;
import org.lenet5spark.testing.IdxFixtures;
import org.lenet5spark.testing.LocalClusterJob;
import org.lenet5spark.testing.SparkHome;

/**
 * GPU scheduling and device binding across real executor JVMs: Spark {@code local-cluster[2,2,
 * 1024]} (a Master, two Workers, two executors) with a fake discovery script offering GPUs "0"
 * and "1" per worker, two GPUs per executor and one per task. One short epoch on generated data;
 * every DL4J worker task must report the one address Spark gave it and the binder's decision
 * for it (on this CPU-only machine ND4J's backend is CPU, so the decision is the CPU fallback).
 * The configuration sets {@code spark.task.resource.gpu.amount} itself, so {@code run.json}
 * records the global GPU scheduling with that reason.
 */
class LocalClusterGpuBindingIT {
  @TempDir
  Path tmp;

  @Test
  void everyTaskBindsTheGpuSparkAssigned() throws Exception {
    Path idx = tmp.resolve("idx");
    IdxFixtures.writeDataset(idx, 512, 128, false);
    Path data = tmp.resolve("shards");
    CliRun prep = CliRun.of("prepare", "--input", idx.toString(), "--output", data.toString(),
        "--format", "binary", "--shards", "4", "--master", "local[2]");
    assertEquals(0, prep.code(), prep.err());

    Path home = SparkHome.create(Path.of("target", "spark-home-embedded"),
        List.of(Path.of("target", "classpath.txt")),
        List.of(Path.of("target", "lenet5-spark.jar")));
    Path discovery = SparkHome.fakeGpuDiscovery(tmp, "0", "1");
    Path run = tmp.resolve("run");
    File log = tmp.resolve("train.log").toFile();
    Process p = LocalClusterJob.start(LocalClusterJob.embeddedCli(List.of(
        "-Dspark.worker.resource.gpu.amount=2",
        "-Dspark.worker.resource.gpu.discoveryScript=" + discovery,
        "-Dspark.executor.resource.gpu.amount=2",
        "-Dspark.task.resource.gpu.amount=1",
        "-Dspark.executor.cores=2"), List.of("train", "--master", "local-cluster[2,2,1024]",
        "--data", data.toUri().toString(), "--output", run.toUri().toString(),
        "--epochs", "1", "--workers", "4", "--batch-size", "16", "--averaging-frequency", "2",
        "--prefetch", "0")), home, log);
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("training timed out; log: " + log);
    }
    String output = Files.readString(log.toPath());
    assertEquals(0, p.exitValue(), output);
    assertTrue(Files.exists(run.resolve("_SUCCESS")), output);

    List<String> devices = Files.readAllLines(run.resolve("devices.jsonl"));
    assertTrue(devices.size() >= 4, "bindings: " + devices);
    JsonNode summary = Json.mapper().readTree(run.resolve("run.json").toFile()).get("devices");
    assertTrue(summary.size() >= 2, "summary per executor and decision: " + summary);
    Set<String> addresses = new HashSet<>();
    Set<String> executors = new HashSet<>();
    for (String line : devices) {
      JsonNode d = Json.mapper().readTree(line);
      JsonNode assigned = d.get("gpu_addresses");
      assertEquals(1, assigned.size(), "one GPU per task: " + d);
      String address = assigned.get(0).asText();
      assertTrue(address.equals("0") || address.equals("1"), "an address of the script: " + d);
      assertEquals("CPU", d.get("backend").asText(), d.toString());
      assertEquals("cpu", d.get("bound").asText(), d.toString());
      assertEquals("gpu address " + address + " assigned, backend CPU, bound cpu",
          d.get("decision").asText());
      addresses.add(address);
      executors.add(d.get("executor_id").asText());
      assertFalse(d.get("executor_id").asText().equals("driver"), "ran on the driver: " + d);
    }
    assertEquals(Set.of("0", "1"), addresses, "both GPUs of an executor were handed out");
    JsonNode plan = Json.mapper().readTree(run.resolve("run.json").toFile()).get("scheduling")
        .get("gpu_scheduling");
    assertEquals("global", plan.get("mode").asText(), "the configuration's own GPU per task: "
        + plan);
    assertTrue(plan.get("reason").asText().startsWith("spark.task.resource.gpu.amount=1 is set"),
        plan.toString());
    assertEquals(2, executors.size(), "both executors trained: " + executors);
  }
}
