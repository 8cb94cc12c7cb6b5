package org.lenet5spark.cli;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.lenet5spark.bench.BenchReport;
import org.lenet5spark.bench.DataBenchmark;
import org.lenet5spark.bench.SideBySide;
import org.lenet5spark.bench.TrainBenchmark;
import org.lenet5spark.data.DatasetPreparer;
import org.lenet5spark.data.ShardFormat;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.io.Json;
import org.lenet5spark.io.OutputOwnership;
import org.lenet5spark.spark.SparkContexts;
import org.lenet5spark.train.TrainOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The benchmark harness ({@code bench}): runs the chosen suites on the full data and writes the
 * figures as JSON (for tools) and prints them (for docs/benchmarks.md). Suites: {@code data}
 * ({@link DataBenchmark}: prepare per format, shard sizes, training input read throughput),
 * {@code train} ({@link TrainBenchmark}: throughput by batch size, Spark against the local engine,
 * evaluation, memory), {@code throughput} (the single-process part of train alone) and
 * {@code pytorch} ({@link SideBySide}: alternating epochs of DL4J and PyTorch, ratio of medians).
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
          + "of train alone), pytorch "
          + "(default: ${DEFAULT-VALUE}).")
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

  @Override
  public Integer call() throws Exception {
    for (String s : suites) {
      if (!List.of("data", "train", "throughput", "pytorch").contains(s)) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
            "unknown suite " + s + " (expected data, train, throughput or pytorch)");
      }
    }
    if (pytorchRounds < 1) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "--pytorch-rounds must be at least 1, got " + pytorchRounds);
    }
    String md = markdown != null ? markdown
        : (json.endsWith(".json") ? json.substring(0, json.length() - 5) : json) + ".md";
    prepareWork(HadoopFs.resolve(work), HadoopFs.resolve(input), json, md);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("date", Instant.now().toString());
    out.put("machine", machine());
    JavaSparkContext sc = SparkContexts.start("lenet5-bench", master);
    try {
      out.put("spark_master", sc.master());
      Path workPath = HadoopFs.resolve(work);
      Path binary = new Path(workPath, "shards-binary");
      if (suites.contains("data")) {
        out.put("data", DataBenchmark.run(sc, HadoopFs.resolve(input), workPath, shards, 32,
            repeats));
      } else if (!HadoopFs.exists(new Path(binary, "_SUCCESS"), sc.hadoopConfiguration())) {
        DatasetPreparer.run(sc, new DatasetPreparer.Options(HadoopFs.resolve(input), binary,
            ShardFormat.BINARY, shards, DatasetPreparer.SourceNames.MNIST, true));
      }
      if (suites.contains("train")) {
        out.put("train", TrainBenchmark.run(sc, binary, new Path(workPath, "train"),
            batchSizes, throughputImages, sparkBatch, averagingFrequency));
      }
      if (suites.contains("throughput")) {
        var conf = sc.hadoopConfiguration();
        var block = org.lenet5spark.data.ExampleBlock.read(
            org.lenet5spark.data.ShardCatalog.open(binary, "train", conf), conf);
        var peaks = new TrainBenchmark.MemoryPeaks();
        out.put("single_process_throughput", TrainBenchmark.throughput(block,
            org.lenet5spark.train.TrainOptions.defaults(binary, workPath), batchSizes,
            throughputImages, peaks));
        out.put("peak_memory", peaks.report());
        out.put("helpers_enabled", org.lenet5spark.compat.Dl4jWorkarounds.helpersEnabled());
        out.put("omp_num_threads", System.getenv("OMP_NUM_THREADS"));
      }
      if (suites.contains("pytorch")) {
        var conf = sc.hadoopConfiguration();
        var block = org.lenet5spark.data.ExampleBlock.read(
            org.lenet5spark.data.ShardCatalog.open(binary, "train", conf), conf);
        Map<String, Object> sides = SideBySide.run(block,
            org.lenet5spark.train.TrainOptions.defaults(binary, workPath), pytorchBatch,
            pytorchRounds, java.nio.file.Path.of("bench", "pytorch_lenet5.py"),
            java.nio.file.Path.of(binary.toUri()), Runtime.getRuntime().availableProcessors());
        if (sides.containsKey("error")) {
          out.put("pytorch", sides);
        } else {
          out.put("pytorch", sides.remove("pytorch"));
          out.put("side_by_side", sides);
        }
      }
    } finally {
      sc.stop();
    }
    String text = Json.pretty(out);
    Files.writeString(java.nio.file.Path.of(json), text);
    Files.writeString(java.nio.file.Path.of(md),
        BenchReport.markdown(Json.mapper().readTree(text)));
    System.out.print(text);
    return ExitCodes.OK;
  }

  /**
   * Before any work: the work folder must be apart from the input and be new, empty or one that
   * bench made (it then holds {@link OutputOwnership#BENCH_MARKER}), and the figure files must be
   * new or bench's own; the folder is then created and marked.
   */
  private static void prepareWork(Path workPath, Path inputPath, String json, String md)
      throws java.io.IOException {
    Configuration conf = HadoopFs.newConfiguration();
    OutputOwnership.checkApart(workPath, List.of(inputPath), conf);
    OutputOwnership.inspect(workPath, OutputOwnership.Kind.BENCH_WORK, conf);
    checkFigureFile(java.nio.file.Path.of(json), "{");
    checkFigureFile(java.nio.file.Path.of(md), "# lenet5-spark bench");
    FileSystem fs = HadoopFs.fs(workPath, conf);
    fs.mkdirs(workPath);
    fs.create(new Path(workPath, OutputOwnership.BENCH_MARKER), true).close();
  }

  private static void checkFigureFile(java.nio.file.Path file, String start)
      throws java.io.IOException {
    if (!Files.exists(file)) {
      return;
    }
    String head = "";
    if (Files.isRegularFile(file)) {
      byte[] b = new byte[200];
      try (var in = Files.newInputStream(file)) {
        head = new String(b, 0, Math.max(0, in.readNBytes(b, 0, b.length)),
            java.nio.charset.StandardCharsets.UTF_8);
      }
    }
    boolean ours = head.startsWith(start) && (!start.equals("{") || head.contains("\"date\""));
    if (!ours) {
      throw new org.lenet5spark.errors.BadInputException("refusing to overwrite " + file
          + ": not a figures file written by bench; move it away or choose another name");
    }
  }

  static Map<String, Object> machine() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cores", Runtime.getRuntime().availableProcessors());
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    m.put("java", Runtime.version().toString());
    m.put("max_heap_mb", Runtime.getRuntime().maxMemory() >> 20);
    m.put("max_vector_size_bytes", org.lenet5spark.model.kernels.VectorWidth.current());
    m.put("jvm_args", ManagementFactory.getRuntimeMXBean().getInputArguments().size());
    return m;
  }

}
