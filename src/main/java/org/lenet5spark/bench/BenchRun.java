package org.lenet5spark.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.lenet5spark.bench.BenchRequest.Suite;
import org.lenet5spark.compat.Dl4jWorkarounds;
import org.lenet5spark.data.DatasetPreparer;
import org.lenet5spark.data.ExampleBlock;
import org.lenet5spark.data.ShardCatalog;
import org.lenet5spark.data.ShardFormat;
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.io.Json;
import org.lenet5spark.io.OutputOwnership;
import org.lenet5spark.io.Publisher;
import org.lenet5spark.model.kernels.VectorWidth;
import org.lenet5spark.spark.SparkContexts;
import org.lenet5spark.train.TrainOptions;

/**
 * The benchmark harness ({@code bench}): checks the work folder and the figure files, runs the
 * chosen suites on the full data ({@link DataBenchmark}: prepare per format, shard sizes, training
 * input read throughput; {@link TrainBenchmark}: throughput by batch size, Spark against the local
 * engine, evaluation, memory; the single-process throughput alone; {@link SideBySide}: alternating
 * epochs of DL4J and PyTorch, ratio of medians; {@link ScalingBenchmark}: the cost of an
 * averaging round measured and epochs predicted for 1 to 64 workers; {@link ScaleBenchmark}:
 * prepare, an epoch and peak memory at growing training sets, with Spark contexts of its own,
 * after the other suites) and writes the figures as
 * JSON (for tools) and as Markdown tables ({@link BenchReport}, for docs/benchmarks.md). Needs
 * the four MNIST IDX files.
 */
public final class BenchRun {
  private BenchRun() {
  }

  /**
   * Runs the request's suites and writes both figure files.
   *
   * @return the figures as the JSON file holds them
   */
  public static String run(BenchRequest r) throws IOException, InterruptedException {
    return run(r, null);
  }

  /**
   * Runs the request's suites, with {@code transform} for the {@code inference} suite (Spark
   * ML's transform, from the {@code ml} package; required when the suite is asked for).
   */
  public static String run(BenchRequest r, InferenceBenchmark.Transform transform)
      throws IOException, InterruptedException {
    prepareWork(r.work(), r.input(), r.json(), r.markdown());
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("date", Instant.now().toString());
    out.put("machine", machine());
    if (!Set.of(Suite.SCALE).containsAll(r.suites())) {
      JavaSparkContext sc = SparkContexts.start("lenet5-bench", r.master());
      try {
        out.put("spark_master", sc.master());
        measure(sc, r, out, transform);
      } finally {
        sc.stop();
      }
    }
    if (r.suites().contains(Suite.SCALE)) {
      // last, and with Spark contexts of its own: each run's executors are new JVMs
      Map<String, Object> scale = ScaleBenchmark.run(new ScaleBenchmark.Options(r.input(),
          r.work(), r.master(), r.shards(), r.sparkBatch(), r.averagingFrequency(), r.scale()));
      out.putIfAbsent("spark_master", scale.get("spark_master"));
      out.put("scale", scale);
    }
    String text = Json.pretty(out);
    Files.writeString(r.json(), text);
    Files.writeString(r.markdown(), BenchReport.markdown(Json.mapper().readTree(text)));
    return text;
  }

  private static void measure(JavaSparkContext sc, BenchRequest r, Map<String, Object> out,
      InferenceBenchmark.Transform transform) throws IOException, InterruptedException {
    Path workPath = r.work();
    Path binary = new Path(workPath, "shards-binary");
    if (r.suites().contains(Suite.DATA)) {
      out.put("data", DataBenchmark.run(sc, r.input(), workPath, r.shards(), 32, r.repeats()));
    } else if (!HadoopFs.exists(new Path(binary, Publisher.SUCCESS), sc.hadoopConfiguration())) {
      DatasetPreparer.run(sc, new DatasetPreparer.Options(r.input(), binary,
          ShardFormat.BINARY, r.shards(), DatasetPreparer.SourceNames.MNIST, true));
    }
    if (r.suites().contains(Suite.TRAIN)) {
      out.put("train", TrainBenchmark.run(sc, binary, new Path(workPath, "train"),
          r.batchSizes(), r.throughputImages(), r.sparkBatch(), r.averagingFrequency()));
    }
    if (r.suites().contains(Suite.THROUGHPUT)) {
      ExampleBlock block = trainBlock(sc, binary);
      TrainBenchmark.MemoryPeaks peaks = new TrainBenchmark.MemoryPeaks();
      out.put("single_process_throughput", TrainBenchmark.throughput(block,
          TrainOptions.defaults(binary, workPath), r.batchSizes(), r.throughputImages(),
          peaks));
      out.put("peak_memory", peaks.report());
      out.put("helpers_enabled", Dl4jWorkarounds.helpersEnabled());
      out.put("omp_num_threads", System.getenv("OMP_NUM_THREADS"));
    }
    if (r.suites().contains(Suite.SCALING)) {
      out.put("scaling", ScalingBenchmark.run(sc, binary, new Path(workPath, "scaling"),
          r.sparkBatch(), r.averagingFrequency(), TrainOptions.DEFAULT_AGGREGATION_DEPTH));
    }
    if (r.suites().contains(Suite.PYTORCH)) {
      ExampleBlock block = trainBlock(sc, binary);
      Map<String, Object> sides = SideBySide.run(block, TrainOptions.defaults(binary, workPath),
          r.pytorchBatch(), r.pytorchRounds(),
          java.nio.file.Path.of("bench", "pytorch_lenet5.py"),
          java.nio.file.Path.of(binary.toUri()), Runtime.getRuntime().availableProcessors());
      if (sides.containsKey("error")) {
        out.put("pytorch", sides);
      } else {
        out.put("pytorch", sides.remove("pytorch"));
        out.put("side_by_side", sides);
      }
    }
    if (r.suites().contains(Suite.INFERENCE)) {
      out.put("inference", InferenceBenchmark.run(sc, r.input(), workPath, r.shards(),
          r.repeats(), transform));
    }
  }

  private static ExampleBlock trainBlock(JavaSparkContext sc, Path binary) throws IOException {
    Configuration conf = sc.hadoopConfiguration();
    return ExampleBlock.read(ShardCatalog.open(binary, "train", conf), conf);
  }

  /**
   * Before any work: the work folder must be apart from the input and be new, empty or one that
   * bench made (it then holds {@link OutputOwnership#BENCH_MARKER}), and the figure files must be
   * new or bench's own; the folder is then created and marked.
   */
  private static void prepareWork(Path workPath, Path inputPath, java.nio.file.Path json,
      java.nio.file.Path md) throws IOException {
    Configuration conf = HadoopFs.newConfiguration();
    OutputOwnership.checkApart(workPath, List.of(inputPath), conf);
    OutputOwnership.inspect(workPath, OutputOwnership.Kind.BENCH_WORK, conf);
    checkFigureFile(json, "{");
    checkFigureFile(md, "# lenet5-spark bench");
    FileSystem fs = HadoopFs.fs(workPath, conf);
    fs.mkdirs(workPath);
    fs.create(new Path(workPath, OutputOwnership.BENCH_MARKER), true).close();
  }

  private static void checkFigureFile(java.nio.file.Path file, String start)
      throws IOException {
    if (!Files.exists(file)) {
      return;
    }
    String head = "";
    if (Files.isRegularFile(file)) {
      byte[] b = new byte[200];
      try (var in = Files.newInputStream(file)) {
        head = new String(b, 0, Math.max(0, in.readNBytes(b, 0, b.length)),
            StandardCharsets.UTF_8);
      }
    }
    boolean ours = head.startsWith(start) && (!start.equals("{") || head.contains("\"date\""));
    if (!ours) {
      throw new BadInputException("refusing to overwrite " + file
          + ": not a figures file written by bench; move it away or choose another name");
    }
  }

  /** The machine the figures were measured on. */
  static Map<String, Object> machine() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cores", Runtime.getRuntime().availableProcessors());
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    m.put("java", Runtime.version().toString());
    m.put("max_heap_mb", Runtime.getRuntime().maxMemory() >> 20);
    m.put("max_vector_size_bytes", VectorWidth.current());
    m.put("jvm_args", ManagementFactory.getRuntimeMXBean().getInputArguments().size());
    return m;
  }
}
