package org.lenet5spark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lenet5spark.model.LeNet5;
import org.lenet5spark.testing.SparkTestContext;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import scala.collection.JavaConverters;

/**
 * What Spark's task-end and stage-completed events carry while the job trains (docs/performance.md,
 * round 6): the accumulators that grow with the epoch or the run (the loss hook's per-minibatch
 * losses, stages and non-finite reports, the master's device bindings) are not named, so no event
 * carries their values and no listener (status store, event log) stringifies them; the driver
 * still reads them: the mean loss, the rounds, the examples and one binding per task come out
 * as before. The hook's long counters stay named, and they do appear in the events (so the
 * listener sees accumulables at all). Real MNIST, 16 minibatches of 32, two workers averaging
 * every 2 minibatches: 4 rounds.
 */
class TrainLossHookEventsTest {
  private static final Set<String> GROWING = Set.of("lenet5.train.losses", "lenet5.train.stages",
      "lenet5.train.nonFinite", "lenet5.deviceBindings");
  private static final List<String> NAMES = Collections.synchronizedList(new ArrayList<>());
  private static JavaSparkContext sc;

  @BeforeAll
  static void start() {
    sc = SparkTestContext.local2("loss-hook-events");
    sc.sc().addSparkListener(new SparkListener() {
      @Override
      public void onTaskEnd(SparkListenerTaskEnd end) {
        for (AccumulableInfo a : JavaConverters.seqAsJavaList(end.taskInfo().accumulables())) {
          NAMES.add(a.name().isDefined() ? a.name().get() : "");
        }
      }

      @Override
      public void onStageCompleted(SparkListenerStageCompleted done) {
        for (AccumulableInfo a
            : JavaConverters.mapAsJavaMap(done.stageInfo().accumulables()).values()) {
          NAMES.add(a.name().isDefined() ? a.name().get() : "");
        }
      }
    });
  }

  @AfterAll
  static void stop() {
    sc.stop();
  }

  @Test
  void eventsDoNotCarryTheGrowingAccumulatorsAndTheDriverStillReadsThem() throws Exception {
    List<DataSet> batches = AveragingRoundTest.realMinibatches(16);
    TrainLossHook hook = new TrainLossHook(sc);
    DeviceBindingTrainingMaster master = new DeviceBindingTrainingMaster(
        new ParameterAveragingTrainingMaster.Builder(2, 32)
            .batchSizePerWorker(32)
            .averagingFrequency(2)
            .workerPrefetchNumBatches(0)
            .saveUpdater(true)
            .rngSeed(3)
            .storageLevel(StorageLevel.MEMORY_ONLY())
            .rddTrainingApproach(RDDTrainingApproach.Direct)
            .repartionData(Repartition.NumPartitionsWorkersDiffers)
            .trainingHooks(List.of(hook)),
        sc, Nd4jDeviceBinder.forNd4j(), null);
    SparkDl4jMultiLayer spark = new SparkDl4jMultiLayer(sc,
        LeNet5.build(LeNet5.Variant.MODERN, 5, new Adam(1e-3), 0), master);
    JavaRDD<DataSet> rdd = sc.parallelize(batches, 2);
    hook.reset();
    spark.fit(rdd);
    sc.sc().listenerBus().waitUntilEmpty();

    assertEquals(4, hook.rounds(), "rounds");
    assertEquals(16 * 32, hook.examples(), "examples");
    double loss = hook.meanLoss();
    assertTrue(Double.isFinite(loss) && loss > 0, "mean loss " + loss);
    assertTrue(hook.firstNonFinite().isEmpty());
    assertEquals(8, master.bindings().size(), "one binding per task: " + master.bindings());

    assertTrue(NAMES.contains("lenet5.train.examples"), "named counters are in the events: "
        + Set.copyOf(NAMES));
    for (String growing : GROWING) {
      assertFalse(NAMES.contains(growing), growing + " travels in the events: "
          + Set.copyOf(NAMES));
    }
  }
}
