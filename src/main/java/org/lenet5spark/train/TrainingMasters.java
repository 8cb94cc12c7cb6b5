package org.lenet5spark.train;

import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.api.TrainingHook;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.impl.paramavg.util.ExportSupport;
import org.lenet5spark.spark.StageResources;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where the training master of a Spark run is built from the run's options: DL4J
 * parameter averaging with the job's loss hook, export directory under the run folder and a
 * {@link DeviceBinder} that binds each worker to its Spark-assigned GPU, and the GPU task profile
 * of {@link StageResources} for the training stages when stage-level scheduling is in use.
 * With "auto", a local
 * master trains with DL4J's Direct approach (train on the cached RDD's partitions) and a cluster
 * with Export (minibatches saved once under the run's scratch folder); DL4J refuses Export when
 * executors run in other processes and the default Hadoop file system is the local one
 * (local-cluster, or a cluster without HDFS), and then Direct is used instead. Called by
 * {@link SparkEngine}.
 */
public final class TrainingMasters {
  private static final Logger LOG = LoggerFactory.getLogger(TrainingMasters.class);
  private TrainingMasters() {
  }

  /**
   * The training master for options {@code o}.
   *
   * @param exportDir where DL4J exports minibatches (export approach)
   * @param hooks worker hooks, run around every minibatch
   * @param startEpoch epochs already trained; a resumed run continues DL4J's split seeds where
   *     the uninterrupted run would be ({@link #continuedSeed})
   */
  public static DeviceBindingTrainingMaster create(JavaSparkContext sc, TrainOptions o,
      Path exportDir, List<TrainingHook> hooks, int startEpoch, DeviceBinder binder) {
    TrainOptions.SparkOptions so = o.spark();
    int batchSize = o.data().batchSize();
    StorageLevel level = so.storageLevel().level();
    ParameterAveragingTrainingMaster.Builder b =
        new ParameterAveragingTrainingMaster.Builder(so.workers(), batchSize)
            .batchSizePerWorker(batchSize)
            .averagingFrequency(so.averagingFrequency())
            .workerPrefetchNumBatches(so.prefetch())
            .aggregationDepth(so.aggregationDepth())
            .saveUpdater(true)
            .rngSeed(continuedSeed(o.seed(), startEpoch))
            .storageLevel(level == StorageLevel.NONE() ? null : level)
            .exportDirectory(exportDir.toString())
            .trainingHooks(hooks)
            .repartionData(switch (so.repartition()) {
              case NEVER -> Repartition.Never;
              case WHEN_NEEDED -> Repartition.NumPartitionsWorkersDiffers;
              case ALWAYS -> Repartition.Always;
            });
    boolean direct = usesDirect(sc, o);
    if (direct && so.approach() == TrainOptions.Approach.EXPORT) {
      LOG.warn("master {} with a local default file system: DL4J cannot export minibatches; "
          + "using its Direct training approach", sc.master());
    }
    LOG.info("DL4J training approach: {} (--training-approach {}, master {})",
        direct ? "direct" : "export", so.approach().spelling(), sc.master());
    b.rddTrainingApproach(direct ? RDDTrainingApproach.Direct : RDDTrainingApproach.Export);
    return new DeviceBindingTrainingMaster(b, sc, binder,
        StageResources.gpuProfile(sc).orElse(null));
  }

  /**
   * The seed of a {@link java.util.Random} that continues {@code new Random(seed)} after
   * {@code draws} calls of {@code nextLong()}. DL4J's parameter-averaging master draws one
   * {@code nextLong()} per {@code fit} (the seed of that epoch's random split into averaging
   * rounds), so a run resumed after epoch k with this seed splits its epochs exactly as the
   * uninterrupted run would. {@code Random(s)} starts from the 48-bit state
   * {@code (s ^ 0x5DEECE66D) & (2^48 - 1)} and each {@code nextLong()} advances that linear
   * congruential state twice (the {@code java.util.Random} specification).
   */
  static long continuedSeed(long seed, int draws) {
    final long multiplier = 0x5DEECE66DL;
    final long mask = (1L << 48) - 1;
    long state = (seed ^ multiplier) & mask;
    for (int i = 0; i < 2 * draws; i++) {
      state = (state * multiplier + 0xBL) & mask;
    }
    return state ^ multiplier;
  }

  /**
   * Whether the run trains with DL4J's Direct approach: asked for; "auto" with a local master
   * (one JVM: the cached minibatches are at hand, and Export would only add a first-epoch write
   * of every minibatch to disk and a file read per minibatch, measured in docs/performance.md);
   * or forced because DL4J cannot export minibatches with this master and default file system.
   */
  public static boolean usesDirect(JavaSparkContext sc, TrainOptions o) {
    TrainOptions.Approach approach = o.spark().approach();
    return approach == TrainOptions.Approach.DIRECT
        || (approach == TrainOptions.Approach.AUTO && sc.isLocal())
        || !ExportSupport.exportSupported(sc);
  }
}
