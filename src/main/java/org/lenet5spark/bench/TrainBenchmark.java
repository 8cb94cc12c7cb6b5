package org.lenet5spark.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.lenet5spark.data.ExampleBlock;
import org.lenet5spark.data.ShardCatalog;
import org.lenet5spark.eval.Evaluator;
import org.lenet5spark.model.LeNet5;
import org.lenet5spark.model.kernels.KernelThreads;
import org.lenet5spark.train.LocalEngine;
import org.lenet5spark.train.MinibatchBuffer;
import org.lenet5spark.train.SparkEngine;
import org.lenet5spark.train.TrainOptions;
import org.lenet5spark.train.TrainingEngine;

/**
 * Benchmarks training on the full prepared data: single-process DL4J throughput by batch size,
 * a full epoch of the local engine against Spark parameter averaging with 1 and 2 workers (the
 * overhead ratio; the second Spark epoch is timed, after DL4J's one-off export), evaluation
 * throughput, and peak memory (heap, off-heap, process RSS).
 */
public final class TrainBenchmark {
  private TrainBenchmark() {
  }

  /** Runs the measurements; {@code work} is a scratch folder for Spark's exports. */
  public static Map<String, Object> run(JavaSparkContext sc, Path data, Path work,
      List<Integer> batchSizes, int throughputImages, int sparkBatch, int averagingFrequency)
      throws IOException {
    Configuration conf = sc.hadoopConfiguration();
    ShardCatalog train = ShardCatalog.open(data, "train", conf);
    ShardCatalog test = ShardCatalog.open(data, "test", conf);
    ExampleBlock trainBlock = ExampleBlock.read(train, conf);
    ExampleBlock testBlock = ExampleBlock.read(test, conf);
    TrainOptions base = TrainOptions.defaults(data, work);
    Map<String, Object> out = new LinkedHashMap<>();
    MemoryPeaks peaks = new MemoryPeaks();

    out.put("single_process_throughput", throughput(trainBlock, base, batchSizes,
        throughputImages, peaks));

    Map<String, Object> epochs = new LinkedHashMap<>();
    TrainOptions localOpts = withEngine(base, TrainOptions.Engine.LOCAL, 1, sparkBatch,
        averagingFrequency);
    // LeNet5.build without kernels builds the fused network: its updater is the fused one
    MultiLayerNetwork localNet = LeNet5.build(LeNet5.Variant.MODERN, base.seed(),
        base.newUpdater(LeNet5.Kernels.FUSED), 0);
    try (LocalEngine local = new LocalEngine(localOpts, localNet, trainBlock,
        train.manifest().toNormalization())) {
      TrainingEngine.EpochFit fit = local.fitEpoch(1, base.optimiser().learningRate());
      epochs.put("local_epoch_seconds", fit.seconds());
      epochs.put("local_samples_per_second", fit.samplesPerSecond());
    }
    peaks.sample();
    for (int workers : List.of(1, 2)) {
      TrainOptions so = withEngine(base, TrainOptions.Engine.SPARK, workers, sparkBatch,
          averagingFrequency);
      MultiLayerNetwork net = LeNet5.build(LeNet5.Variant.MODERN, base.seed(),
          base.newUpdater(LeNet5.Kernels.FUSED), 0);
      Path export = new Path(work, "export-" + workers);
      try (SparkEngine spark = new SparkEngine(sc, so, net, train, export, 0)) {
        TrainingEngine.EpochFit first = spark.fitEpoch(1, base.optimiser().learningRate());
        TrainingEngine.EpochFit second = spark.fitEpoch(2, base.optimiser().learningRate());
        epochs.put("spark_" + workers + "w_first_epoch_seconds", first.seconds());
        epochs.put("spark_" + workers + "w_epoch_seconds", second.seconds());
        epochs.put("spark_" + workers + "w_samples_per_second", second.samplesPerSecond());
        epochs.put("spark_" + workers + "w_examples_per_epoch", second.examples());
      }
      peaks.sample();
    }
    double local = (Double) epochs.get("local_epoch_seconds");
    epochs.put("ratio_spark_1w_to_local", (Double) epochs.get("spark_1w_epoch_seconds") / local);
    epochs.put("ratio_spark_2w_to_local", (Double) epochs.get("spark_2w_epoch_seconds") / local);
    epochs.put("batch_size_per_worker", sparkBatch);
    epochs.put("averaging_frequency", averagingFrequency);
    out.put("epoch_time", epochs);

    MultiLayerNetwork evalNet = LeNet5.build(LeNet5.Variant.MODERN, 1,
        base.newUpdater(LeNet5.Kernels.FUSED), 0);
    Evaluator.evaluate(evalNet, testBlock, 1000);
    long t0 = System.nanoTime();
    Evaluator.evaluate(evalNet, testBlock, 1000);
    double evalSecs = (System.nanoTime() - t0) / 1e9;
    out.put("evaluation_images_per_second", testBlock.count() / evalSecs);
    peaks.sample();
    out.put("peak_memory", peaks.report());
    return out;
  }

  /**
   * Single-process DL4J training throughput (images/s) for each batch size, with DL4J's stock
   * convolution layers and with the fused kernels, one after the other.
   */
  public static List<Map<String, Object>> throughput(ExampleBlock trainBlock, TrainOptions base,
      List<Integer> batchSizes, int throughputImages, MemoryPeaks peaks) {
    List<Map<String, Object>> byBatch = new ArrayList<>();
    for (LeNet5.Kernels kernels : List.of(LeNet5.Kernels.STOCK, LeNet5.Kernels.FUSED)) {
      for (int b : batchSizes) {
        byBatch.add(throughput(trainBlock, base, kernels, b, throughputImages, peaks));
      }
    }
    return byBatch;
  }

  private static Map<String, Object> throughput(ExampleBlock trainBlock, TrainOptions base,
      LeNet5.Kernels kernels, int b, int throughputImages, MemoryPeaks peaks) {
    MultiLayerNetwork net = LeNet5.build(LeNet5.Variant.MODERN, kernels, base.seed(),
        base.newUpdater(kernels), 0);
    int[] order = new int[trainBlock.count()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    int warm = Math.min(20 * b, throughputImages / 4);
    fitRange(net, trainBlock, order, 0, warm, b);
    long t0 = System.nanoTime();
    int n = Math.min(throughputImages, order.length - warm);
    fitRange(net, trainBlock, order, warm, n, b);
    double secs = (System.nanoTime() - t0) / 1e9;
    peaks.sample();
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("kernels", kernels.name().toLowerCase(java.util.Locale.ROOT));
    row.put("kernel_threads", kernels == LeNet5.Kernels.FUSED ? KernelThreads.count() : 0);
    row.put("batch_size", b);
    row.put("images", n);
    row.put("seconds", secs);
    row.put("images_per_second", n / secs);
    // the forward pass alone over the same images: its share of a training step
    long f0 = System.nanoTime();
    for (int st = warm; st < warm + n; st += b) {
      int m = Math.min(b, warm + n - st);
      net.output(LocalEngine.gatherBatch(trainBlock, order, st, m).getFeatures(), false);
    }
    double fwd = (System.nanoTime() - f0) / 1e9;
    row.put("forward_only_seconds", fwd);
    row.put("forward_share_of_step", fwd / secs);
    return row;
  }

  private static TrainOptions withEngine(TrainOptions b, TrainOptions.Engine engine,
      int workers, int batch, int averagingFrequency) {
    return b.toBuilder().engine(engine).epochs(2).workers(workers).batchSize(batch)
        .averagingFrequency(averagingFrequency).exportDir(null).augment(false).resume(false)
        .overwrite(false).build();
  }

  private static void fitRange(MultiLayerNetwork net, ExampleBlock block, int[] order,
      int start, int count, int batch) {
    MinibatchBuffer buffer = new MinibatchBuffer();
    for (int s = start; s < start + count; s += batch) {
      net.fit(buffer.gather(block, order, s, Math.min(batch, start + count - s)));
    }
  }


  /** Peak heap, JavaCPP off-heap and RSS seen at the sample points. */
  public static final class MemoryPeaks {
    private long heapUsed;
    private long rss;

    /** Records the current heap use and resident set size. */
    public void sample() {
      Runtime rt = Runtime.getRuntime();
      heapUsed = Math.max(heapUsed, rt.totalMemory() - rt.freeMemory());
      rss = Math.max(rss, Pointer.physicalBytes());
    }

    /** The peaks seen so far. */
    public Map<String, Object> report() {
      long heap = 0;
      for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
        if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
          heap += pool.getPeakUsage().getUsed();
        }
      }
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("heap_peak_mb", heap >> 20);
      long rssPeak = rssPeakMb();
      m.put("rss_peak_mb", rssPeak);
      // ND4J's native buffers, the JIT and thread stacks live outside the heap: the RSS at the
      // sample points minus the heap in use there bounds them from above
      m.put("off_heap_at_peak_sample_mb", Math.max(0, (rss - heapUsed) >> 20));
      return m;
    }

    private static long rssPeakMb() {
      try {
        for (String line : Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
          if (line.startsWith("VmHWM:")) {
            return Long.parseLong(line.replaceAll("[^0-9]", "")) >> 10;
          }
        }
      } catch (IOException | RuntimeException e) {
        return -1;
      }
      return -1;
    }
  }

}
