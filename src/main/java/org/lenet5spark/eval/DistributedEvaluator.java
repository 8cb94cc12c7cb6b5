package org.lenet5spark.eval;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.lenet5spark.data.Manifest;
import org.lenet5spark.data.Normalization;
import org.lenet5spark.data.ShardCatalog;
import org.lenet5spark.data.ShardFormat;
import org.lenet5spark.data.ShardRecordReader;
import org.lenet5spark.io.SerializableHadoopConf;
import org.lenet5spark.model.LeNet5;
import org.lenet5spark.model.ModelStore;
import org.lenet5spark.model.ScoringModel;
import org.lenet5spark.spark.StageResources;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evaluation on the executors: the model's bytes broadcast once, one task per shard of the split
 * reading its shard and scoring it in minibatches with the job's inference core
 * ({@link ScoringModel}, deserialised once per executor), each task counting into an
 * {@link EvalCounts}, the counts merged on the driver. The result equals {@link Evaluator}'s on
 * the driver for the same model and data: the same confusion matrix, and the loss up to the order
 * of a floating-point sum. Used by {@code evaluate} above {@link #AUTO_THRESHOLD} examples (or
 * with {@code --distributed-eval}); {@code train} can call {@link #evaluate(JavaSparkContext,
 * MultiLayerNetwork, Normalization, ShardCatalog, int)} with its averaged network.
 */
public final class DistributedEvaluator {
  private static final Logger LOG = LoggerFactory.getLogger(DistributedEvaluator.class);
  /**
   * From this many examples on, {@code evaluate} evaluates prepared shards on Spark when Spark
   * is on the classpath (below it, reading the split on the driver is faster than starting
   * tasks: the 10,000-image MNIST test split takes about a second there).
   */
  public static final long AUTO_THRESHOLD = 200_000;

  private DistributedEvaluator() {
  }

  /**
   * Evaluates {@code net} (the driver's network, e.g. the averaged one of an epoch) on
   * {@code split}, whose shards carry the normalisation the network was trained with.
   */
  public static EvalResult evaluate(JavaSparkContext sc, MultiLayerNetwork net,
      ShardCatalog split, int batchSize) throws IOException {
    return evaluate(sc, net, split.manifest().toNormalization(), split, batchSize);
  }

  /**
   * Evaluates {@code net} (the driver's network, e.g. the averaged one of an epoch) on
   * {@code split}; {@code normalization} is stored with it as in {@code model.zip}.
   */
  public static EvalResult evaluate(JavaSparkContext sc, MultiLayerNetwork net,
      Normalization normalization, ShardCatalog split, int batchSize) throws IOException {
    return evaluate(sc, ModelStore.toBytes(net, normalization), LeNet5.Kernels.parse("auto"),
        split, batchSize);
  }

  /**
   * Evaluates the model of {@code modelZip} (the bytes of a {@code model.zip}) run with
   * {@code kernels} on every example of {@code split}, in minibatches of {@code batchSize}.
   */
  public static EvalResult evaluate(JavaSparkContext sc, byte[] modelZip,
      LeNet5.Kernels kernels, ShardCatalog split, int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
    }
    Broadcast<byte[]> model = sc.broadcast(modelZip);
    try {
      List<String> paths = new ArrayList<>();
      split.shards().forEach(p -> paths.add(p.toString()));
      Manifest m = split.manifest();
      ShardFormat format = m.shardFormat();
      int rows = m.rows();
      int cols = m.cols();
      SerializableHadoopConf conf = new SerializableHadoopConf(sc.hadoopConfiguration());
      FlatMapFunction<Iterator<String>, EvalCounts> task = it -> {
        ScoringModel scorer = ScoringModel.of(model.value(), kernels);
        EvalCounts counts = new EvalCounts();
        float[] features = new float[batchSize * rows * cols];
        int[] labels = new int[batchSize];
        int[] indices = new int[batchSize];
        while (it.hasNext()) {
          try (ShardRecordReader r = format.codec().open(new Path(it.next()), conf.get(), rows,
              cols)) {
            int n;
            while ((n = r.read(features, labels, indices, batchSize)) > 0) {
              counts.addAll(labels, scorer.probabilities(features, n), n);
            }
          }
        }
        return Collections.singletonList(counts).iterator();
      };
      long t0 = System.nanoTime();
      EvalCounts total = StageResources.forGpuTasks(sc,
          sc.parallelize(paths, Math.max(1, paths.size()))).mapPartitions(task)
          .reduce(EvalCounts::merge);
      EvalResult r = total.result();
      if (r.count() != split.count()) {
        throw new IllegalStateException("evaluated " + r.count() + " examples, the manifest says "
            + split.count());
      }
      LOG.info("evaluated {} examples in {} Spark tasks in {} s", r.count(), paths.size(),
          String.format("%.1f", (System.nanoTime() - t0) / 1e9));
      return r;
    } finally {
      model.destroy(false);
    }
  }
}
