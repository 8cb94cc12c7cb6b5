package org.lenet5spark.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.lenet5spark.data.DatasetPreparer;
import org.lenet5spark.data.ShardCatalog;
import org.lenet5spark.data.ShardFormat;
import org.lenet5spark.data.ShardStream;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.io.Json;
import org.lenet5spark.model.LeNet5;
import org.lenet5spark.spark.SparkContexts;
import org.lenet5spark.train.DataPathChoice;
import org.lenet5spark.train.SparkEngine;
import org.lenet5spark.train.TrainOptions;
import org.lenet5spark.train.TrainingEngine;
import org.lenet5spark.train.ValidationSplit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code scale} suite of {@code bench}: how the job's costs grow with the training set. For
 * each expansion K ({@code prepare --expand K}: 60,000 x (K + 1) training images) it times
 * {@code prepare} into binary shards (images written per second, shard bytes on disk), then
 * trains on them with the Spark engine for {@code --scale-epochs} epochs (default 2) and times
 * the last (with 2, steady state: JIT warm, the cached path's minibatches already cached; with 1
 * the epoch includes both), once per data path asked for
 * ({@code auto}, resolved as {@code train} resolves it, and/or {@code stream}/{@code cached}; a
 * path already measured at that size is not run twice). After the epochs a small Spark job reads
 * each executor's peak memory inside its JVM ({@link JvmMemory}), and the driver reads its own.
 * Every prepare and every training run has a Spark context of its own, so on a cluster master
 * ({@code local-cluster[2,1,MB]}, a standalone cluster) each run's executors are new JVMs and
 * their peaks are that run's; the driver's peaks are reset before each training run. With a
 * local master the executors are the driver's JVM, so the figures are that JVM's.
 */
public final class ScaleBenchmark {
  private static final Logger LOG = LoggerFactory.getLogger(ScaleBenchmark.class);
  /** Tries of the probe job to reach every executor. */
  private static final int PROBE_TRIES = 5;

  private ScaleBenchmark() {
  }

  /**
   * What to measure.
   *
   * @param input folder with the four MNIST IDX files
   * @param work scratch folder (the prepared sizes and the runs' exports go here)
   * @param master Spark master of every context, or null for {@code local[*]}
   * @param shards shards per copy of the training split ({@code prepare --shards})
   * @param batch minibatch size per worker
   * @param period averaging frequency
   * @param scale the sizes, data paths and workers
   */
  public record Options(Path input, Path work, String master, int shards, int batch, int period,
      BenchRequest.Scale scale) {
  }

  /** Prepares and trains each size; the figures as the bench JSON holds them. */
  public static Map<String, Object> run(Options o) throws IOException {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("workers", o.scale().workers());
    out.put("batch_size_per_worker", o.batch());
    out.put("averaging_frequency", o.period());
    int epochs = o.scale().epochs();
    out.put("epochs_per_run", epochs);
    out.put("timed", epochs == 1 ? "the only epoch of each run (JIT warm-up and, on the cached"
        + " path, the caching included)" : "epoch " + epochs + " of " + epochs + " of each run");
    List<Map<String, Object>> sizes = new ArrayList<>();
    out.put("sizes", sizes);
    for (int k : o.scale().expansions()) {
      Path data = new Path(o.work(), "scale-expand-" + k);
      Map<String, Object> size = prepare(o, k, data);
      out.putIfAbsent("spark_master", size.get("spark_master"));
      sizes.add(size);
      List<Map<String, Object>> runs = new ArrayList<>();
      size.put("runs", runs);
      List<String> taken = new ArrayList<>();
      for (TrainOptions.DataPath path : o.scale().paths()) {
        Map<String, Object> run = train(o, data, k, path, taken);
        if (run != null) {
          runs.add(run);
        }
      }
    }
    return out;
  }

  /** Times {@code prepare --expand k} in a Spark context of its own. */
  private static Map<String, Object> prepare(Options o, int k, Path data) throws IOException {
    JavaSparkContext sc = SparkContexts.start("lenet5-bench-scale-prepare", o.master());
    Map<String, Object> m = new LinkedHashMap<>();
    try {
      long t0 = System.nanoTime();
      DatasetPreparer.Result r = DatasetPreparer.run(sc, new DatasetPreparer.Options(o.input(),
          data, ShardFormat.BINARY, o.shards(), DatasetPreparer.SourceNames.MNIST, true, k,
          DatasetPreparer.DEFAULT_EXPAND_SEED));
      double seconds = (System.nanoTime() - t0) / 1e9;
      Configuration conf = sc.hadoopConfiguration();
      long trainBytes = bytes(new Path(data, "train"), conf);
      long testBytes = bytes(new Path(data, "test"), conf);
      m.put("expand", k);
      m.put("spark_master", sc.master());
      m.put("train_images", r.train().count());
      m.put("test_images", r.test().count());
      m.put("train_shards", r.train().shards().size());
      m.put("prepare_seconds", seconds);
      m.put("prepare_images_per_second", (r.train().count() + r.test().count()) / seconds);
      m.put("train_shard_bytes", trainBytes);
      m.put("test_shard_bytes", testBytes);
      m.put("cached_estimate_bytes", ShardStream.cachedBytes(r.train()));
      LOG.info("scale prepare figures: {}", Json.mapper().writeValueAsString(m));
      LOG.info("scale: prepared {} training images (expand {}) in {} s, {} bytes", r.train()
          .count(), k, seconds, trainBytes);
    } finally {
      sc.stop();
    }
    return m;
  }

  /**
   * Trains one size on one data path in a Spark context of its own; null when {@code asked}
   * resolves to a path already in {@code taken}.
   */
  private static Map<String, Object> train(Options o, Path data, int k,
      TrainOptions.DataPath asked, List<String> taken) throws IOException {
    boolean driverReset = JvmMemory.resetPeaks();
    JavaSparkContext sc = SparkContexts.start("lenet5-bench-scale-train", o.master());
    try {
      Configuration conf = sc.hadoopConfiguration();
      Path runDir = new Path(o.work(), "scale-run-" + k + "-" + asked.spelling());
      TrainOptions opts = DataPathChoice.resolve(sc, TrainOptions.builder(data, runDir)
          .engine(TrainOptions.Engine.SPARK).epochs(o.scale().epochs()).workers(o.scale().workers())
          .batchSize(o.batch()).averagingFrequency(o.period()).dataPath(asked).augment(false)
          .build(), conf);
      String path = opts.spark().dataPath().spelling();
      String auto = DataPathChoice.resolve(sc, opts.toBuilder()
          .dataPath(TrainOptions.DataPath.AUTO).build(), conf).spark().dataPath().spelling();
      if (taken.contains(path)) {
        LOG.info("scale: expand {}: --data-path {} takes {}, already measured", k,
            asked.spelling(), path);
        return null;
      }
      taken.add(path);
      ShardCatalog train = ShardCatalog.open(data, "train", conf);
      ValidationSplit split = ValidationSplit.choose(ValidationSplit.labelsByIndex(train, conf),
          opts.selection().validation(), opts.seed());
      MultiLayerNetwork net = LeNet5.build(opts.variant(), opts.kernels(), opts.seed(),
          opts.newUpdater(), opts.optimiser().l2());
      List<TrainingEngine.EpochFit> fits = new ArrayList<>();
      try (SparkEngine spark = new SparkEngine(sc, opts, net, train, new Path(runDir, "export"),
          0, split)) {
        for (int e = 1; e <= opts.epochs(); e++) {
          fits.add(spark.fitEpoch(e, opts.optimiser().learningRateAt(e)));
          LOG.info("scale: expand {}, {} path, epoch {}: {} examples in {} s", k, path, e,
              fits.get(e - 1).examples(), fits.get(e - 1).seconds());
        }
      }
      TrainingEngine.EpochFit timed = fits.get(fits.size() - 1);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("spark_master", sc.master());
      m.put("data_path_asked", asked.spelling());
      m.put("data_path", path);
      m.put("auto_takes", auto);
      m.put("train_images", train.count());
      m.put("validation_images", split.count());
      m.put("examples_per_epoch", timed.examples());
      m.put("first_epoch_seconds", fits.get(0).seconds());
      m.put("epoch_seconds", timed.seconds());
      m.put("images_per_second", timed.samplesPerSecond());
      m.put("train_loss", timed.meanLoss());
      List<Map<String, Object>> executors = new ArrayList<>();
      for (JvmMemory j : probeExecutors(sc)) {
        executors.add(j.toJson());
      }
      m.put("executors", executors);
      Map<String, Object> driver = JvmMemory.probe("driver").toJson();
      driver.put("peaks_reset_before_run", driverReset);
      m.put("driver", driver);
      // the figures of each run as soon as they exist (a long suite cut short keeps them)
      LOG.info("scale run figures: {}", Json.mapper().writeValueAsString(m));
      return m;
    } finally {
      sc.stop();
    }
  }

  /**
   * Each executor's {@link JvmMemory}, read by tasks running in it (several tries with several
   * tasks per executor, until every registered executor has answered).
   */
  static List<JvmMemory> probeExecutors(JavaSparkContext sc) {
    int expected = sc.isLocal() ? 1
        : Math.max(1, sc.sc().statusTracker().getExecutorInfos().length - 1);
    Map<String, JvmMemory> seen = new TreeMap<>();
    for (int t = 0; t < PROBE_TRIES && seen.size() < expected; t++) {
      int tasks = 4 * expected;
      List<JvmMemory> got = sc.parallelize(IntStream.range(0, tasks).boxed().toList(), tasks)
          .map(i -> JvmMemory.probe(SparkEnv.get().executorId())).collect();
      for (JvmMemory j : got) {
        seen.putIfAbsent(j.who(), j);
      }
    }
    if (seen.size() < expected) {
      LOG.warn("scale: {} of {} executors answered the memory probe", seen.size(), expected);
    }
    return List.copyOf(seen.values());
  }

  private static long bytes(Path dir, Configuration conf) throws IOException {
    return HadoopFs.fs(dir, conf).getContentSummary(dir).getLength();
  }
}
