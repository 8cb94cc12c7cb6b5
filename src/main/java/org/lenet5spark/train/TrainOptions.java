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
 * Every setting of a training run, typed and validated on creation, in four groups (the data,
 * Spark's parameter averaging, the optimiser, the run folder) around the settings that concern
 * the whole run. Built with {@link #builder}; the defaults live here and nowhere else: the
 * {@code DEFAULT_*} constants, which the CLI shows in {@code --help}, and the {@link Builder} that
 * starts from them. Every closed set of values is an enum whose {@link Choice#spelling} is what
 * the CLI accepts (in any case) and what {@code run.json} and the checkpoints record
 * ({@link #describe}, {@link #trajectorySettings}); a value outside it is bad input with the
 * message the CLI shows.
 *
 * @param engine how epochs are fitted
 * @param epochs total number of epochs of the run (a resumed run trains only the missing ones)
 * @param seed seed of weight initialisation, data splitting and shuffling
 * @param variant LeNet-5 variant
 * @param kernels how the convolution stages are computed (fused Java kernels or DL4J's layers)
 * @param data the prepared data and how it is cut into minibatches
 * @param spark DL4J's parameter averaging on Spark (the spark engine only)
 * @param optimiser updater, learning-rate schedule and regularisation
 * @param output the run folder and its checkpoints
 * @param selection the validation split, early stopping and which epoch becomes the model
 */
public record TrainOptions(Engine engine, int epochs, long seed, LeNet5.Variant variant,
    LeNet5.Kernels kernels, DataOptions data, SparkOptions spark, OptimiserOptions optimiser,
    OutputOptions output, SelectionOptions selection) {

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
  /**
   * Default averaging frequency (the first period of {@link #DEFAULT_AVERAGING_SCHEDULE}): 20,
   * chosen together with {@link #DEFAULT_LEARNING_RATE} and {@link #DEFAULT_LR_DECAY} for the
   * time to a validation accuracy (docs/benchmarks.md, "Issue 19: the default schedule").
   */
  public static final int DEFAULT_AVERAGING_FREQUENCY = 20;
  /** Default averaging period per epoch ({@link AveragingSchedule}): fixed. */
  public static final String DEFAULT_AVERAGING_SCHEDULE = "20";
  /**
   * Default {@code --warm-up}: minibatches each worker fits on a throwaway copy of the network
   * before the first epoch (docs/performance.md, round 5).
   */
  public static final int DEFAULT_WARM_UP = 0;
  /** Largest {@code --warm-up}. */
  public static final int MAX_WARM_UP = 100_000;
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
  /** Default data path of the Spark engine: chosen from the data size and the memory. */
  public static final String DEFAULT_DATA_PATH = "auto";
  /** Default repartitioning: only when needed (measured 4% faster than DL4J's "always"). */
  public static final String DEFAULT_REPARTITION = "when-needed";
  /** Default seed. */
  public static final long DEFAULT_SEED = 12345;
  /** Default LeNet-5 variant. */
  public static final String DEFAULT_VARIANT = "modern";
  /** Default kernels: fused on ND4J's CPU backend, stock on any other. */
  public static final String DEFAULT_KERNELS = "auto";
  /** Default updater. */
  public static final String DEFAULT_UPDATER = "adam";
  /**
   * Default learning rate: 4e-3 with {@link #DEFAULT_LR_DECAY} 0.7 and averaging every 20
   * minibatches reached 98.70% validation accuracy in 0.65x the training time of the former
   * 2e-3 / 0.8 / 10, by a rule written before the runs (docs/benchmarks.md, "Issue 19: the
   * default schedule"). Runs trained with the former defaults resume with
   * {@code --learning-rate 0.002 --lr-decay 0.8 --averaging-frequency 10}.
   */
  public static final double DEFAULT_LEARNING_RATE = 4e-3;
  /** Default per-epoch learning-rate decay (see {@link #DEFAULT_LEARNING_RATE}). */
  public static final double DEFAULT_LR_DECAY = 0.7;
  /**
   * Default L2: 5e-4, chosen on the validation split (never the test split) over 0, which
   * overfits: validation accuracy 98.94-99.10% over three seeds against 98.84% (docs/benchmarks.md,
   * "Issue 16: accuracy with a validation split").
   */
  public static final double DEFAULT_L2 = 5e-4;
  /** Default number of checkpoints kept. */
  public static final int DEFAULT_KEEP_CHECKPOINTS = 3;
  /** Default handling of an untrustworthy checkpoint on resume: refuse. */
  public static final String DEFAULT_ON_BAD_CHECKPOINT = "refuse";
  /**
   * Default validation split: {@link Validation#DEFAULT_COUNT} training images, or 1/12 of a
   * smaller training split (see {@link Validation#resolve}).
   */
  public static final String DEFAULT_VALIDATION = "default";
  /** Default early stopping: off. */
  public static final int DEFAULT_EARLY_STOPPING_PATIENCE = 0;
  /** Default metric of early stopping and model selection. */
  public static final String DEFAULT_EARLY_STOPPING_METRIC = "loss";
  /** Default epoch that becomes model.zip: the best on the validation split. */
  public static final String DEFAULT_KEEP = "best";

  public TrainOptions {
    require(engine != null && variant != null && kernels != null && data != null
        && spark != null && optimiser != null && output != null && selection != null,
        "incomplete training options");
    require(epochs >= 1 && epochs <= 100_000, "--epochs must be at least 1");
    require(!spark.distributedEval() || engine == Engine.SPARK,
        "--distributed-eval needs --engine spark (the local engine has no executors)");
  }

  /** One value of a closed set of an option's values. */
  public interface Choice {
    /** How the CLI, {@code run.json} and the checkpoints spell the value. */
    String spelling();
  }

  /** How epochs are fitted ({@code --engine}). */
  public enum Engine implements Choice {
    /** DL4J parameter averaging on Spark. */
    SPARK("spark"),
    /** Plain DL4J in one process, the baseline. */
    LOCAL("local");

    private final String spelling;

    Engine(String spelling) {
      this.spelling = spelling;
    }

    @Override
    public String spelling() {
      return spelling;
    }

    /** The engine spelled {@code value} (any case), else bad input. */
    public static Engine parse(String value) {
      return choose(values(), "--engine", value);
    }
  }

  /**
   * DL4J's RDD training approach ({@code --training-approach}): "export" (minibatches saved once
   * to the export folder and reused every epoch), "direct" (the cached RDD is split every
   * averaging round) or "auto" (direct with a local master, export on a cluster where DL4J
   * supports it).
   */
  public enum Approach implements Choice {
    /** Direct with a local master, export on a cluster. */
    AUTO("auto"),
    /** Minibatches exported once, reused every epoch. */
    EXPORT("export"),
    /** The cached RDD split every averaging round. */
    DIRECT("direct");

    private final String spelling;

    Approach(String spelling) {
      this.spelling = spelling;
    }

    @Override
    public String spelling() {
      return spelling;
    }

    /** The approach spelled {@code value} (any case), else bad input. */
    public static Approach parse(String value) {
      return choose(values(), "--training-approach", value);
    }
  }

  /**
   * When DL4J repartitions each averaging round's data ({@code --repartition}): always (DL4J's
   * default: a shuffle every round), only when the partition count differs from the workers, or
   * never.
   */
  public enum Repartitioning implements Choice {
    /** A shuffle every round. */
    ALWAYS("always"),
    /** Only when the partition count differs from the workers. */
    WHEN_NEEDED("when-needed"),
    /** Never. */
    NEVER("never");

    private final String spelling;

    Repartitioning(String spelling) {
      this.spelling = spelling;
    }

    @Override
    public String spelling() {
      return spelling;
    }

    /** The repartitioning spelled {@code value} (any case), else bad input. */
    public static Repartitioning parse(String value) {
      return choose(values(), "--repartition", value);
    }
  }

  /** The updater ({@code --updater}). */
  public enum Updater implements Choice {
    /** Adam (the fused kernels' own implementation for a fused network). */
    ADAM("adam"),
    /** Nesterov momentum 0.9. */
    NESTEROV("nesterov"),
    /** Plain SGD. */
    SGD("sgd");

    private final String spelling;

    Updater(String spelling) {
      this.spelling = spelling;
    }

    @Override
    public String spelling() {
      return spelling;
    }

    /** The updater spelled {@code value} (any case), else bad input. */
    public static Updater parse(String value) {
      return choose(values(), "--updater", value);
    }
  }

  /**
   * Spark storage level of the training RDD ({@code --storage-level}): exactly the names that
   * Spark's {@link StorageLevel#fromString} accepts, spelled as Spark spells them.
   */
  public enum Storage implements Choice {
    /** Not stored. */
    NONE,
    /** On disk. */
    DISK_ONLY,
    /** On disk, twice. */
    DISK_ONLY_2,
    /** On disk, three times. */
    DISK_ONLY_3,
    /** Deserialised objects in memory. */
    MEMORY_ONLY,
    /** Deserialised objects in memory, twice. */
    MEMORY_ONLY_2,
    /** Serialised in memory. */
    MEMORY_ONLY_SER,
    /** Serialised in memory, twice. */
    MEMORY_ONLY_SER_2,
    /** In memory, spilling to disk. */
    MEMORY_AND_DISK,
    /** In memory, spilling to disk, twice. */
    MEMORY_AND_DISK_2,
    /** Serialised in memory, spilling to disk. */
    MEMORY_AND_DISK_SER,
    /** Serialised in memory, spilling to disk, twice. */
    MEMORY_AND_DISK_SER_2,
    /** Off the heap. */
    OFF_HEAP;

    @Override
    public String spelling() {
      return name();
    }

    /** Spark's storage level of this name. */
    public StorageLevel level() {
      return StorageLevel.fromString(name());
    }

    /** The storage level named {@code value} (any case), else bad input. */
    public static Storage parse(String value) {
      String name = value == null ? "" : value.toUpperCase(Locale.ROOT);
      for (Storage s : values()) {
        if (s.name().equals(name)) {
          return s;
        }
      }
      throw new BadInputException("--storage-level: unknown Spark storage level " + name);
    }
  }

  /**
   * How the Spark engine feeds the training split to its workers ({@code --data-path}):
   * "cached" (one RDD of every minibatch, cached at the storage level, split by DL4J every
   * averaging round), "stream" (each round reads its examples from the shards,
   * {@code data.ShardStream}: executor memory does not grow with the data) or "auto" (stream
   * when the estimated cached size exceeds the cache budget).
   */
  public enum DataPath implements Choice {
    /** Stream when the cached split would exceed the cache budget, else cache. */
    AUTO("auto"),
    /** One cached RDD of every minibatch. */
    CACHED("cached"),
    /** Every round reads its examples from the shards. */
    STREAM("stream");

    private final String spelling;

    DataPath(String spelling) {
      this.spelling = spelling;
    }

    @Override
    public String spelling() {
      return spelling;
    }

    /** The data path spelled {@code value} (any case), else bad input. */
    public static DataPath parse(String value) {
      return choose(values(), "--data-path", value);
    }
  }

  /**
   * What {@code --resume} does when the newest checkpoint cannot be trusted
   * ({@code --on-bad-checkpoint}).
   */
  public enum OnBadCheckpoint implements Choice {
    /** Exit 3, nothing written. */
    REFUSE("refuse"),
    /** Fall back to the newest older checkpoint that can be trusted (never to none). */
    PREVIOUS("previous");

    private final String spelling;

    OnBadCheckpoint(String spelling) {
      this.spelling = spelling;
    }

    @Override
    public String spelling() {
      return spelling;
    }

    /** The handling spelled {@code value} (any case), else bad input. */
    public static OnBadCheckpoint parse(String value) {
      return choose(values(), "--on-bad-checkpoint", value);
    }
  }

  /** The validation metric early stopping watches and the best epoch is chosen by. */
  public enum SelectionMetric implements Choice {
    /** Mean cross-entropy on the validation split, lower is better. */
    LOSS("loss"),
    /** Accuracy on the validation split, higher is better. */
    ACCURACY("accuracy");

    private final String spelling;

    SelectionMetric(String spelling) {
      this.spelling = spelling;
    }

    @Override
    public String spelling() {
      return spelling;
    }

    /** Whether a lower value is better. */
    public boolean minimize() {
      return this == LOSS;
    }

    /** The metric spelled {@code value} (any case), else bad input. */
    public static SelectionMetric parse(String value) {
      return choose(values(), "--early-stopping-metric", value);
    }
  }

  /** Which epoch's parameters become {@code model.zip} ({@code --keep}). */
  public enum Keep implements Choice {
    /** The epoch with the best validation metric (the last epoch when validation is off). */
    BEST("best"),
    /** The last epoch trained. */
    LAST("last");

    private final String spelling;

    Keep(String spelling) {
      this.spelling = spelling;
    }

    @Override
    public String spelling() {
      return spelling;
    }

    /** The choice spelled {@code value} (any case), else bad input. */
    public static Keep parse(String value) {
      return choose(values(), "--keep", value);
    }
  }

  /**
   * How many training images {@code --validation} holds out: {@code count} images, a
   * {@code fraction} of the training split, none ({@code 0}), or by default
   * {@link #DEFAULT_COUNT} images, fewer for small splits (see {@link #resolve}).
   *
   * @param spelling the value as given ({@code default}, a count such as {@code 5000}, or a
   *     fraction such as {@code 0.1})
   * @param count the count, or -1 for a fraction or the default
   * @param fraction the fraction in (0, 1), or NaN
   */
  public record Validation(String spelling, long count, double fraction) {
    /** Images the default holds out of a large training split (the usual for MNIST). */
    public static final long DEFAULT_COUNT = 5000;
    /** The default holds out at most 1/12 of the training split (60,000 / 12 = 5,000). */
    public static final int DEFAULT_DIVISOR = 12;

    /**
     * Parses {@code --validation}: {@code default}, {@code 0} (off), a whole count or a fraction
     * in (0, 1); anything else (negative, not a number, a fraction of 1 or more) is bad input.
     */
    public static Validation parse(String value) {
      String v = value == null ? "" : value.trim();
      if (v.equalsIgnoreCase(DEFAULT_VALIDATION)) {
        return new Validation(DEFAULT_VALIDATION, -1, Double.NaN);
      }
      if (v.matches("\\d{1,12}")) {
        return new Validation(Long.toString(Long.parseLong(v)), Long.parseLong(v), Double.NaN);
      }
      double f;
      try {
        f = Double.parseDouble(v);
      } catch (NumberFormatException e) {
        f = Double.NaN;
      }
      require(Double.isFinite(f) && f > 0 && f < 1 && v.matches("[0-9.eE+-]+"),
          "--validation must be a count of images (0: none) or a fraction in (0, 1), got '"
          + value + "'");
      return new Validation(v, -1, f);
    }

    /** Whether validation is off ({@code 0}). */
    public boolean off() {
      return count == 0;
    }

    /**
     * The number of images held out of a training split of {@code n}: the count, the fraction
     * rounded to the nearest image, or by default {@code min(5000, floor(n / 12))} but at least
     * {@code classes} (one image per class present) so that even a small test data set is
     * validated on every class.
     */
    public long resolve(long n, int classes) {
      if (count >= 0) {
        return count;
      }
      if (!Double.isNaN(fraction)) {
        return Math.round(fraction * n);
      }
      return Math.max(Math.min(DEFAULT_COUNT, n / DEFAULT_DIVISOR), classes);
    }

    /** How the count was chosen, for run.json. */
    public String rule() {
      if (count >= 0) {
        return count == 0 ? "off (--validation 0)" : "count " + count;
      }
      if (!Double.isNaN(fraction)) {
        return "fraction " + spelling + " of the training split, rounded";
      }
      return "default: min(" + DEFAULT_COUNT + ", training images / " + DEFAULT_DIVISOR
          + "), at least one per class";
    }
  }

  /**
   * The validation split and model selection.
   *
   * @param validation how many training images are held out for validation
   * @param patience epochs without improvement of the validation metric after which the run
   *     stops (0: no early stopping)
   * @param metric the validation metric watched and selected on
   * @param keep which epoch becomes {@code model.zip}
   */
  public record SelectionOptions(Validation validation, int patience, SelectionMetric metric,
      Keep keep) {
    public SelectionOptions {
      require(validation != null && metric != null && keep != null,
          "incomplete model-selection options");
      require(patience >= 0 && patience <= 100_000,
          "--early-stopping-patience must be 0 (off) or more");
      require(patience == 0 || !validation.off(), "--early-stopping-patience needs a "
          + "validation split (--validation is 0)");
    }
  }

  /**
   * The data and how it is cut into minibatches.
   *
   * @param dir prepared data folder (output of {@code prepare})
   * @param batchSize minibatch size per worker
   * @param augment random affine distortions of the training images, on the workers
   */
  public record DataOptions(Path dir, int batchSize, boolean augment) {
    public DataOptions {
      require(dir != null, "--data is required");
      require(batchSize >= 1 && batchSize <= MAX_BATCH_SIZE, "--batch-size must be between 1 "
          + "and " + MAX_BATCH_SIZE + ", got " + batchSize);
    }
  }

  /**
   * DL4J's parameter averaging on Spark.
   *
   * @param workers parameter-averaging workers (Spark task slots used for training)
   * @param averaging minibatches each worker fits between two averagings, epoch by epoch
   * @param prefetch minibatches each worker prefetches asynchronously (0: none)
   * @param aggregationDepth levels of Spark's tree aggregation of the workers' parameters
   * @param approach DL4J's RDD training approach
   * @param storageLevel Spark storage level of the training RDD
   * @param repartition when DL4J repartitions each averaging round's data
   * @param exportDir folder for exported minibatches, on the same file system as the output
   *     (null: {@code <output>/_scratch})
   * @param dataPath how the training split reaches the workers
   * @param cacheBudget bytes the cached training split may take on the executors before "auto"
   *     streams it (0: half the executors' memory)
   * @param distributedEval evaluate the test split on the executors after every epoch
   *     ({@code --distributed-eval}; without it, on the driver below
   *     {@code eval.DistributedEvaluator.AUTO_THRESHOLD} test examples and on the executors from
   *     there on)
   * @param warmUp minibatches each worker fits on a throwaway copy of the network before the
   *     first epoch ({@code --warm-up}; 0: none), so the JIT compiles the kernels first
   */
  public record SparkOptions(int workers, AveragingSchedule averaging, int prefetch,
      int aggregationDepth, Approach approach, Storage storageLevel, Repartitioning repartition,
      Path exportDir, DataPath dataPath, long cacheBudget, boolean distributedEval,
      int warmUp) {

    /** The options with a fixed averaging period, the default data path and cache budget. */
    public SparkOptions(int workers, int averagingFrequency, int prefetch, int aggregationDepth,
        Approach approach, Storage storageLevel, Repartitioning repartition, Path exportDir) {
      this(workers, AveragingSchedule.fixed(averagingFrequency), prefetch, aggregationDepth,
          approach, storageLevel, repartition, exportDir, DataPath.parse(DEFAULT_DATA_PATH), 0,
          false, DEFAULT_WARM_UP);
    }

    public SparkOptions {
      require(workers >= 1 && workers <= 100_000, "--workers must be at least 1");
      require(averaging != null, "--averaging-frequency is required");
      require(prefetch >= 0, "--prefetch must be 0 or more");
      require(aggregationDepth >= 1 && aggregationDepth <= 10,
          "--aggregation-depth must be between 1 and 10");
      require(approach != null, "--training-approach is required");
      require(storageLevel != null, "--storage-level is required");
      require(repartition != null, "--repartition is required");
      require(dataPath != null, "--data-path is required");
      require(cacheBudget >= 0, "--cache-budget must be 0 (automatic) or more bytes");
      require(warmUp >= 0 && warmUp <= MAX_WARM_UP, "--warm-up must be between 0 and "
          + MAX_WARM_UP + " minibatches, got " + warmUp);
    }

    /**
     * The averaging period of the first epoch: the fixed period when the schedule has one, and
     * the unit of the streaming path's blocks (every period is a multiple of it).
     */
    public int averagingFrequency() {
      return averaging.first();
    }
  }

  /**
   * The optimiser.
   *
   * @param updater the updater
   * @param learningRate initial learning rate
   * @param lrDecay factor applied to the learning rate after every epoch (1: constant)
   * @param l2 L2 regularisation coefficient (0: none)
   */
  public record OptimiserOptions(Updater updater, double learningRate, double lrDecay,
      double l2) {
    public OptimiserOptions {
      require(updater != null, "--updater is required");
      require(learningRate > 0 && Double.isFinite(learningRate), "--learning-rate must be > 0");
      require(lrDecay > 0 && lrDecay <= 1, "--lr-decay must be in (0, 1]");
      require(l2 >= 0 && Double.isFinite(l2), "--l2 must be 0 or more");
    }

    /** Learning rate of a 1-based epoch. */
    public double learningRateAt(int epoch) {
      return learningRate * Math.pow(lrDecay, epoch - 1);
    }

    /** A new updater instance with the initial learning rate, for a network with {@code k}. */
    public IUpdater newUpdater(LeNet5.Kernels k) {
      return switch (updater) {
        case NESTEROV -> new Nesterovs(learningRate, 0.9);
        case SGD -> new Sgd(learningRate);
        // the same Adam as one Java loop, with the (CPU-only) fused layers; a stock model keeps
        // DL4J's own Adam so that it restores with DL4J alone (docs/performance.md)
        case ADAM -> k == LeNet5.Kernels.FUSED ? new FusedAdam(learningRate)
            : new Adam(learningRate);
      };
    }
  }

  /**
   * The run folder.
   *
   * @param dir run folder to create
   * @param resume continue from the latest complete checkpoint (a complete run is a no-op)
   * @param overwrite replace an existing run folder
   * @param keepCheckpoints number of most recent checkpoints kept
   * @param onBadCheckpoint what {@code --resume} does when the newest checkpoint cannot be
   *     trusted
   */
  public record OutputOptions(Path dir, boolean resume, boolean overwrite, int keepCheckpoints,
      OnBadCheckpoint onBadCheckpoint) {
    public OutputOptions {
      require(dir != null, "--output is required");
      require(keepCheckpoints >= 1, "--keep-checkpoints must be at least 1");
      require(!(resume && overwrite), "--resume and --overwrite exclude each other");
      require(onBadCheckpoint != null, "--on-bad-checkpoint is required");
    }

    /** Whether {@code --resume} may fall back to an older checkpoint when the newest is refused. */
    public boolean fallBackToPreviousCheckpoint() {
      return onBadCheckpoint == OnBadCheckpoint.PREVIOUS;
    }
  }

  /** A builder that starts from the defaults, for the data {@code data} and run {@code output}. */
  public static Builder builder(Path data, Path output) {
    return new Builder(data, output);
  }

  /** Options with the defaults for everything but the two locations. */
  public static TrainOptions defaults(Path data, Path output) {
    return builder(data, output).build();
  }

  /** A builder holding these options. */
  public Builder toBuilder() {
    return new Builder(data.dir(), output.dir()).engine(engine).epochs(epochs).seed(seed)
        .variant(variant).kernels(kernels).batchSize(data.batchSize()).augment(data.augment())
        .workers(spark.workers()).averagingSchedule(spark.averaging())
        .prefetch(spark.prefetch()).aggregationDepth(spark.aggregationDepth())
        .approach(spark.approach()).storageLevel(spark.storageLevel())
        .repartition(spark.repartition()).exportDir(spark.exportDir())
        .dataPath(spark.dataPath()).cacheBudget(spark.cacheBudget())
        .distributedEval(spark.distributedEval()).warmUp(spark.warmUp())
        .updater(optimiser.updater()).learningRate(optimiser.learningRate())
        .lrDecay(optimiser.lrDecay()).l2(optimiser.l2()).resume(output.resume())
        .overwrite(output.overwrite()).keepCheckpoints(output.keepCheckpoints())
        .onBadCheckpoint(output.onBadCheckpoint()).validation(selection.validation())
        .earlyStoppingPatience(selection.patience()).earlyStoppingMetric(selection.metric())
        .keep(selection.keep());
  }

  /** Builds {@link TrainOptions} by name, starting from the defaults; validated by build. */
  public static final class Builder {
    private final Path data;
    private final Path output;
    private Engine engine = Engine.parse(DEFAULT_ENGINE);
    private int epochs = DEFAULT_EPOCHS;
    private long seed = DEFAULT_SEED;
    private LeNet5.Variant variant = LeNet5.Variant.parse(DEFAULT_VARIANT);
    // null: DEFAULT_KERNELS, resolved by build() (it asks ND4J for its backend)
    private LeNet5.Kernels kernels;
    private int batchSize = DEFAULT_BATCH_SIZE;
    private boolean augment;
    private int workers = DEFAULT_WORKERS;
    private AveragingSchedule averaging = AveragingSchedule.parse(DEFAULT_AVERAGING_SCHEDULE);
    // a fixed period set by averagingFrequency(int), checked when built (0: none)
    private int averagingPeriod;
    private int prefetch = DEFAULT_PREFETCH;
    private int warmUp = DEFAULT_WARM_UP;
    private int aggregationDepth = DEFAULT_AGGREGATION_DEPTH;
    private Approach approach = Approach.parse(DEFAULT_APPROACH);
    private Storage storageLevel = Storage.parse(DEFAULT_STORAGE_LEVEL);
    private Repartitioning repartition = Repartitioning.parse(DEFAULT_REPARTITION);
    private Path exportDir;
    private DataPath dataPath = DataPath.parse(DEFAULT_DATA_PATH);
    private long cacheBudget;
    private boolean distributedEval;
    private Updater updater = Updater.parse(DEFAULT_UPDATER);
    private double learningRate = DEFAULT_LEARNING_RATE;
    private double lrDecay = DEFAULT_LR_DECAY;
    private double l2 = DEFAULT_L2;
    private boolean resume;
    private boolean overwrite;
    private int keepCheckpoints = DEFAULT_KEEP_CHECKPOINTS;
    private OnBadCheckpoint onBadCheckpoint = OnBadCheckpoint.parse(DEFAULT_ON_BAD_CHECKPOINT);
    private Validation validation = Validation.parse(DEFAULT_VALIDATION);
    private int patience = DEFAULT_EARLY_STOPPING_PATIENCE;
    private SelectionMetric metric = SelectionMetric.parse(DEFAULT_EARLY_STOPPING_METRIC);
    private Keep keep = Keep.parse(DEFAULT_KEEP);

    private Builder(Path data, Path output) {
      this.data = data;
      this.output = output;
    }

    /** {@link TrainOptions#engine}. */
    public Builder engine(Engine value) {
      engine = value;
      return this;
    }

    /** {@link TrainOptions#epochs}. */
    public Builder epochs(int value) {
      epochs = value;
      return this;
    }

    /** {@link TrainOptions#seed}. */
    public Builder seed(long value) {
      seed = value;
      return this;
    }

    /** {@link TrainOptions#variant}. */
    public Builder variant(LeNet5.Variant value) {
      variant = value;
      return this;
    }

    /** {@link TrainOptions#kernels}. */
    public Builder kernels(LeNet5.Kernels value) {
      kernels = value;
      return this;
    }

    /** {@link DataOptions#batchSize}. */
    public Builder batchSize(int value) {
      batchSize = value;
      return this;
    }

    /** {@link DataOptions#augment}. */
    public Builder augment(boolean value) {
      augment = value;
      return this;
    }

    /** {@link SparkOptions#workers}. */
    public Builder workers(int value) {
      workers = value;
      return this;
    }

    /** A fixed {@link SparkOptions#averaging} period (validated by build). */
    public Builder averagingFrequency(int value) {
      averagingPeriod = value;
      averaging = null;
      return this;
    }

    /** {@link SparkOptions#averaging}. */
    public Builder averagingSchedule(AveragingSchedule value) {
      averaging = value;
      averagingPeriod = 0;
      return this;
    }

    /** {@link SparkOptions#warmUp}. */
    public Builder warmUp(int value) {
      warmUp = value;
      return this;
    }

    /** {@link SparkOptions#prefetch}. */
    public Builder prefetch(int value) {
      prefetch = value;
      return this;
    }

    /** {@link SparkOptions#aggregationDepth}. */
    public Builder aggregationDepth(int value) {
      aggregationDepth = value;
      return this;
    }

    /** {@link SparkOptions#approach}. */
    public Builder approach(Approach value) {
      approach = value;
      return this;
    }

    /** {@link SparkOptions#storageLevel}. */
    public Builder storageLevel(Storage value) {
      storageLevel = value;
      return this;
    }

    /** {@link SparkOptions#repartition}. */
    public Builder repartition(Repartitioning value) {
      repartition = value;
      return this;
    }

    /** {@link SparkOptions#exportDir} (null: under the run folder). */
    public Builder exportDir(Path value) {
      exportDir = value;
      return this;
    }

    /** {@link SparkOptions#dataPath}. */
    public Builder dataPath(DataPath value) {
      dataPath = value;
      return this;
    }

    /** {@link SparkOptions#distributedEval}. */
    public Builder distributedEval(boolean value) {
      distributedEval = value;
      return this;
    }

    /** {@link SparkOptions#cacheBudget} (0: automatic). */
    public Builder cacheBudget(long value) {
      cacheBudget = value;
      return this;
    }

    /** {@link OptimiserOptions#updater}. */
    public Builder updater(Updater value) {
      updater = value;
      return this;
    }

    /** {@link OptimiserOptions#learningRate}. */
    public Builder learningRate(double value) {
      learningRate = value;
      return this;
    }

    /** {@link OptimiserOptions#lrDecay}. */
    public Builder lrDecay(double value) {
      lrDecay = value;
      return this;
    }

    /** {@link OptimiserOptions#l2}. */
    public Builder l2(double value) {
      l2 = value;
      return this;
    }

    /** {@link OutputOptions#resume}. */
    public Builder resume(boolean value) {
      resume = value;
      return this;
    }

    /** {@link OutputOptions#overwrite}. */
    public Builder overwrite(boolean value) {
      overwrite = value;
      return this;
    }

    /** {@link OutputOptions#keepCheckpoints}. */
    public Builder keepCheckpoints(int value) {
      keepCheckpoints = value;
      return this;
    }

    /** {@link OutputOptions#onBadCheckpoint}. */
    public Builder onBadCheckpoint(OnBadCheckpoint value) {
      onBadCheckpoint = value;
      return this;
    }

    /** {@link SelectionOptions#validation}. */
    public Builder validation(Validation value) {
      validation = value;
      return this;
    }

    /** {@link SelectionOptions#patience}. */
    public Builder earlyStoppingPatience(int value) {
      patience = value;
      return this;
    }

    /** {@link SelectionOptions#metric}. */
    public Builder earlyStoppingMetric(SelectionMetric value) {
      metric = value;
      return this;
    }

    /** {@link SelectionOptions#keep}. */
    public Builder keep(Keep value) {
      keep = value;
      return this;
    }

    /** The options, validated ({@link BadInputException} naming the flag at fault). */
    public TrainOptions build() {
      DataOptions d = new DataOptions(data, batchSize, augment);
      SparkOptions s = new SparkOptions(workers, averaging != null ? averaging
          : AveragingSchedule.fixed(averagingPeriod), prefetch, aggregationDepth,
          approach, storageLevel, repartition, exportDir, dataPath, cacheBudget,
          distributedEval, warmUp);
      OptimiserOptions opt = new OptimiserOptions(updater, learningRate, lrDecay, l2);
      OutputOptions out = new OutputOptions(output, resume, overwrite, keepCheckpoints,
          onBadCheckpoint);
      SelectionOptions sel = new SelectionOptions(validation, patience, metric, keep);
      return new TrainOptions(engine, epochs, seed, variant,
          kernels != null ? kernels : LeNet5.Kernels.parse(DEFAULT_KERNELS), d, s, opt, out,
          sel);
    }
  }

  private static <E extends Enum<E> & Choice> E choose(E[] all, String flag, String value) {
    String spelled = value == null ? "" : value.toLowerCase(Locale.ROOT);
    StringBuilder expected = new StringBuilder();
    for (int i = 0; i < all.length; i++) {
      if (all[i].spelling().equals(spelled)) {
        return all[i];
      }
      expected.append(i == 0 ? "" : i == all.length - 1 ? " or " : ", ")
          .append(all[i].spelling());
    }
    throw new BadInputException(flag + " must be " + expected);
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new BadInputException(message);
    }
  }

  /** A new updater instance with the initial learning rate, for the run's kernels. */
  public IUpdater newUpdater() {
    return optimiser.newUpdater(kernels);
  }

  /** A new updater instance with the initial learning rate, for a network with {@code k}. */
  public IUpdater newUpdater(LeNet5.Kernels k) {
    return optimiser.newUpdater(k);
  }

  /**
   * The settings that shape the training trajectory; a run may only be resumed with the same
   * values (the number of epochs, prefetch, storage level and output handling may change). The
   * keys and value spellings are those of every earlier version: a resume compares them with the
   * checkpoint's, as text.
   */
  public Map<String, Object> trajectorySettings() {
    boolean onSpark = engine == Engine.SPARK;
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("engine", engine.spelling());
    m.put("workers", onSpark ? spark.workers() : 1);
    m.put("batch_size_per_worker", data.batchSize());
    // a fixed period as the number every earlier version recorded, a schedule as its text
    m.put("averaging_frequency", onSpark ? spark.averaging().recorded() : 0);
    m.put("training_approach", onSpark ? spark.approach().spelling() : "none");
    m.put("seed", seed);
    m.put("variant", variant.name().toLowerCase(Locale.ROOT));
    m.put("kernels", kernels.name().toLowerCase(Locale.ROOT));
    m.put("updater", optimiser.updater().spelling());
    m.put("learning_rate", optimiser.learningRate());
    m.put("lr_decay_per_epoch", optimiser.lrDecay());
    m.put("l2", optimiser.l2());
    m.put("augment", data.augment());
    if (onSpark && spark.dataPath() == DataPath.STREAM) {
      // absent otherwise, as in the checkpoints of earlier versions (all cached)
      m.put("data_path", spark.dataPath().spelling());
    }
    return m;
  }

  /** Every resolved setting, for run.json (locations without user-info, {@link Redact}). */
  public Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("data", Redact.uri(data.dir()));
    m.put("output", Redact.uri(output.dir()));
    m.putAll(trajectorySettings());
    m.put("workers", spark.workers());
    m.put("averaging_frequency", spark.averaging().recorded());
    m.put("averaging_schedule", spark.averaging().periods());
    if (engine == Engine.SPARK) {
      // the period each epoch of the run uses (the local engine does not average)
      m.put("averaging_periods", spark.averaging().periodsOfEpochs(epochs));
    }
    m.put("training_approach", spark.approach().spelling());
    m.put("epochs", epochs);
    m.put("worker_prefetch", spark.prefetch());
    m.put("aggregation_depth", spark.aggregationDepth());
    m.put("storage_level", spark.storageLevel().spelling());
    m.put("repartition", spark.repartition().spelling());
    m.put("data_path", spark.dataPath().spelling());
    m.put("cache_budget", spark.cacheBudget());
    m.put("distributed_eval", spark.distributedEval());
    m.put("warm_up", spark.warmUp());
    m.put("export_dir", Redact.uri(spark.exportDir()));
    m.put("keep_checkpoints", output.keepCheckpoints());
    m.put("resume", output.resume());
    m.put("overwrite", output.overwrite());
    m.put("on_bad_checkpoint", output.onBadCheckpoint().spelling());
    m.put("validation", selection.validation().spelling());
    m.put("early_stopping_patience", selection.patience());
    m.put("early_stopping_metric", selection.metric().spelling());
    m.put("keep", selection.keep().spelling());
    return m;
  }
}
