package org.lenet5spark.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.lenet5spark.testing.SparkTestContext;

/**
 * The tasks-at-once measure of {@link StageConcurrency}: back-to-back tasks do not overlap,
 * overlapping ones do; and on real Spark {@code local[2]} a stage of four sleeping tasks ran two
 * at once on its one executor while a one-partition stage ran one, each stage under its call
 * site and the default profile.
 */
class StageConcurrencyTest {
  @Test
  void backToBackTasksDoNotOverlap() {
    assertEquals(1, StageConcurrency.maxOverlap(List.of(new StageConcurrency.Ran("a", 0, 100),
        new StageConcurrency.Ran("a", 100, 200))));
    assertEquals(2, StageConcurrency.maxOverlap(List.of(new StageConcurrency.Ran("a", 0, 100),
        new StageConcurrency.Ran("a", 50, 150), new StageConcurrency.Ran("a", 150, 160))));
    assertEquals(0, StageConcurrency.maxOverlap(List.of()));
  }

  @Test
  void recordsWhatSparkRanAtOnce() {
    JavaSparkContext sc = SparkTestContext.local2("stage-concurrency");
    try {
      sc.parallelize(List.of(1, 2, 3, 4), 4).map(StageConcurrencyTest::slow).collect();
      sc.parallelize(List.of(1, 2), 1).map(StageConcurrencyTest::slow).collect();
      List<StageConcurrency.Stage> stages = StageConcurrency.of(sc.sc()).stages(sc.sc());
      assertEquals(2, stages.size(), stages.toString());
      StageConcurrency.Stage four = stages.get(0);
      assertEquals(4, four.tasks());
      assertEquals(2, four.maxPerExecutor(), "local[2]: two task threads: " + four);
      assertEquals(2, four.maxAtOnce(), four.toString());
      assertEquals(0, four.profileId());
      assertTrue(four.name().startsWith("collect at StageConcurrencyTest.java:"), four.name());
      assertEquals(1, stages.get(1).maxPerExecutor(), stages.get(1).toString());
    } finally {
      sc.stop();
    }
  }

  private static int slow(int x) throws InterruptedException {
    Thread.sleep(400);
    return x;
  }
}
