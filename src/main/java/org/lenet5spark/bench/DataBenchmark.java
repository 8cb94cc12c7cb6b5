package org.lenet5spark.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.lenet5spark.data.DatasetPreparer;
import org.lenet5spark.data.ShardCatalog;
import org.lenet5spark.data.ShardFormat;
import org.lenet5spark.data.ShardMinibatches;
import org.lenet5spark.io.HadoopFs;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Benchmarks the data pipeline on the full input: {@code prepare} wall time and throughput per
 * format (as a Spark job on the given context), shard size on disk, and the read throughput of
 * the training input path ({@link ShardMinibatches}: shard bytes to DL4J minibatches, one thread),
 * measured apart from training.
 */
public final class DataBenchmark {
  private DataBenchmark() {
  }

  /** Runs every data measurement; {@code work} is a scratch folder. */
  public static Map<String, Object> run(JavaSparkContext sc, Path idx, Path work, int shards,
      int batchSize, int repeats) throws IOException {
    Configuration conf = sc.hadoopConfiguration();
    long inputBytes = 0;
    DatasetPreparer.SourceNames mnist = DatasetPreparer.SourceNames.MNIST;
    for (String name : List.of(mnist.trainImages(), mnist.trainLabels(), mnist.testImages(),
        mnist.testLabels())) {
      Path p = new Path(idx, name);
      inputBytes += HadoopFs.fs(p, conf).getFileStatus(p).getLen();
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    for (ShardFormat f : ShardFormat.values()) {
      Path out = new Path(work, "shards-" + f.id());
      long t0 = System.nanoTime();
      DatasetPreparer.Result r = DatasetPreparer.run(sc, new DatasetPreparer.Options(idx, out, f,
          shards, DatasetPreparer.SourceNames.MNIST, true));
      double prepareSeconds = (System.nanoTime() - t0) / 1e9;
      long shardBytes = 0;
      for (var s : r.train().shards()) {
        shardBytes += s.bytes();
      }
      for (var s : r.test().shards()) {
        shardBytes += s.bytes();
      }
      ShardCatalog train = ShardCatalog.open(out, "train", conf);
      List<String> paths = new ArrayList<>();
      for (Path p : train.shards()) {
        paths.add(p.toString());
      }
      double best = Double.MAX_VALUE;
      long images = 0;
      for (int i = 0; i < repeats; i++) {
        long r0 = System.nanoTime();
        images = 0;
        var it = ShardMinibatches.iterator(paths, f, conf, 28, 28, batchSize);
        while (it.hasNext()) {
          DataSet d = it.next();
          images += d.numExamples();
        }
        best = Math.min(best, (System.nanoTime() - r0) / 1e9);
      }
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("format", f.id());
      row.put("prepare_seconds", prepareSeconds);
      row.put("prepare_input_mb_per_second", inputBytes / 1e6 / prepareSeconds);
      row.put("prepare_output_mb_per_second", shardBytes / 1e6 / prepareSeconds);
      row.put("shard_bytes", shardBytes);
      row.put("train_images_read", images);
      row.put("read_seconds_best_of_" + repeats, best);
      row.put("read_images_per_second", images / best);
      rows.add(row);
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("input_idx_bytes", inputBytes);
    result.put("shards", shards);
    result.put("batch_size", batchSize);
    result.put("formats", rows);
    return result;
  }
}
