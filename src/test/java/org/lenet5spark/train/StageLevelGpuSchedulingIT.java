package org.lenet5spark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.io.Json;
import org.lenet5spark.testing.LocalClusterJob;
import org.lenet5spark.testing.SmallData;
import org.lenet5spark.testing.SparkHome;

/**
 * Stage-level GPU scheduling on Spark {@code local-cluster[2,2,1024]} (two executor JVMs with two
 * cores each) with a fake discovery script offering one GPU, address "0", per executor, and no
 * {@code spark.task.resource.gpu.amount}: the run records in {@code run.json} what Spark's
 * scheduler did, seen by a SparkListener. The shard check runs two tasks at once on an executor
 * with the default profile; every training stage carries the GPU task profile and runs one task
 * per executor, each holding address 0 ({@code devices.jsonl}). The same run without GPUs (the
 * control) runs two training tasks per executor, so the limit comes from the profile, and reaches
 * the same test accuracy with the same seed. Real MNIST, 1,200 training images, one epoch.
 */
class StageLevelGpuSchedulingIT {
  @TempDir
  static Path tmp;
  static Path data;
  static Path home;

  @BeforeAll
  static void setUp() throws IOException {
    data = SmallData.prepare(SmallData.realSubset(tmp.resolve("idx"), 1200, 500),
        tmp.resolve("shards"), "binary", 4);
    home = SparkHome.create(Path.of("target", "spark-home-embedded"),
        List.of(Path.of("target", "classpath.txt")),
        List.of(Path.of("target", "lenet5-spark.jar")));
  }

  private static JsonNode train(String name, List<String> sparkProperties) throws Exception {
    Path run = tmp.resolve(name);
    File log = tmp.resolve(name + ".log").toFile();
    Process p = LocalClusterJob.start(LocalClusterJob.embeddedCli(sparkProperties, List.of(
        "train", "--master", "local-cluster[2,2,1024]", "--data", data.toUri().toString(),
        "--output", run.toUri().toString(), "--epochs", "1", "--workers", "4",
        "--batch-size", "32", "--averaging-frequency", "2", "--prefetch", "0",
        "--seed", "7")), home, log);
    if (!p.waitFor(6, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("training timed out; log: " + log);
    }
    String output = Files.readString(log.toPath());
    assertEquals(0, p.exitValue(), output);
    assertTrue(Files.exists(run.resolve("_SUCCESS")), output);
    return Json.mapper().readTree(run.resolve("run.json").toFile());
  }

  private static Map<String, JsonNode> kinds(JsonNode runJson) {
    JsonNode scheduling = runJson.get("scheduling");
    assertNotNull(scheduling, "run.json records the scheduling: " + runJson);
    Map<String, JsonNode> out = new HashMap<>();
    for (JsonNode k : scheduling.get("stage_kinds")) {
      out.put(k.get("kind").asText(), k);
    }
    return out;
  }

  private static JsonNode shardCheck(Map<String, JsonNode> kinds) {
    JsonNode k = kinds.get("collect at ShardCatalog.java");
    assertNotNull(k, "the shard check's stages: " + kinds.keySet());
    return k;
  }

  @Test
  void onlyTrainingStagesTakeAGpuAndTheResultIsTheSame() throws Exception {
    Path discovery = SparkHome.fakeGpuDiscovery(tmp, "0");
    JsonNode gpu = train("gpu", List.of(
        "-Dspark.worker.resource.gpu.amount=1",
        "-Dspark.worker.resource.gpu.discoveryScript=" + discovery,
        "-Dspark.executor.resource.gpu.amount=1",
        "-Dspark.executor.cores=2"));
    JsonNode plan = gpu.get("scheduling").get("gpu_scheduling");
    assertEquals("stage-level", plan.get("mode").asText(), plan.toString());
    assertEquals(2, plan.get("gpu_task").get("cpus").asInt(), plan.toString());
    JsonNode profiles = gpu.get("scheduling").get("profiles");
    assertEquals(2, profiles.size(), profiles.toString());
    int gpuProfile = profiles.get(1).get("id").asInt();
    assertEquals(1.0, profiles.get(1).get("task_gpus").asDouble(), profiles.toString());
    assertEquals(0.0, profiles.get(0).get("task_gpus").asDouble(), profiles.toString());

    Map<String, JsonNode> kinds = kinds(gpu);
    JsonNode training = kinds.get(SchedulingSummary.TRAINING);
    assertNotNull(training, "training stages: " + kinds.keySet());
    assertTrue(training.get("stages").asInt() >= 2, training.toString());
    assertEquals(List.of(gpuProfile), ints(training.get("profile_ids")), training.toString());
    assertEquals(1, training.get("max_tasks_per_executor").asInt(), training.toString());
    JsonNode check = shardCheck(kinds);
    assertEquals(List.of(0), ints(check.get("profile_ids")), check.toString());
    assertEquals(2, check.get("max_tasks_per_executor").asInt(), check.toString());
    for (Map.Entry<String, JsonNode> k : kinds.entrySet()) {
      if (!k.getKey().equals(SchedulingSummary.TRAINING)) {
        assertEquals(List.of(0), ints(k.getValue().get("profile_ids")),
            "only training stages carry the GPU profile: " + k.getValue());
      }
    }

    Path run = tmp.resolve("gpu");
    Set<String> executors = new HashSet<>();
    for (String line : Files.readAllLines(run.resolve("devices.jsonl"))) {
      JsonNode d = Json.mapper().readTree(line);
      assertEquals("[\"0\"]", d.get("gpu_addresses").toString(), "GPU 0 per task: " + d);
      executors.add(d.get("executor_id").asText());
    }
    assertEquals(2, executors.size(), "both executors trained: " + executors);

    JsonNode cpu = train("cpu", List.of("-Dspark.executor.cores=2"));
    assertEquals("none",
        cpu.get("scheduling").get("gpu_scheduling").get("mode").asText());
    Map<String, JsonNode> cpuKinds = kinds(cpu);
    assertEquals(2, cpuKinds.get(SchedulingSummary.TRAINING).get("max_tasks_per_executor")
        .asInt(), "without the profile two workers share an executor: " + cpuKinds);
    assertEquals(2, shardCheck(cpuKinds).get("max_tasks_per_executor").asInt());
    assertEquals(cpu.get("final_test_accuracy").asDouble(),
        gpu.get("final_test_accuracy").asDouble(), "same seed, same accuracy");
  }

  private static List<Integer> ints(JsonNode array) {
    List<Integer> out = new java.util.ArrayList<>();
    array.forEach(n -> out.add(n.asInt()));
    return out;
  }
}
