package org.lenet5spark.train;

import java.util.Locale;
import org.apache.hadoop.fs.Path;
import org.lenet5spark.io.BadInputException;
import org.lenet5spark.model.LeNet5;
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
 * @param epochs number of epochs
 * @param workers parameter-averaging workers (Spark task slots used for training)
 * @param batchSize minibatch size per worker
 * @param averagingFrequency minibatches each worker fits between two averagings
 * @param prefetch minibatches each worker prefetches asynchronously (0: none)
 * @param seed seed of weight initialisation and data splitting
 * @param variant LeNet-5 variant
 * @param updater "adam", "nesterov" or "sgd"
 * @param learningRate initial learning rate
 * @param lrDecay factor applied to the learning rate after every epoch (1: constant)
 * @param l2 L2 regularisation coefficient (0: none)
 * @param overwrite replace an existing run folder
 */
public record TrainOptions(Path data, Path output, int epochs, int workers, int batchSize,
    int averagingFrequency, int prefetch, long seed, LeNet5.Variant variant, String updater,
    double learningRate, double lrDecay, double l2, boolean overwrite) {

  /** Default number of epochs. */
  public static final int DEFAULT_EPOCHS = 15;
  /** Default number of workers. */
  public static final int DEFAULT_WORKERS = 2;
  /** Default minibatch size per worker. */
  public static final int DEFAULT_BATCH_SIZE = 32;
  /** Default averaging frequency. */
  public static final int DEFAULT_AVERAGING_FREQUENCY = 5;
  /** Default prefetch. */
  public static final int DEFAULT_PREFETCH = 2;
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

  public TrainOptions {
    require(epochs >= 1 && epochs <= 100_000, "--epochs must be at least 1");
    require(workers >= 1 && workers <= 100_000, "--workers must be at least 1");
    require(batchSize >= 1 && batchSize <= 1_000_000, "--batch-size must be at least 1");
    require(averagingFrequency >= 1, "--averaging-frequency must be at least 1");
    require(prefetch >= 0, "--prefetch must be 0 or more");
    require(learningRate > 0 && Double.isFinite(learningRate), "--learning-rate must be > 0");
    require(lrDecay > 0 && lrDecay <= 1, "--lr-decay must be in (0, 1]");
    require(l2 >= 0 && Double.isFinite(l2), "--l2 must be 0 or more");
    updater = updater.toLowerCase(Locale.ROOT);
    require(updater.equals("adam") || updater.equals("nesterov") || updater.equals("sgd"),
        "--updater must be adam, nesterov or sgd");
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
    return switch (updater) {
      case "nesterov" -> new Nesterovs(learningRate, 0.9);
      case "sgd" -> new Sgd(learningRate);
      default -> new Adam(learningRate);
    };
  }
}
