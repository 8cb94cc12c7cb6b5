package org.lenet5spark.eval;

import java.util.Objects;
import org.apache.hadoop.fs.Path;
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.model.LeNet5;

/**
 * What {@code evaluate} is asked to do, checked by the CLI: which model, on which data, how the
 * model is executed. {@link EvaluationRun} carries it out.
 *
 * @param model the {@code model.zip} written by {@code train}
 * @param data output folder of {@code prepare}, or a folder (or images file) of IDX files
 * @param split {@code train} or {@code test}
 * @param imagesName IDX images file name in {@code data}, or null for the split's MNIST name
 * @param labelsName IDX labels file name in {@code data}, or null for the split's MNIST name
 * @param kernels how the model is executed
 * @param distributed evaluate on Spark's executors ({@code --distributed-eval}); without it,
 *     Spark is used when {@code master} is given or the shards hold at least
 *     {@link DistributedEvaluator#AUTO_THRESHOLD} examples and Spark is on the classpath
 * @param master Spark master, or null for spark-submit's (else local[*])
 */
public record EvaluateRequest(Path model, Path data, String split, String imagesName,
    String labelsName, LeNet5.Kernels kernels, boolean distributed, String master) {

  /** A request evaluated where the data's size decides (no master, no forced Spark). */
  public EvaluateRequest(Path model, Path data, String split, String imagesName,
      String labelsName, LeNet5.Kernels kernels) {
    this(model, data, split, imagesName, labelsName, kernels, false, null);
  }

  /** Checks the request. */
  public EvaluateRequest {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(kernels, "kernels");
    checkSplit(split);
  }

  /**
   * Returns {@code split} if it names a split.
   *
   * @throws BadInputException otherwise (the CLI reports it as a usage error)
   */
  public static String checkSplit(String split) {
    if (!"test".equals(split) && !"train".equals(split)) {
      throw new BadInputException("--split must be train or test, got " + split);
    }
    return split;
  }
}
