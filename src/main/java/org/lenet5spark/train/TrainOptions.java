package org.lenet5spark.train;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.storage.StorageLevel;
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.io.Redact;
import org.lenet5spark.model.LeNet5;
import org.lenet5spark.model.kernels.FusedAdam;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Every setting of a training run, validated on creation; the defaults live here and nowhere else
 * (the CLI shows them in {@code --help}). {@code run.json} records the resolved values.
 *
 * @param data prepared data folder (output of {@code prepare})
 * @param output run folder to create
 * @param engine "spark" (parameter averaging) or "local" (plain DL4J in one process)
 * @param epochs total number of epochs of the run (a resumed run trains only the missing ones)
 * @param workers parameter-averaging workers (Spark task slots used for training)
 * @param batchSize minibatch size per worker
 * @param averagingFrequency minibatches each worker fits between two averagings
 * @param prefetch minibatches each worker prefetches asynchronously (0: none)
 * @param aggregationDepth levels of Spark's tree aggregation of the workers' parameters
 * @param approach DL4J's RDD training approach: "export" (minibatches saved once to the export
 *     folder and reused every epoch), "direct" (the cached RDD is split every averaging round) or
 *     "auto" (direct with a local master, export on a cluster where DL4J supports it)
 * @param storageLevel Spark storage level of the training RDD (for example MEMORY_ONLY_SER)
 * @param repartition when DL4J repartitions each averaging round's data: "always" (DL4J's
 *     default: a shuffle every round), "when-needed" (only when the partition count differs from
 *     the workers) or "never"
 * @param exportDir folder for exported minibatches, on the same file system as the output
 *     (null: {@code <output>/_scratch})
 * @param seed seed of weight initialisation, data splitting and shuffling
 * @param variant LeNet-5 variant
 * @param kernels how the convolution stages are computed (fused Java kernels or DL4J's layers)
 * @param updater "adam", "nesterov" or "sgd"
 * @param learningRate initial learning rate
 * @param lrDecay factor applied to the learning rate after every epoch (1: constant)
 * @param l2 L2 regularisation coefficient (0: none)
 * @param augment random affine distortions of the training images, on the workers
 * @param resume continue from the latest complete checkpoint (a complete run is a no-op)
 * @param overwrite replace an existing run folder
 * @param keepCheckpoints number of most recent checkpoints kept
 * @param onBadCheckpoint what {@code --resume} does when the newest checkpoint cannot be
 *     trusted: "refuse" (exit 3, nothing written) or "previous" (fall back to the newest older
 *     checkpoint that can be trusted; never to training from scratch)
 */
public record TrainOptions(Path data, Path output, String engine, int epochs, int workers,
    int batchSize, int averagingFrequency, int prefetch, int aggregationDepth, String approach,
    String storageLevel,
    String repartition, Path exportDir, long seed, LeNet5.Variant variant,
    LeNet5.Kernels kernels, String updater, double learningRate,
    double lrDecay, double l2, boolean augment, boolean resume, boolean overwrite,
    int keepCheckpoints, String onBadCheckpoint) {

  /** Default engine. */
  public static final String DEFAULT_ENGINE = "spark";
  /** Default number of epochs. */
  public static final int DEFAULT_EPOCHS = 15;
  /** Default number of workers. */
  public static final int DEFAULT_WORKERS = 2;
  /** Default minibatch size per worker. */
  public static final int DEFAULT_BATCH_SIZE = 32;
  /**
   * Largest minibatch per worker. A minibatch's arrays (input, activations, gradients, the
   * kernels' buffers) grow linearly with it and live on every worker at once; the measured sizes
   * (docs/benchmarks.md) go up to 256, and a value far above the data's size would only exhaust
   * an executor's memory before the first step.
   */
  public static final int MAX_BATCH_SIZE = 4096;
  /** Default averaging frequency. */
  public static final int DEFAULT_AVERAGING_FREQUENCY = 10;
  /** Default prefetch. */
  public static final int DEFAULT_PREFETCH = 2;
  /** Default tree-aggregation depth (DL4J's). */
  public static final int DEFAULT_AGGREGATION_DEPTH = 2;
  /** Default RDD training approach. */
  public static final String DEFAULT_APPROACH = "auto";
  /**
   * Default storage level of the training RDD: deserialised objects. DL4J's default
   * (MEMORY_ONLY_SER) makes its Direct approach deserialise the whole training set for every
   * averaging round (2.8x slower epochs on local-cluster, docs/performance.md).
   */
  public static final String DEFAULT_STORAGE_LEVEL = "MEMORY_ONLY";
  /** Default repartitioning: only when needed (measured 4% faster than DL4J's "always"). */
  public static final String DEFAULT_REPARTITION = "when-needed";
  /** Default seed. */
  public static final long DEFAULT_SEED = 12345;
  /** Default updater. */
  public static final String DEFAULT_UPDATER = "adam";
  /** Default learning rate. */
  public static final double DEFAULT_LEARNING_RATE = 2e-3;
  /** Default per-epoch learning-rate decay. */
  public static final double DEFAULT_LR_DECAY = 0.8;
  /** Default L2. */
  public static final double DEFAULT_L2 = 0;
  /** Default number of checkpoints kept. */
  public static final int DEFAULT_KEEP_CHECKPOINTS = 3;
  /** Default handling of an untrustworthy checkpoint on resume: refuse. */
  public static final String DEFAULT_ON_BAD_CHECKPOINT = "refuse";

  public TrainOptions {
    engine = engine.toLowerCase(Locale.ROOT);
    require(engine.equals("spark") || engine.equals("local"), "--engine must be spark or local");
    require(epochs >= 1 && epochs <= 100_000, "--epochs must be at least 1");
    require(workers >= 1 && workers <= 100_000, "--workers must be at least 1");
    require(batchSize >= 1 && batchSize <= MAX_BATCH_SIZE, "--batch-size must be between 1 and "
        + MAX_BATCH_SIZE + ", got " + batchSize);
    require(averagingFrequency >= 1, "--averaging-frequency must be at least 1");
    require(prefetch >= 0, "--prefetch must be 0 or more");
    require(aggregationDepth >= 1 && aggregationDepth <= 10,
        "--aggregation-depth must be between 1 and 10");
    approach = approach.toLowerCase(Locale.ROOT);
    require(approach.equals("export") || approach.equals("direct") || approach.equals("auto"),
        "--training-approach must be auto, export or direct");
    storageLevel = storageLevel.toUpperCase(Locale.ROOT);
    try {
      StorageLevel.fromString(storageLevel);
    } catch (IllegalArgumentException e) {
      throw new BadInputException("--storage-level: unknown Spark storage level " + storageLevel);
    }
    repartition = repartition.toLowerCase(Locale.ROOT);
    require(repartition.equals("always") || repartition.equals("never")
        || repartition.equals("when-needed"), "--repartition must be always, when-needed or never");
    require(learningRate > 0 && Double.isFinite(learningRate), "--learning-rate must be > 0");
    require(lrDecay > 0 && lrDecay <= 1, "--lr-decay must be in (0, 1]");
    require(l2 >= 0 && Double.isFinite(l2), "--l2 must be 0 or more");
    updater = updater.toLowerCase(Locale.ROOT);
    require(updater.equals("adam") || updater.equals("nesterov") || updater.equals("sgd"),
        "--updater must be adam, nesterov or sgd");
    require(keepCheckpoints >= 1, "--keep-checkpoints must be at least 1");
    require(!(resume && overwrite), "--resume and --overwrite exclude each other");
    onBadCheckpoint = onBadCheckpoint == null ? DEFAULT_ON_BAD_CHECKPOINT
        : onBadCheckpoint.toLowerCase(Locale.ROOT);
    require(onBadCheckpoint.equals("refuse") || onBadCheckpoint.equals("previous"),
        "--on-bad-checkpoint must be refuse or previous");
  }

  /** The settings without {@code onBadCheckpoint} (refuse). */
  public TrainOptions(Path data, Path output, String engine, int epochs, int workers,
      int batchSize, int averagingFrequency, int prefetch, int aggregationDepth, String approach,
      String storageLevel, String repartition, Path exportDir, long seed, LeNet5.Variant variant,
      LeNet5.Kernels kernels, String updater, double learningRate, double lrDecay, double l2,
      boolean augment, boolean resume, boolean overwrite, int keepCheckpoints) {
    this(data, output, engine, epochs, workers, batchSize, averagingFrequency, prefetch,
        aggregationDepth, approach, storageLevel, repartition, exportDir, seed, variant, kernels,
        updater, learningRate, lrDecay, l2, augment, resume, overwrite, keepCheckpoints,
        DEFAULT_ON_BAD_CHECKPOINT);
  }

  /** Whether {@code --resume} may fall back to an older checkpoint when the newest is refused. */
  public boolean fallBackToPreviousCheckpoint() {
    return onBadCheckpoint.equals("previous");
  }

  /** Options with the defaults for everything but the two locations. */
  public static TrainOptions defaults(Path data, Path output) {
    return new TrainOptions(data, output, DEFAULT_ENGINE, DEFAULT_EPOCHS, DEFAULT_WORKERS,
        DEFAULT_BATCH_SIZE, DEFAULT_AVERAGING_FREQUENCY, DEFAULT_PREFETCH,
        DEFAULT_AGGREGATION_DEPTH, DEFAULT_APPROACH,
        DEFAULT_STORAGE_LEVEL, DEFAULT_REPARTITION, null, DEFAULT_SEED, LeNet5.Variant.MODERN,
        LeNet5.Kernels.FUSED, DEFAULT_UPDATER,
        DEFAULT_LEARNING_RATE, DEFAULT_LR_DECAY, DEFAULT_L2, false, false, false,
        DEFAULT_KEEP_CHECKPOINTS);
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new BadInputException(message);
    }
  }

  /** Learning rate of a 1-based epoch. */
  public double learningRateAt(int epoch) {
    return learningRate * Math.pow(lrDecay, epoch - 1);
  }

  /** A new updater instance with the initial learning rate. */
  public IUpdater newUpdater() {
    return newUpdater(kernels);
  }

  /** A new updater instance with the initial learning rate, for a network with {@code k}. */
  public IUpdater newUpdater(LeNet5.Kernels k) {
    return switch (updater) {
      case "nesterov" -> new Nesterovs(learningRate, 0.9);
      case "sgd" -> new Sgd(learningRate);
      // the same Adam as one Java loop, with the (CPU-only) fused layers; a stock model keeps
      // DL4J's own Adam so that it restores with DL4J alone (docs/performance.md)
      default -> k == LeNet5.Kernels.FUSED ? new FusedAdam(learningRate)
          : new Adam(learningRate);
    };
  }

  /**
   * The settings that shape the training trajectory; a run may only be resumed with the same
   * values (the number of epochs, prefetch, storage level and output handling may change).
   */
  public Map<String, Object> trajectorySettings() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("engine", engine);
    m.put("workers", engine.equals("spark") ? workers : 1);
    m.put("batch_size_per_worker", batchSize);
    m.put("averaging_frequency", engine.equals("spark") ? averagingFrequency : 0);
    m.put("training_approach", engine.equals("spark") ? approach : "none");
    m.put("seed", seed);
    m.put("variant", variant.name().toLowerCase(Locale.ROOT));
    m.put("kernels", kernels.name().toLowerCase(Locale.ROOT));
    m.put("updater", updater);
    m.put("learning_rate", learningRate);
    m.put("lr_decay_per_epoch", lrDecay);
    m.put("l2", l2);
    m.put("augment", augment);
    return m;
  }

  /** Every resolved setting, for run.json (locations without user-info, {@link Redact}). */
  public Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("data", Redact.uri(data));
    m.put("output", Redact.uri(output));
    m.putAll(trajectorySettings());
    m.put("workers", workers);
    m.put("averaging_frequency", averagingFrequency);
    m.put("training_approach", approach);
    m.put("epochs", epochs);
    m.put("worker_prefetch", prefetch);
    m.put("aggregation_depth", aggregationDepth);
    m.put("storage_level", storageLevel);
    m.put("repartition", repartition);
    m.put("export_dir", Redact.uri(exportDir));
    m.put("keep_checkpoints", keepCheckpoints);
    m.put("resume", resume);
    m.put("overwrite", overwrite);
    m.put("on_bad_checkpoint", onBadCheckpoint);
    return m;
  }
}
