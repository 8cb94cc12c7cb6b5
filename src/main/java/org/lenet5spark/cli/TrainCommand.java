package org.lenet5spark.cli;

import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaSparkContext;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.io.SparkContexts;
import org.lenet5spark.model.LeNet5;
import org.lenet5spark.train.SparkTrainer;
import org.lenet5spark.train.TrainOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** CLI of the {@code train} stage ({@link SparkTrainer}); runs after {@code prepare}. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Train LeNet-5 with DL4J Spark parameter averaging; evaluate after every "
        + "epoch; write model.zip, metrics and run.json.")
final class TrainCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Mixin
  CommonOptions common;

  @Option(names = "--data", required = true, paramLabel = "URI",
      description = "Output folder of 'prepare'.")
  String data;

  @Option(names = "--output", required = true, paramLabel = "URI",
      description = "Run folder to create.")
  String output;

  @Option(names = "--epochs", defaultValue = "" + TrainOptions.DEFAULT_EPOCHS,
      description = "Epochs (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(names = "--workers", defaultValue = "" + TrainOptions.DEFAULT_WORKERS,
      description = "Parameter-averaging workers (default: ${DEFAULT-VALUE}).")
  int workers;

  @Option(names = "--batch-size", defaultValue = "" + TrainOptions.DEFAULT_BATCH_SIZE,
      description = "Minibatch size per worker (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--averaging-frequency",
      defaultValue = "" + TrainOptions.DEFAULT_AVERAGING_FREQUENCY,
      description = "Minibatches per worker between averagings (default: ${DEFAULT-VALUE}).")
  int averagingFrequency;

  @Option(names = "--prefetch", defaultValue = "" + TrainOptions.DEFAULT_PREFETCH,
      description = "Minibatches prefetched per worker (default: ${DEFAULT-VALUE}).")
  int prefetch;

  @Option(names = "--seed", defaultValue = "" + TrainOptions.DEFAULT_SEED,
      description = "Random seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--variant", defaultValue = "modern", paramLabel = "modern|classic",
      description = "LeNet-5 variant (default: ${DEFAULT-VALUE}).")
  String variant;

  @Option(names = "--updater", defaultValue = TrainOptions.DEFAULT_UPDATER,
      paramLabel = "adam|nesterov|sgd", description = "Updater (default: ${DEFAULT-VALUE}).")
  String updater;

  @Option(names = "--learning-rate", defaultValue = "" + TrainOptions.DEFAULT_LEARNING_RATE,
      description = "Initial learning rate (default: ${DEFAULT-VALUE}).")
  double learningRate;

  @Option(names = "--lr-decay", defaultValue = "" + TrainOptions.DEFAULT_LR_DECAY,
      description = "Learning-rate factor per epoch (default: ${DEFAULT-VALUE}).")
  double lrDecay;

  @Option(names = "--l2", defaultValue = "" + TrainOptions.DEFAULT_L2,
      description = "L2 regularisation (default: ${DEFAULT-VALUE}).")
  double l2;

  @Option(names = "--overwrite", description = "Replace an existing run folder.")
  boolean overwrite;

  @Option(names = "--master", paramLabel = "M",
      description = "Spark master (default: spark-submit's, else local[*]).")
  String master;

  @Override
  public Integer call() throws Exception {
    TrainOptions o = Usage.check(spec, this::options);
    JavaSparkContext sc = SparkContexts.start("lenet5-train", master);
    try {
      SparkTrainer.Result r = SparkTrainer.run(sc, o);
      System.out.printf("trained %d epochs: test accuracy %.4f; results in %s%n",
          r.epochs().size(), r.finalAccuracy(), r.files().root());
    } finally {
      sc.stop();
    }
    return ExitCodes.OK;
  }

  TrainOptions options() {
    return new TrainOptions(HadoopFs.resolve(data), HadoopFs.resolve(output), epochs, workers,
        batchSize, averagingFrequency, prefetch, seed, LeNet5.Variant.parse(variant), updater,
        learningRate, lrDecay, l2, overwrite);
  }
}
