package org.lenet5spark.train;

import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.impl.paramavg.util.ExportSupport;
import org.lenet5spark.io.RunFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where the training master of a Spark run is built from the run's options: DL4J
 * parameter averaging with the job's loss hook, export directory under the run folder and a
 * {@link DeviceBinder} that binds each worker to its Spark-assigned GPU. DL4J's default Export
 * approach (minibatches saved once under the run's scratch folder) is used where DL4J allows it;
 * DL4J refuses it when executors run in other processes and the default Hadoop file system is
 * the local one (local-cluster, or a cluster without HDFS), and then the Direct approach (train
 * on the RDD's partitions) is used instead. Called by {@link SparkTrainer} after the run folder
 * exists.
 */
public final class TrainingMasters {
  private static final Logger LOG = LoggerFactory.getLogger(TrainingMasters.class);
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
    if (!ExportSupport.exportSupported(sc)) {
      LOG.warn("master {} with a local default file system: DL4J cannot export minibatches; "
          + "using its Direct training approach", sc.master());
      b.rddTrainingApproach(RDDTrainingApproach.Direct);
    }
    return new DeviceBindingTrainingMaster(b, sc, binder);
  }
}
