package org.lenet5spark.train;

import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.lenet5spark.io.RunFiles;

/**
 * The one place where the training master of a Spark run is built from the run's options: DL4J
 * parameter averaging with the job's loss hook, export directory under the run folder and a
 * {@link DeviceBinder} that binds each worker to its Spark-assigned GPU. Called by
 * {@link SparkTrainer} after the run folder exists.
 */
public final class TrainingMasters {
  private TrainingMasters() {
  }

  /** The training master for options {@code o}, writing scratch files under {@code files}. */
  public static DeviceBindingTrainingMaster create(JavaSparkContext sc, TrainOptions o,
      RunFiles files, TrainLossHook hook, DeviceBinder binder) {
    ParameterAveragingTrainingMaster.Builder b =
        new ParameterAveragingTrainingMaster.Builder(o.workers(), o.batchSize())
            .batchSizePerWorker(o.batchSize())
            .averagingFrequency(o.averagingFrequency())
            .workerPrefetchNumBatches(o.prefetch())
            .saveUpdater(true)
            .rngSeed(o.seed())
            .exportDirectory(files.scratch().toString())
            .trainingHooks(hook);
    return new DeviceBindingTrainingMaster(b, sc, binder);
  }
}
