package org.lenet5spark.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.lenet5spark.data.ShardCatalog;
import org.lenet5spark.model.LeNet5;
import org.lenet5spark.train.SparkEngine;
import org.lenet5spark.train.TrainOptions;
import org.lenet5spark.train.TrainingEngine;

/**
 * The {@code scaling} suite: measures the constants of {@link ScalingModel} on the Spark master
 * it is given (local mode or {@code local-cluster}) and prints the model's prediction for 1 to 64
 * workers. For one and two workers it times the second epoch of the Spark engine twice: averaging
 * every {@code period} minibatches, and once per epoch (one round). The difference divided by
 * the difference in rounds is the cost of a round; the one-round epoch minus that cost, divided by
 * each worker's minibatches, is the compute per minibatch. The round cost of two workers minus
 * that of one is the per-task cost. The model's epoch for the measured worker counts is reported
 * beside the measurement, so the model is checked on this machine.
 */
public final class ScalingBenchmark {
  /** Link bandwidth of the cluster the table is predicted for: 10 Gb/s. */
  static final double TEN_GBIT = 10e9 / 8;
  /** Worker counts of the predicted table. */
  static final List<Integer> WORKERS = List.of(1, 2, 4, 8, 16, 32, 64);
  /** Longest period of the growing schedule, as a multiple of the first. */
  static final int GROWTH_CAP = 8;

  private ScalingBenchmark() {
  }

  /** Measures and predicts; {@code work} is a scratch folder for Spark's exports. */
  public static Map<String, Object> run(JavaSparkContext sc, Path data, Path work, int batch,
      int period, int depth) throws IOException {
    ShardCatalog train = ShardCatalog.open(data, "train", sc.hadoopConfiguration());
    TrainOptions base = TrainOptions.defaults(data, work).toBuilder().batchSize(batch)
        .aggregationDepth(depth).build();
    long examples = train.manifest().count();
    Map<String, Object> out = new LinkedHashMap<>();
    List<Map<String, Object>> measured = new ArrayList<>();
    double[] roundCost = new double[3];
    double[] perMinibatch = new double[3];
    for (int w = 1; w <= 2; w++) {
      int onePerEpoch = (int) Math.ceil((double) examples / ((long) w * batch));
      double frequent = secondEpoch(sc, base, train, work, w, period);
      double once = secondEpoch(sc, base, train, work, w, onePerEpoch);
      long rFrequent = ScalingModel.rounds(examples, w, batch, period);
      roundCost[w] = Math.max(0, (frequent - once) / (rFrequent - 1));
      perMinibatch[w] = (once - roundCost[w]) / onePerEpoch;
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("workers", w);
      m.put("period", period);
      m.put("rounds", rFrequent);
      m.put("epoch_seconds", frequent);
      m.put("one_round_epoch_seconds", once);
      m.put("round_cost_ms", roundCost[w] * 1e3);
      m.put("compute_per_minibatch_ms", perMinibatch[w] * 1e3);
      measured.add(m);
    }
    double perTask = Math.max(0, roundCost[2] - roundCost[1]);
    ScalingModel.Constants c = new ScalingModel.Constants(examples, batch, perMinibatch[1],
        roundCost[1] - perTask, perTask, bytesPerRound(base));
    for (Map<String, Object> m : measured) {
      int w = (Integer) m.get("workers");
      // the model with this machine's constants (no network: one machine)
      double predicted = ScalingModel.table(c, List.of(w), period, Double.POSITIVE_INFINITY,
          depth).get(0).epochSeconds();
      m.put("model_epoch_seconds", predicted);
    }
    out.put("measured", measured);
    out.put("constants", Map.of("examples", examples, "batch", batch,
        "compute_per_minibatch_ms", c.computePerMinibatch() * 1e3,
        "fixed_per_round_ms", c.fixedPerRound() * 1e3, "per_task_ms", c.perTask() * 1e3,
        "bytes_per_round", c.bytesPerRound(), "aggregation_depth", depth));
    out.put("fixed_period", rows(ScalingModel.table(c, WORKERS, period, TEN_GBIT, depth)));
    out.put("growing_period", rows(ScalingModel.table(c, WORKERS, period * GROWTH_CAP,
        TEN_GBIT, depth)));
    out.put("growth_cap", GROWTH_CAP);
    Map<String, Object> periods = new LinkedHashMap<>();
    for (int w : WORKERS) {
      periods.put(String.valueOf(w), ScalingModel.periodFor(c, w, TEN_GBIT, depth, 0.1));
    }
    out.put("period_for_10_percent_overhead", periods);
    return out;
  }

  /** Parameters and updater state in bytes: what is broadcast and returned per worker. */
  static long bytesPerRound(TrainOptions o) {
    MultiLayerNetwork net = LeNet5.build(o.variant(), o.kernels(), o.seed(), o.newUpdater(),
        o.optimiser().l2());
    long state = net.getUpdater().getStateViewArray() == null ? 0
        : net.getUpdater().getStateViewArray().length();
    return (net.params().length() + state) * Float.BYTES;
  }

  private static double secondEpoch(JavaSparkContext sc, TrainOptions base, ShardCatalog train,
      Path work, int workers, int period) throws IOException {
    TrainOptions o = base.toBuilder().engine(TrainOptions.Engine.SPARK).epochs(2)
        .workers(workers).averagingFrequency(period).exportDir(null).augment(false)
        .resume(false).overwrite(false).build();
    MultiLayerNetwork net = LeNet5.build(o.variant(), o.kernels(), o.seed(), o.newUpdater(),
        o.optimiser().l2());
    Path export = new Path(work, "scaling-export-" + workers + "-" + period);
    try (SparkEngine spark = new SparkEngine(sc, o, net, train, export, 0)) {
      spark.fitEpoch(1, o.optimiser().learningRate());
      TrainingEngine.EpochFit second = spark.fitEpoch(2, o.optimiser().learningRate());
      return second.seconds();
    }
  }

  private static List<Map<String, Object>> rows(List<ScalingModel.Row> table) {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (ScalingModel.Row r : table) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("workers", r.workers());
      m.put("period", r.period());
      m.put("rounds", r.rounds());
      m.put("compute_seconds", r.computeSeconds());
      m.put("overhead_seconds", r.overheadSeconds());
      m.put("network_seconds", r.networkSeconds());
      m.put("epoch_seconds", r.epochSeconds());
      m.put("speed_up", r.speedUp());
      m.put("efficiency", r.efficiency());
      rows.add(m);
    }
    return rows;
  }
}
