package org.lenet5spark.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/**
 * A local master's executor is the driver's own JVM, so a paused process (SIGSTOP, a suspended
 * workstation) must not make the driver remove it as lost when the process continues: with
 * Spark's 120 s heartbeat timeout a run paused longer died with exit 56 and a run.json left at
 * "running" (docs/benchmarks.md, issue 20 item 5). Cluster masters keep Spark's timeout, which
 * is how a really lost executor is found there.
 */
class LocalHeartbeatTimeoutTest {

  @Test
  void localMastersWaitAWeekForTheirOwnExecutorAndSparkAcceptsTheValue() {
    SparkConf conf = SparkContexts.conf("heartbeat-test", "local[2]");
    assertEquals(SparkContexts.LOCAL_HEARTBEAT_TIMEOUT_MS,
        conf.get(SparkContexts.HEARTBEAT_TIMEOUT));
    assertEquals(7L * 24 * 3600 * 1000,
        Long.parseLong(conf.get(SparkContexts.HEARTBEAT_TIMEOUT)));
    // a real context starts with it (Spark checks it against the heartbeat interval) and runs
    try (JavaSparkContext sc = new JavaSparkContext(conf)) {
      assertEquals(6, sc.parallelize(List.of(1, 2, 3), 2).reduce(Integer::sum));
      assertEquals(SparkContexts.LOCAL_HEARTBEAT_TIMEOUT_MS,
          sc.getConf().get(SparkContexts.HEARTBEAT_TIMEOUT));
    }
  }

  @Test
  void aTimeoutTheUserSetIsKeptAndClusterMastersKeepSparksDefault() {
    System.setProperty("spark." + "storage.blockManagerHeartbeatTimeoutMs", "300000");
    try {
      assertEquals("300000",
          SparkContexts.conf("t", "local[2]").get(SparkContexts.HEARTBEAT_TIMEOUT));
    } finally {
      System.clearProperty(SparkContexts.HEARTBEAT_TIMEOUT);
    }
    assertFalse(SparkContexts.conf("t", "spark://127.0.0.1:7077")
        .contains(SparkContexts.HEARTBEAT_TIMEOUT));
    assertFalse(SparkContexts.conf("t", "local-cluster[2,1,1024]")
        .contains(SparkContexts.HEARTBEAT_TIMEOUT));
  }
}
