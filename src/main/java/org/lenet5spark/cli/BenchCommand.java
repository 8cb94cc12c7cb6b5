package org.lenet5spark.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.lenet5spark.bench.BenchRequest;
import org.lenet5spark.bench.BenchRun;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.ml.Lenet5ClassificationModel;
import org.lenet5spark.train.TrainOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * CLI of the benchmark harness ({@link BenchRun}): checks the options, hands a
 * {@link BenchRequest} to it and prints the figures it wrote as JSON. Suites: {@code data},
 * {@code train}, {@code throughput} (the single-process part of train alone), {@code pytorch},
 * {@code inference}, {@code scaling} and {@code scale} (with its sizes, data paths and workers).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Measure the job on the full data set and write JSON figures.")
final class BenchCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Mixin
  CommonOptions common;

  @Option(names = "--input", required = true, paramLabel = "DIR",
      description = "Folder with the four MNIST IDX files.")
  String input;

  @Option(names = "--work", required = true, paramLabel = "DIR",
      description = "Scratch folder for the benchmark's outputs: new, empty, or made by an "
          + "earlier bench (its contents are replaced).")
  String work;

  @Option(names = "--json", required = true, paramLabel = "FILE",
      description = "Where to write the figures as JSON.")
  String json;

  @Option(names = "--markdown", paramLabel = "FILE",
      description = "Where the Markdown tables go (default: the JSON file's name with .md).")
  String markdown;

  @Option(names = "--suite", split = ",", defaultValue = "data,train,pytorch",
      description = "Suites to run, comma-separated: data, train, throughput (the first part "
          + "of train alone), pytorch, inference (Spark ML's transform against predict, "
          + "rows/s), scaling (round costs measured, epochs predicted for 1-64 workers), "
          + "scale (prepare, an epoch and peak memory at 60k to 1.2M training images; "
          + "runs last) (default: ${DEFAULT-VALUE}).")
  List<String> suites;

  @Option(names = "--batch-sizes", split = ",", defaultValue = "32,64,128,256",
      description = "Batch sizes of the single-process throughput (default: ${DEFAULT-VALUE}).")
  List<Integer> batchSizes;

  @Option(names = "--throughput-images", defaultValue = "12800",
      description = "Images timed per batch size (default: ${DEFAULT-VALUE}).")
  int throughputImages;

  @Option(names = "--spark-batch-size", defaultValue = "" + TrainOptions.DEFAULT_BATCH_SIZE,
      description = "Batch size per worker of the epoch comparison, local engine included "
          + "(default: ${DEFAULT-VALUE}).")
  int sparkBatch;

  @Option(names = "--averaging-frequency",
      defaultValue = "" + TrainOptions.DEFAULT_AVERAGING_FREQUENCY,
      description = "Averaging frequency of the Spark epochs (default: ${DEFAULT-VALUE}).")
  int averagingFrequency;

  @Option(names = "--pytorch-batch-size", defaultValue = "64",
      description = "Batch size of the PyTorch/DL4J comparison (default: ${DEFAULT-VALUE}).")
  int pytorchBatch;

  @Option(names = "--pytorch-rounds", defaultValue = "5",
      description = "Alternating rounds of one DL4J epoch and one PyTorch epoch; the ratio is "
          + "that of the medians (default: ${DEFAULT-VALUE}).")
  int pytorchRounds;

  @Option(names = "--shards", defaultValue = "4", description = "Shards (default: 4).")
  int shards;

  @Option(names = "--repeats", defaultValue = "3",
      description = "Repetitions of each read measurement; the best is kept (default: 3).")
  int repeats;

  @Option(names = "--master", paramLabel = "M", description = "Spark master (default local[*]).")
  String master;

  @Option(names = "--scale-expansions", split = ",", paramLabel = "K",
      defaultValue = BenchRequest.Scale.DEFAULT_EXPANSIONS,
      description = "scale suite: the prepare --expand of each size, 60,000 x (K + 1) "
          + "training images (default: ${DEFAULT-VALUE}: 60k, 300k, 1.2M).")
  List<Integer> scaleExpansions;

  @Option(names = "--scale-paths", split = ",", paramLabel = "PATH",
      defaultValue = BenchRequest.Scale.DEFAULT_PATHS,
      description = "scale suite: the --data-path values each size is trained with (auto, "
          + "cached, stream; a path auto already took is not run twice) "
          + "(default: ${DEFAULT-VALUE}).")
  List<String> scalePaths;

  @Option(names = "--scale-workers", defaultValue = "2",
      description = "scale suite: Spark workers of the training runs (default: "
          + "${DEFAULT-VALUE}).")
  int scaleWorkers;

  @Option(names = "--scale-epochs", defaultValue = "2",
      description = "scale suite: epochs of each training run; the last is timed (default: "
          + "${DEFAULT-VALUE}: the second, in steady state).")
  int scaleEpochs;

  @Override
  public Integer call() throws Exception {
    Set<BenchRequest.Suite> chosen = Usage.check(spec, () -> BenchRequest.Suite.parse(suites));
    Usage.check(spec, () -> BenchRequest.checkRounds(pytorchRounds));
    BenchRequest.Scale scale = Usage.check(spec,
        () -> BenchRequest.Scale.parse(scaleExpansions, scalePaths, scaleWorkers,
            scaleEpochs));
    String md = markdown != null ? markdown : BenchRequest.defaultMarkdown(json);
    BenchRequest request = new BenchRequest(HadoopFs.resolve(input), HadoopFs.resolve(work),
        Path.of(json), Path.of(md), chosen, batchSizes, throughputImages, sparkBatch,
        averagingFrequency, pytorchBatch, pytorchRounds, shards, repeats, master, scale);
    System.out.print(BenchRun.run(request, Lenet5ClassificationModel::timeTransform));
    return ExitCodes.OK;
  }
}
