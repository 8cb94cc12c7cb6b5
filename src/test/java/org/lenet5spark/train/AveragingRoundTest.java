package org.lenet5spark.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.data.IdxReader;
import org.lenet5spark.data.ShardMinibatches;
import org.lenet5spark.model.LeNet5;
import org.lenet5spark.spark.SparkContexts;
import org.lenet5spark.testing.RealMnist;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

/**
 * An averaging round as one Spark job ({@link AveragingRound}, used by
 * {@link DeviceBindingTrainingMaster#doIteration}) against DL4J's own round
 * ({@code mapPartitions} + {@code treeAggregate} in {@link ParameterAveragingTrainingMaster}), on
 * the first 1,536 images of real MNIST (48 minibatches of 32), Spark {@code local[4]}, Adam,
 * the updater state averaged too:
 * <ul>
 *   <li>two workers: after an epoch of 12 rounds the parameters, the updater state and the score
 *       are equal to the bit to those of a plain DL4J master built from the same settings (adding
 *       two results commutes, so the order cannot matter), with DL4J's Direct approach and with
 *       its Export approach (minibatches saved to files, {@code doIterationPaths});</li>
 *   <li>four workers: equal within float rounding to DL4J's (which adds in the order the tasks
 *       finish), and equal to the bit between two runs of the new round (it adds in partition
 *       order);</li>
 *   <li>a round is one Spark job of one stage, named after {@link AveragingRound}, and Spark's
 *       {@code ClosureCleaner} cleans nothing in it: its debug log, captured while the rounds
 *       run, shows only "Expected a closure" for the named task function, where DL4J's round
 *       (run through a subclass of its master, as the control) makes it clean closures;</li>
 *   <li>{@link AveragingRound#flat} says what Spark's {@code treeAggregate} does (one stage
 *       or more, seen by a listener, for 1-12 partitions at depths 1-3), and with six workers
 *       at depth 2, where the tree has a level, the master keeps DL4J's round.</li>
 * </ul>
 */
class AveragingRoundTest {
  private static final int BATCH = 32;
  private static final int MINIBATCHES = 48;
  private static final String CLEANER = "org.apache.spark.util.ClosureCleaner";
  private static JavaSparkContext sc;
  private static List<DataSet> batches;
  private static final List<String> JOBS = Collections.synchronizedList(new ArrayList<>());
  private static final List<String> STAGES = Collections.synchronizedList(new ArrayList<>());

  @BeforeAll
  static void start() throws IOException {
    batches = realMinibatches(MINIBATCHES);
    sc = SparkContexts.start("test-averaging-round", "local[4]");
    sc.sc().addSparkListener(new SparkListener() {
      @Override
      public void onJobStart(SparkListenerJobStart job) {
        JOBS.add(String.valueOf(job.jobId()));
      }

      @Override
      public void onStageSubmitted(SparkListenerStageSubmitted stage) {
        STAGES.add(stage.stageInfo().name());
      }
    });
  }

  @AfterAll
  static void stop() {
    sc.stop();
  }

  /** The first {@code count} minibatches of 32 of real MNIST's training set, pixels / 255. */
  static List<DataSet> realMinibatches(int count) throws IOException {
    Path dir = RealMnist.dir();
    Configuration conf = new Configuration();
    IdxReader.Images images = IdxReader.readImages(new org.apache.hadoop.fs.Path(
        dir.resolve("train-images-idx3-ubyte").toString()), conf, 28, 28);
    IdxReader.Labels labels = IdxReader.readLabels(new org.apache.hadoop.fs.Path(
        dir.resolve("train-labels-idx1-ubyte").toString()), conf);
    int n = count * BATCH;
    float[] features = new float[n * 784];
    for (int i = 0; i < features.length; i++) {
      features[i] = (images.pixels()[i] & 0xff) / 255f;
    }
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = labels.labels()[i];
    }
    List<DataSet> out = new ArrayList<>();
    for (int b = 0; b < count; b++) {
      out.add(ShardMinibatches.toDataSet(features, y, b * BATCH, BATCH, 28, 28));
    }
    return out;
  }

  /** The job's settings (TrainingMasters) with {@code workers} workers and period 2. */
  private static ParameterAveragingTrainingMaster.Builder settings(int workers) {
    return settings(workers, RDDTrainingApproach.Direct);
  }

  private static ParameterAveragingTrainingMaster.Builder settings(int workers,
      RDDTrainingApproach approach) {
    return new ParameterAveragingTrainingMaster.Builder(workers, BATCH)
        .batchSizePerWorker(BATCH)
        .averagingFrequency(2)
        .workerPrefetchNumBatches(0)
        .aggregationDepth(2)
        .saveUpdater(true)
        .rngSeed(5)
        .storageLevel(StorageLevel.MEMORY_ONLY())
        .rddTrainingApproach(approach)
        .repartionData(Repartition.NumPartitionsWorkersDiffers);
  }

  private static DeviceBindingTrainingMaster ours(int workers) {
    return new DeviceBindingTrainingMaster(settings(workers), sc, Nd4jDeviceBinder.forNd4j(),
        null);
  }

  private static MultiLayerNetwork network() {
    return LeNet5.build(LeNet5.Variant.MODERN, 11, new Adam(1e-3), 0);
  }

  /** One epoch through {@code master} on the minibatches in {@code workers} partitions. */
  private static MultiLayerNetwork trainEpoch(ParameterAveragingTrainingMaster master,
      int workers) {
    SparkDl4jMultiLayer spark = new SparkDl4jMultiLayer(sc, network(), master);
    JavaRDD<DataSet> rdd = sc.parallelize(batches, workers);
    spark.fit(rdd);
    rdd.unpersist(false);
    return spark.getNetwork();
  }

  private static float[] params(MultiLayerNetwork net) {
    return net.params().toFloatVector();
  }

  private static float[] updaterState(MultiLayerNetwork net) {
    return net.getUpdater().getStateViewArray().toFloatVector();
  }

  @Test
  void twoWorkersGiveDl4jsModelToTheBit() {
    MultiLayerNetwork dl4j = trainEpoch(settings(2).build(), 2);
    MultiLayerNetwork mine = trainEpoch(ours(2), 2);
    assertFalse(Arrays.equals(params(network()), params(mine)), "training moved the model");
    assertArrayEquals(params(dl4j), params(mine), "parameters after 12 rounds");
    assertArrayEquals(updaterState(dl4j), updaterState(mine), "Adam's state after 12 rounds");
    assertEquals(dl4j.score(), mine.score(), 0.0, "score");
    assertEquals(dl4j.getLayerWiseConfigurations().getIterationCount(),
        mine.getLayerWiseConfigurations().getIterationCount(), "iteration count");
  }

  @Test
  void exportApproachWithTwoWorkersGivesDl4jsModelToTheBit(@TempDir Path tmp) {
    MultiLayerNetwork dl4j = trainEpoch(settings(2, RDDTrainingApproach.Export)
        .exportDirectory(tmp.resolve("dl4j").toUri().toString()).build(), 2);
    MultiLayerNetwork mine = trainEpoch(new DeviceBindingTrainingMaster(
        settings(2, RDDTrainingApproach.Export)
            .exportDirectory(tmp.resolve("mine").toUri().toString()),
        sc, Nd4jDeviceBinder.forNd4j(), null), 2);
    assertFalse(Arrays.equals(params(network()), params(mine)), "training moved the model");
    assertArrayEquals(params(dl4j), params(mine), "parameters");
    assertArrayEquals(updaterState(dl4j), updaterState(mine), "Adam's state");
  }

  @Test
  void fourWorkersGiveDl4jsModelWithinRoundingAndTheSameBitsEveryRun() {
    MultiLayerNetwork dl4j = trainEpoch(settings(4).build(), 4);
    MultiLayerNetwork first = trainEpoch(ours(4), 4);
    MultiLayerNetwork second = trainEpoch(ours(4), 4);
    assertArrayEquals(params(first), params(second), "partition order: the same bits");
    assertArrayEquals(updaterState(first), updaterState(second));
    float[] a = params(dl4j);
    float[] b = params(first);
    double maxDiff = 0;
    double scale = 0;
    for (int i = 0; i < a.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
      scale = Math.max(scale, Math.abs(a[i]));
    }
    assertTrue(maxDiff <= 1e-5 * Math.max(1, scale), "max |difference| " + maxDiff);
  }

  @Test
  void aRoundIsOneJobOfOneStageWithoutClosureCleaning() throws Exception {
    JavaRDD<DataSet> split = sc.parallelize(batches.subList(0, 4), 2);
    DeviceBindingTrainingMaster master = ours(2);
    SparkDl4jMultiLayer spark = new SparkDl4jMultiLayer(sc, network(), master);
    float[] before = params(spark.getNetwork());
    List<String> cleaner = captureDebug(CLEANER, () -> {
      for (int round = 1; round <= 3; round++) {
        master.doIteration(spark, split, round, 3);
      }
    });
    assertEquals(3, JOBS.size(), "one job per round: " + JOBS);
    assertEquals(3, STAGES.size(), "one stage per round: " + STAGES);
    for (String s : STAGES) {
      assertTrue(s.startsWith("runJob at AveragingRound.java"), s);
    }
    assertFalse(Arrays.equals(before, params(spark.getNetwork())), "the rounds trained");
    assertFalse(cleaner.isEmpty(), "the cleaner was asked about the task function");
    for (String line : cleaner) {
      assertTrue(line.startsWith("Expected a closure; got " + AveragingRound.class.getName()),
          "nothing cleaned: " + line);
    }

    // the control: DL4J's own round on the same split cleans closures every time
    Dl4jRounds dl4j = new Dl4jRounds(settings(2));
    SparkDl4jMultiLayer other = new SparkDl4jMultiLayer(sc, network(), dl4j);
    List<String> cleaned = captureDebug(CLEANER, () -> dl4j.round(other, split));
    assertTrue(cleaned.stream().anyMatch(l -> l.contains("Cleaning")), "DL4J's round: "
        + cleaned);
  }

  @Test
  void theRoundIsOneJobOnlyWhereSparksTreeAggregationIsFlat() throws Exception {
    // the mirror of Spark's test: a flat treeAggregate is one stage, a deeper one two or more
    for (int depth = 1; depth <= 3; depth++) {
      for (int n = 1; n <= 12; n++) {
        List<Integer> values = new ArrayList<>();
        for (int i = 0; i < 2 * n; i++) {
          values.add(i);
        }
        JavaRDD<Integer> rdd = sc.parallelize(values, n);
        final int d = depth;
        captureDebug(CLEANER, () -> rdd.treeAggregate(0, Integer::sum, Integer::sum, d));
        assertEquals(AveragingRound.flat(n, depth), STAGES.size() == 1,
            n + " partitions, depth " + depth + ": " + STAGES);
      }
    }
    // six workers at depth 2: DL4J's tree aggregation is kept
    JavaRDD<DataSet> split = sc.parallelize(batches.subList(0, 6), 6);
    DeviceBindingTrainingMaster master = ours(6);
    SparkDl4jMultiLayer spark = new SparkDl4jMultiLayer(sc, network(), master);
    captureDebug(CLEANER, () -> master.doIteration(spark, split, 1, 1));
    assertTrue(STAGES.size() >= 2 && STAGES.stream().allMatch(s -> s.contains("treeAggregate")),
        "six workers: " + STAGES);
  }

  /** DL4J's master with its own round reachable from the test. */
  private static final class Dl4jRounds extends ParameterAveragingTrainingMaster {
    private static final long serialVersionUID = 1L;

    Dl4jRounds(Builder b) {
      super(b);
    }

    void round(SparkDl4jMultiLayer net, JavaRDD<DataSet> split) {
      doIteration(net, split, 1, 1);
    }
  }

  /**
   * The debug messages of {@code logger} while {@code action} runs (the listener bus drained
   * before and after, so the job and stage lists hold exactly the action's).
   */
  private static List<String> captureDebug(String logger, Runnable action)
      throws java.util.concurrent.TimeoutException {
    sc.sc().listenerBus().waitUntilEmpty();
    JOBS.clear();
    STAGES.clear();
    List<String> out = Collections.synchronizedList(new ArrayList<>());
    LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
    AbstractAppender appender = new AbstractAppender("capture-" + logger, null, null, true,
        Property.EMPTY_ARRAY) {
      @Override
      public void append(LogEvent event) {
        out.add(event.getMessage().getFormattedMessage());
      }
    };
    appender.start();
    LoggerConfig config = new LoggerConfig(logger, Level.DEBUG, false);
    config.addAppender(appender, Level.DEBUG, null);
    ctx.getConfiguration().addLogger(logger, config);
    ctx.updateLoggers();
    try {
      action.run();
    } finally {
      ctx.getConfiguration().removeLogger(logger);
      ctx.updateLoggers();
      appender.stop();
    }
    sc.sc().listenerBus().waitUntilEmpty();
    return new ArrayList<>(out);
  }
}
