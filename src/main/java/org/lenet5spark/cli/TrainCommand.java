package org.lenet5spark.cli;

import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.network.util.JavaUtils;
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.io.Redact;
import org.lenet5spark.model.LeNet5;
import org.lenet5spark.spark.SparkContexts;
import org.lenet5spark.spark.StageResources;
import org.lenet5spark.train.AveragingSchedule;
import org.lenet5spark.train.TrainOptions;
import org.lenet5spark.train.TrainingRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** CLI of the {@code train} stage ({@link TrainingRun}); runs after {@code prepare}. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Train LeNet-5 with DL4J Spark parameter averaging (or --engine local); "
        + "evaluate after every epoch; checkpoint; write model.zip, metrics and run.json.")
final class TrainCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Mixin
  CommonOptions common;

  @Option(names = "--data", required = true, paramLabel = "URI",
      description = "Output folder of 'prepare'.")
  String data;

  @Option(names = "--output", required = true, paramLabel = "URI",
      description = "Run folder to create (or to resume).")
  String output;

  @Option(names = "--engine", defaultValue = TrainOptions.DEFAULT_ENGINE,
      paramLabel = "spark|local",
      description = "spark: DL4J parameter averaging; local: plain DL4J in this process, the "
          + "baseline (default: ${DEFAULT-VALUE}).")
  String engine;

  @Option(names = "--epochs", defaultValue = "" + TrainOptions.DEFAULT_EPOCHS,
      description = "Total epochs of the run (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(names = "--workers", defaultValue = "" + TrainOptions.DEFAULT_WORKERS,
      description = "Parameter-averaging workers (default: ${DEFAULT-VALUE}).")
  int workers;

  @Option(names = "--batch-size", defaultValue = "" + TrainOptions.DEFAULT_BATCH_SIZE,
      description = "Minibatch size per worker, 1-" + TrainOptions.MAX_BATCH_SIZE
          + " (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--averaging-frequency",
      defaultValue = TrainOptions.DEFAULT_AVERAGING_SCHEDULE, paramLabel = "F[,F2,...]",
      description = "Minibatches per worker between averagings: one period, or one per epoch "
          + "(e.g. 10,20,40,80: the last repeats), each a multiple of the first; "
          + "ignored by --engine local (default: ${DEFAULT-VALUE}).")
  String averagingFrequency;

  @Option(names = "--prefetch", defaultValue = "" + TrainOptions.DEFAULT_PREFETCH,
      description = "Minibatches prefetched per worker (default: ${DEFAULT-VALUE}).")
  int prefetch;

  @Option(names = "--warm-up", defaultValue = "" + TrainOptions.DEFAULT_WARM_UP,
      description = "Spark engine: minibatches each worker fits on a throwaway copy of the "
          + "network before the first epoch, so the JIT compiles the kernels first; 0: none "
          + "(default: ${DEFAULT-VALUE}).")
  int warmUp;

  @Option(names = "--aggregation-depth",
      defaultValue = "" + TrainOptions.DEFAULT_AGGREGATION_DEPTH,
      description = "Levels of Spark's tree aggregation of the parameters (default: "
          + "${DEFAULT-VALUE}).")
  int aggregationDepth;

  @Option(names = "--training-approach", defaultValue = TrainOptions.DEFAULT_APPROACH,
      paramLabel = "auto|export|direct",
      description = "DL4J's RDD training approach; auto: direct with a local master, export on "
          + "a cluster (default: ${DEFAULT-VALUE}).")
  String approach;

  @Option(names = "--storage-level", defaultValue = TrainOptions.DEFAULT_STORAGE_LEVEL,
      description = "Spark storage level of the training RDD (default: ${DEFAULT-VALUE}).")
  String storageLevel;

  @Option(names = "--data-path", defaultValue = TrainOptions.DEFAULT_DATA_PATH,
      paramLabel = "auto|cached|stream",
      description = "Spark engine: cache the training minibatches on the executors, or stream "
          + "every averaging round's examples from the shards (memory flat as the data grows); "
          + "auto streams when the cached split would exceed --cache-budget (default: "
          + "${DEFAULT-VALUE}).")
  String dataPath;

  @Option(names = "--cache-budget", paramLabel = "SIZE",
      description = "Largest estimated size (e.g. 512m, 4g) of the cached training split before "
          + "--data-path auto streams it (default: half the executors' memory).")
  String cacheBudget;

  @Option(names = "--distributed-eval",
      description = "Evaluate the test split on the executors after every epoch (the averaged "
          + "model broadcast once, one task per shard; the same confusion matrix as on the "
          + "driver). Automatic from 200,000 test examples; the validation split is always "
          + "evaluated on the driver.")
  boolean distributedEval;

  @Option(names = "--repartition", defaultValue = TrainOptions.DEFAULT_REPARTITION,
      paramLabel = "always|when-needed|never",
      description = "When DL4J repartitions each averaging round's data (default: "
          + "${DEFAULT-VALUE}).")
  String repartition;

  @Option(names = "--export-dir", paramLabel = "URI",
      description = "Folder for DL4J's exported minibatches, on the output's file system "
          + "(default: <output>/_scratch, removed at the end).")
  String exportDir;

  @Option(names = "--seed", defaultValue = "" + TrainOptions.DEFAULT_SEED,
      description = "Random seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--variant", defaultValue = TrainOptions.DEFAULT_VARIANT,
      paramLabel = "modern|classic",
      description = "LeNet-5 variant (default: ${DEFAULT-VALUE}).")
  String variant;

  @Option(names = "--kernels", defaultValue = TrainOptions.DEFAULT_KERNELS,
      paramLabel = "auto|fused|stock",
      description = "How the convolution + pooling stages are computed: this project's fused "
          + "Java kernels, DL4J's stock layers, or auto (fused on ND4J's CPU backend, stock on "
          + "CUDA) (default: ${DEFAULT-VALUE}).")
  String kernels;

  @Option(names = "--updater", defaultValue = TrainOptions.DEFAULT_UPDATER,
      paramLabel = "adam|nesterov|sgd", description = "Updater (default: ${DEFAULT-VALUE}).")
  String updater;

  @Option(names = "--learning-rate", defaultValue = "" + TrainOptions.DEFAULT_LEARNING_RATE,
      description = "Initial learning rate (default: ${DEFAULT-VALUE}).")
  double learningRate;

  @Option(names = "--lr-decay", defaultValue = "" + TrainOptions.DEFAULT_LR_DECAY,
      description = "Learning-rate factor per epoch, exponential schedule; 1 keeps it "
          + "constant (default: ${DEFAULT-VALUE}).")
  double lrDecay;

  @Option(names = "--l2", defaultValue = "" + TrainOptions.DEFAULT_L2,
      description = "L2 regularisation (default: ${DEFAULT-VALUE}).")
  double l2;

  @Option(names = "--augment",
      description = "Random affine distortions of the training images, on the workers.")
  boolean augment;

  @Option(names = "--resume",
      description = "Continue from the latest checkpoint (same data and settings, else exit 3); "
          + "a complete run with more --epochs is extended, with as many or fewer it is a "
          + "no-op.")
  boolean resume;

  @Option(names = "--on-bad-checkpoint", defaultValue = TrainOptions.DEFAULT_ON_BAD_CHECKPOINT,
      paramLabel = "refuse|previous",
      description = "With --resume, when the newest checkpoint is unreadable or disagrees with "
          + "the run: refuse (exit 3) or fall back to the newest older checkpoint that is sound "
          + "(never to training from scratch) (default: ${DEFAULT-VALUE}).")
  String onBadCheckpoint;

  @Option(names = "--overwrite",
      description = "Replace a run of this job (never any other folder); the old run stays "
          + "until the new one is complete.")
  boolean overwrite;

  @Option(names = "--keep-checkpoints", defaultValue = "" + TrainOptions.DEFAULT_KEEP_CHECKPOINTS,
      description = "Most recent checkpoints kept (default: ${DEFAULT-VALUE}).")
  int keepCheckpoints;

  @Option(names = "--validation", defaultValue = TrainOptions.DEFAULT_VALIDATION,
      paramLabel = "N",
      description = "Training images held out for validation, never trained on: a count, a "
          + "fraction in (0, 1), or 0 for none; seeded by --seed and stratified by class "
          + "(default: 5000, or 1/12 of a smaller training split, at least one per class).")
  String validation;

  @Option(names = "--early-stopping-patience",
      defaultValue = "" + TrainOptions.DEFAULT_EARLY_STOPPING_PATIENCE, paramLabel = "P",
      description = "Stop after P epochs without improvement of the validation metric "
          + "(0: off, the default; needs a validation split).")
  int patience;

  @Option(names = "--early-stopping-metric",
      defaultValue = TrainOptions.DEFAULT_EARLY_STOPPING_METRIC, paramLabel = "loss|accuracy",
      description = "Validation metric of early stopping and of --keep best "
          + "(default: ${DEFAULT-VALUE}).")
  String earlyStoppingMetric;

  @Option(names = "--keep", defaultValue = TrainOptions.DEFAULT_KEEP, paramLabel = "best|last",
      description = "Which epoch becomes model.zip: the best on the validation split (never "
          + "the test split; the last when --validation is 0) or the last "
          + "(default: ${DEFAULT-VALUE}).")
  String keep;

  @Option(names = "--master", paramLabel = "M",
      description = "Spark master (default: spark-submit's, else local[*]).")
  String master;

  @Override
  public Integer call() throws Exception {
    TrainOptions o = Usage.check(spec, this::options);
    TrainingRun.Result r;
    if (o.engine() == TrainOptions.Engine.LOCAL) {
      Configuration conf = HadoopFs.newConfiguration();
      r = TrainingRun.run(null, conf, o, System.out);
    } else {
      Usage.check(spec,
          () -> StageResources.checkForTraining(SparkContexts.conf("lenet5-train", master)));
      JavaSparkContext sc = SparkContexts.start("lenet5-train", master);
      try {
        r = TrainingRun.run(sc, sc.hadoopConfiguration(), o, System.out);
      } finally {
        sc.stop();
      }
    }
    if (!r.alreadyComplete()) {
      System.out.printf("trained %d epochs: test accuracy %.4f (model.zip: epoch %d); "
          + "results in %s%n", r.epochs().size(), r.finalAccuracy(), r.selectedEpoch(),
          Redact.uri(r.files().root()));
    }
    return ExitCodes.OK;
  }

  /**
   * The typed options; a value outside an option's closed set or range is bad input, which
   * {@link Usage#check} turns into a usage error.
   */
  TrainOptions options() {
    return TrainOptions.builder(HadoopFs.resolve(data), HadoopFs.resolve(output))
        .variant(LeNet5.Variant.parse(variant))
        .kernels(LeNet5.Kernels.parse(kernels))
        .engine(TrainOptions.Engine.parse(engine))
        .approach(TrainOptions.Approach.parse(approach))
        .storageLevel(TrainOptions.Storage.parse(storageLevel))
        .repartition(TrainOptions.Repartitioning.parse(repartition))
        .dataPath(TrainOptions.DataPath.parse(dataPath))
        .cacheBudget(bytes("--cache-budget", cacheBudget))
        .distributedEval(distributedEval)
        .updater(TrainOptions.Updater.parse(updater))
        .onBadCheckpoint(TrainOptions.OnBadCheckpoint.parse(onBadCheckpoint))
        .epochs(epochs)
        .workers(workers)
        .batchSize(batchSize)
        .averagingSchedule(AveragingSchedule.parse(averagingFrequency))
        .prefetch(prefetch)
        .warmUp(warmUp)
        .aggregationDepth(aggregationDepth)
        .exportDir(exportDir == null ? null : HadoopFs.resolve(exportDir))
        .seed(seed)
        .learningRate(learningRate)
        .lrDecay(lrDecay)
        .l2(l2)
        .augment(augment)
        .validation(TrainOptions.Validation.parse(validation))
        .earlyStoppingPatience(patience)
        .earlyStoppingMetric(TrainOptions.SelectionMetric.parse(earlyStoppingMetric))
        .keep(TrainOptions.Keep.parse(keep))
        .resume(resume)
        .overwrite(overwrite)
        .keepCheckpoints(keepCheckpoints)
        .build();
  }

  /** A size such as {@code 512m} or {@code 4g} in bytes (null: 0, automatic). */
  static long bytes(String flag, String value) {
    if (value == null) {
      return 0;
    }
    try {
      long b = JavaUtils.byteStringAsBytes(value.strip());
      if (b <= 0) {
        throw new NumberFormatException("not above 0");
      }
      return b;
    } catch (NumberFormatException e) {
      throw new BadInputException(flag + " must be a size above 0 such as 512m or 4g");
    }
  }
}
