package org.lenet5spark.cli;

import java.util.concurrent.Callable;
import org.lenet5spark.eval.EvaluateRequest;
import org.lenet5spark.eval.EvaluationRun;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.io.Json;
import org.lenet5spark.model.LeNet5;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * CLI of the {@code evaluate} stage ({@link EvaluationRun}): checks the options, hands an
 * {@link EvaluateRequest} to the stage and prints its outcome as a table, or JSON with
 * {@code --json}. Runs after {@code train}.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
    description = "Evaluate a trained model on the test split: accuracy, loss, confusion matrix.")
final class EvaluateCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Mixin
  CommonOptions common;

  @Option(names = "--model", required = true, paramLabel = "URI",
      description = "model.zip written by 'train'.")
  String model;

  @Option(names = "--data", required = true, paramLabel = "URI",
      description = "Output folder of 'prepare', or a folder (or images file) of IDX files, raw "
          + "or .gz, normalised with the model's own normaliser.")
  String data;

  @Option(names = "--images", paramLabel = "NAME",
      description = "IDX images file name in --data (default: the split's MNIST name).")
  String imagesName;

  @Option(names = "--labels", paramLabel = "NAME",
      description = "IDX labels file name in --data (default: the split's MNIST name).")
  String labelsName;

  @Option(names = "--split", defaultValue = "test", paramLabel = "train|test",
      description = "Split to evaluate (default: ${DEFAULT-VALUE}).")
  String split;

  @Mixin
  KernelsOption kernels;

  @Option(names = "--json", description = "Print JSON instead of a table.")
  boolean json;

  @Option(names = "--distributed-eval",
      description = "Evaluate prepared shards on Spark's executors (model broadcast once, one "
          + "task per shard, confusion matrices merged; same result as in this process). "
          + "Automatic from 200,000 examples when Spark is on the classpath, or with --master.")
  boolean distributed;

  @Option(names = "--master", paramLabel = "M",
      description = "Spark master for distributed evaluation (default: spark-submit's, else "
          + "local[*]); implies --distributed-eval.")
  String master;

  @Override
  public Integer call() throws Exception {
    String s = Usage.check(spec, () -> EvaluateRequest.checkSplit(split));
    LeNet5.Kernels k = Usage.check(spec, () -> LeNet5.Kernels.parse(kernels.value));
    EvaluationRun.Outcome outcome = EvaluationRun.run(new EvaluateRequest(
        HadoopFs.resolve(model), HadoopFs.resolve(data), s, imagesName, labelsName, k,
        distributed, master));
    System.out.print(json ? Json.pretty(outcome.toJson()) : outcome.table());
    return ExitCodes.OK;
  }
}
