package org.lenet5spark.bench;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.lenet5spark.data.DatasetPreparer;
import org.lenet5spark.data.ExampleBlock;
import org.lenet5spark.data.ShardCatalog;
import org.lenet5spark.data.ShardFormat;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.io.Publisher;
import org.lenet5spark.model.LeNet5;
import org.lenet5spark.model.ModelStore;
import org.lenet5spark.model.ScoringModel;
import org.lenet5spark.predict.Predictor;
import org.lenet5spark.train.TrainOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code inference} suite of {@code bench}: rows per second of Spark ML's {@code transform}
 * (a {@link Transform} that the CLI supplies from the {@code ml} package, which sits above the
 * stages) against {@code predict}'s scoring in one process ({@link Predictor}: the same inference
 * core, 256 images per forward pass), on the same data: the training split of MNIST as Parquet
 * shards (60,000 rows) and a LeNet-5 with its initial weights (the speed does not depend on the
 * weights). Each side runs once untimed (JIT, model load), then {@code repeats} times; the best
 * is kept.
 */
public final class InferenceBenchmark {
  private static final Logger LOG = LoggerFactory.getLogger(InferenceBenchmark.class);

  private InferenceBenchmark() {
  }

  /** Spark ML's transform of a Parquet split, timed (implemented in {@code ml}). */
  public interface Transform {
    /**
     * Transforms every row of the Parquet folder {@code split} with the model of
     * {@code modelZip} and returns the seconds it took and the rows it scored.
     */
    double[] secondsAndRows(JavaSparkContext sc, String split, byte[] modelZip)
        throws IOException;
  }

  /** Measures both sides. */
  public static Map<String, Object> run(JavaSparkContext sc, Path input, Path work, int shards,
      int repeats, Transform transform) throws IOException {
    Configuration conf = sc.hadoopConfiguration();
    Path parquet = new Path(work, "shards-parquet");
    if (!HadoopFs.exists(new Path(parquet, Publisher.SUCCESS), conf)) {
      DatasetPreparer.run(sc, new DatasetPreparer.Options(input, parquet, ShardFormat.PARQUET,
          shards, DatasetPreparer.SourceNames.MNIST, true));
    }
    ShardCatalog train = ShardCatalog.open(parquet, "train", conf);
    TrainOptions o = TrainOptions.defaults(parquet, work);
    byte[] model = ModelStore.toBytes(LeNet5.build(o.variant(), o.kernels(), o.seed(),
        o.newUpdater(), o.optimiser().l2()), train.manifest().toNormalization());
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("rows", train.count());
    out.put("partitions", train.shards().size());
    out.put("spark_master", sc.master());
    out.put("default_parallelism", sc.defaultParallelism());
    double best = Double.MAX_VALUE;
    for (int i = 0; i <= repeats; i++) {
      double[] t = transform.secondsAndRows(sc, new Path(parquet, "train").toString(), model);
      if (t[1] != train.count()) {
        throw new IllegalStateException("transform scored " + t[1] + " rows");
      }
      LOG.info("transform: {} rows in {} s{}", (long) t[1], t[0], i == 0 ? " (untimed)" : "");
      if (i > 0) {
        best = Math.min(best, t[0]);
      }
    }
    out.put("transform_rows_per_s", Math.round(train.count() / best));
    ExampleBlock block = ExampleBlock.read(train, conf);
    Predictor predictor = new Predictor(ScoringModel.of(model, o.kernels()));
    String[] ids = new String[block.count()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = Integer.toString(block.indices()[i]);
    }
    best = Double.MAX_VALUE;
    for (int i = 0; i <= repeats; i++) {
      long t0 = System.nanoTime();
      int n = predictor.predict(block.features(), block.labels(), ids, 0, block.count()).size();
      double secs = (System.nanoTime() - t0) / 1e9;
      LOG.info("predict (one process): {} rows in {} s{}", n, secs, i == 0 ? " (untimed)" : "");
      if (i > 0) {
        best = Math.min(best, secs);
      }
    }
    out.put("predict_one_process_rows_per_s", Math.round(block.count() / best));
    out.put("repeats", repeats);
    return out;
  }
}
