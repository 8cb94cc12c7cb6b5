package org.lenet5spark.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.testing.CliRun;

/**
 * The GPU scheduling plan per master and configuration (stage-level where Spark 3.5 schedules a
 * task resource profile without dynamic allocation, else the global setting with its reason),
 * and {@code train}'s refusal of dynamic allocation: exit 2 with one line naming the fix, before
 * Spark starts and before anything is written.
 */
class StageResourcesTest {
  @TempDir
  Path tmp;

  private static SparkConf gpus(String master, String executorGpus) {
    return new SparkConf(false).setMaster(master)
        .set(StageResources.EXECUTOR_GPUS, executorGpus);
  }

  @Test
  void clusterManagersThatCanGetStageLevelScheduling() {
    for (String master : new String[] {"spark://h:7077", "local-cluster[2,2,1024]", "yarn",
        "k8s://https://api:6443"}) {
      SparkConf conf = gpus(master, "2").set("spark.executor.cores", "8");
      StageResources.applyTo(conf);
      StageResources.Plan p = StageResources.plan(conf);
      assertEquals(StageResources.Mode.STAGE_LEVEL, p.mode(), master);
      assertEquals(4, p.gpuTaskCpus(), "8 cores shared by 2 GPUs: " + master);
      assertFalse(conf.contains(StageResources.TASK_GPUS), "no global GPU per task: " + master);
    }
    StageResources.Plan noCores = StageResources.plan(gpus("yarn", "1"));
    assertEquals(1, noCores.gpuTaskCpus(), "one CPU when spark.executor.cores is not set");
  }

  @Test
  void otherMastersFallBackToTheGlobalSettingWithAReason() {
    SparkConf conf = gpus("local[2]", "1");
    StageResources.applyTo(conf);
    assertEquals("1", conf.get(StageResources.TASK_GPUS));
    StageResources.Plan p = StageResources.plan(conf);
    assertEquals(StageResources.Mode.GLOBAL, p.mode());
    assertTrue(p.reason().startsWith("master local[2] cannot schedule a task resource profile"),
        p.reason());

    SparkConf explicit = gpus("yarn", "2").set(StageResources.TASK_GPUS, "1");
    StageResources.applyTo(explicit);
    assertEquals(StageResources.Mode.GLOBAL, StageResources.plan(explicit).mode());
    assertTrue(StageResources.plan(explicit).reason().contains("remove it"));

    SparkConf none = new SparkConf(false).setMaster("yarn");
    StageResources.applyTo(none);
    assertEquals(StageResources.Mode.NONE, StageResources.plan(none).mode());
    assertFalse(none.contains(StageResources.TASK_GPUS));
  }

  @Test
  void trainRefusesDynamicAllocationBeforeWritingAnything() {
    Path out = tmp.resolve("run");
    String key = StageResources.DYNAMIC_ALLOCATION;
    System.setProperty(key, "true");
    CliRun r;
    try {
      r = CliRun.of("train", "--data", tmp.resolve("data").toString(), "--output",
          out.toString(), "--master", "local[1]");
    } finally {
      System.clearProperty(key);
    }
    assertEquals(2, r.code(), r.err());
    assertTrue(r.errorLines().startsWith("error: train does not support dynamic allocation"),
        r.err());
    assertTrue(r.errorLines().contains("set spark.dynamicAllocation.enabled=false"), r.err());
    assertFalse(Files.exists(out), "nothing written");
  }
}
