package org.lenet5spark.train;

import java.io.IOException;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.lenet5spark.run.RunRecord;

/**
 * How one epoch is fitted: {@link SparkEngine} (DL4J parameter averaging across Spark workers) or
 * {@link LocalEngine} (plain DL4J in one process, the honest baseline). {@link TrainingRun} drives
 * either through the same loop, so both write the same outputs.
 */
public interface TrainingEngine extends AutoCloseable {

  /**
   * What fitting one epoch did; {@code accuracy} is the training accuracy measured on each
   * minibatch as it was fitted (NaN when not measured).
   */
  record EpochFit(long examples, double meanLoss, double seconds, double accuracy) {
    /** Without a training accuracy. */
    public EpochFit(long examples, double meanLoss, double seconds) {
      this(examples, meanLoss, seconds, Double.NaN);
    }

    /** Training throughput. */
    public double samplesPerSecond() {
      return seconds > 0 ? examples / seconds : 0;
    }
  }

  /** "spark" or "local". */
  String name();

  /** The network being trained (after an epoch: the averaged parameters). */
  MultiLayerNetwork network();

  /**
   * Work done once before the first epoch's clock starts (called once, before the first
   * {@link #fitEpoch}): the spark engine reads its cached training data and warms its executors
   * up; the default does nothing.
   */
  default RunRecord.StartUp startUp() {
    return RunRecord.StartUp.NONE;
  }

  /** Fits one epoch (1-based) with the given learning rate. */
  EpochFit fitEpoch(int epoch, double learningRate) throws IOException;

  /** Releases what the engine holds (scratch files, cached RDDs). */
  @Override
  void close() throws IOException;
}
