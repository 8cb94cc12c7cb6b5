package org.lenet5spark.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lenet5spark.data.ShardMinibatches;
import org.lenet5spark.model.LeNet5;
import org.lenet5spark.testing.SparkTestContext;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * The oracle for parameter averaging (as in DL4J's own
 * TestCompareParameterAveragingSparkVsSingleMachine):
 * Spark training through {@link ParameterAveragingTrainingMaster} must give the same parameters as
 * the single-process engine on the same data, (a) with one worker, and (b) with two workers,
 * plain SGD and averaging after every step, which equals one SGD step on both minibatches together.
 */
class ParameterAveragingOracleTest {
  private static final int BATCH = 16;
  private static JavaSparkContext sc;

  @BeforeAll
  static void start() {
    sc = SparkTestContext.local2("oracle");
  }

  @AfterAll
  static void stop() {
    sc.stop();
  }

  /** Deterministic pseudo-images with learnable labels (the label brightens one region). */
  private static List<DataSet> minibatches(int count, long seed) {
    java.util.Random r = new java.util.Random(seed);
    List<DataSet> out = new ArrayList<>();
    for (int b = 0; b < count; b++) {
      float[] f = new float[BATCH * 784];
      int[] labels = new int[BATCH];
      for (int i = 0; i < BATCH; i++) {
        labels[i] = r.nextInt(10);
        for (int p = 0; p < 784; p++) {
          f[i * 784 + p] = (float) (r.nextGaussian() * 0.3 + (p / 78 == labels[i] ? 1.0 : 0));
        }
      }
      out.add(ShardMinibatches.toDataSet(f, labels, 0, BATCH, 28, 28));
    }
    return out;
  }

  private static ParameterAveragingTrainingMaster master(int workers, int averaging) {
    return new ParameterAveragingTrainingMaster.Builder(workers, BATCH)
        .batchSizePerWorker(BATCH)
        .averagingFrequency(averaging)
        .workerPrefetchNumBatches(0)
        .saveUpdater(true)
        .rddTrainingApproach(RDDTrainingApproach.Direct)
        .repartionData(Repartition.Never)
        .rngSeed(1)
        .build();
  }

  private static void assertClose(INDArray expected, INDArray actual, double tol) {
    double maxDiff = expected.sub(actual).amaxNumber().doubleValue();
    double scale = expected.amaxNumber().doubleValue();
    assertTrue(maxDiff <= tol * Math.max(1, scale), "max |difference| " + maxDiff);
  }

  @Test
  void oneWorkerEqualsSingleProcess() {
    List<DataSet> batches = minibatches(6, 11);
    MultiLayerNetwork single = LeNet5.build(LeNet5.Variant.MODERN, 5, new Adam(1e-3), 0);
    MultiLayerNetwork start = single.clone();
    INDArray initial = single.params().dup();
    fitInOrder(single, batches);

    // one split (averaging frequency >= minibatches), one partition: the worker fits the
    // minibatches in order, then "averages" one result
    SparkDl4jMultiLayer spark = new SparkDl4jMultiLayer(sc, start, master(1, batches.size()));
    JavaRDD<DataSet> rdd = sc.parallelize(batches, 1);
    spark.fit(rdd);
    assertTrue(initial.sub(single.params()).amaxNumber().doubleValue() > 1e-4, "training moved");
    assertClose(single.params(), spark.getNetwork().params(), 1e-5);
  }

  @Test
  void twoWorkersAveragingEveryStepWithSgdEqualsOneStepOnBoth() {
    List<DataSet> batches = minibatches(6, 23);
    MultiLayerNetwork single = LeNet5.build(LeNet5.Variant.MODERN, 9, new Sgd(0.05), 0);
    MultiLayerNetwork start = single.clone();
    SparkDl4jMultiLayer spark = new SparkDl4jMultiLayer(sc, start, master(2, 1));
    for (int step = 0; step < batches.size(); step += 2) {
      DataSet a = batches.get(step);
      DataSet b = batches.get(step + 1);
      // Spark: each of two workers takes one minibatch from the current parameters; the driver
      // averages. Single process: one SGD step on both minibatches together (mean loss).
      spark.fit(sc.parallelize(List.of(a, b), 2));
      single.fit(DataSet.merge(List.of(a, b)));
      assertClose(single.params(), spark.getNetwork().params(), 1e-4);
    }
  }

  /** Fits minibatches in the given order: what the Spark worker is compared with. */
  private static void fitInOrder(MultiLayerNetwork net, Iterable<DataSet> batches) {
    for (DataSet d : batches) {
      net.fit(d);
    }
  }
}
