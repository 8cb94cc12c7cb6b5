package org.lenet5spark.train;

import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.lenet5spark.data.Manifest;
import org.lenet5spark.data.ShardStream;
import org.lenet5spark.errors.BadInputException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves {@code --data-path auto} of a Spark run to "cached" or "stream" before the run
 * starts, so that the checkpoints record the path the run took. The rule: stream when the
 * estimated size of the training split cached as deserialised minibatches
 * ({@link ShardStream#cachedBytes}: float32 pixels and one-hot labels) exceeds the cache budget;
 * the budget is {@code --cache-budget}, else half the memory of the executors: with a local
 * master the driver's JVM heap ({@code Runtime.maxMemory()}), on a cluster
 * {@code spark.executor.memory} times the executors ({@code spark.executor.instances}, else those
 * registered, at least one). ND4J keeps the arrays off the heap, with a limit equal to the heap by
 * default, so half of it leaves room for the workers' own arrays.
 */
public final class DataPathChoice {
  private static final Logger LOG = LoggerFactory.getLogger(DataPathChoice.class);

  private DataPathChoice() {
  }

  /**
   * The options with {@code --data-path auto} replaced by the path this run takes; other values
   * (and options whose training manifest cannot be read: the run reports that itself) unchanged.
   */
  public static TrainOptions resolve(JavaSparkContext sc, TrainOptions o, Configuration conf) {
    if (o.engine() != TrainOptions.Engine.SPARK
        || o.spark().dataPath() != TrainOptions.DataPath.AUTO) {
      return o;
    }
    Manifest m;
    try {
      m = Manifest.read(new Path(o.data().dir(), "train"), conf);
    } catch (IOException | BadInputException e) {
      return o;
    }
    long cached = ShardStream.cachedBytes(m);
    long budget = o.spark().cacheBudget() > 0 ? o.spark().cacheBudget() : defaultBudget(sc);
    TrainOptions.DataPath path = cached > budget ? TrainOptions.DataPath.STREAM
        : TrainOptions.DataPath.CACHED;
    LOG.info("--data-path auto: {} (training split about {} MB cached, budget {} MB)",
        path.spelling(), cached >> 20, budget >> 20);
    return o.toBuilder().dataPath(path).build();
  }

  /** Half the memory of the executors (see the class comment). */
  static long defaultBudget(JavaSparkContext sc) {
    if (sc.isLocal()) {
      return Runtime.getRuntime().maxMemory() / 2;
    }
    SparkConf c = sc.getConf();
    long perExecutor = c.getSizeAsBytes("spark.executor.memory", "1g");
    int registered = Math.max(0, sc.sc().statusTracker().getExecutorInfos().length - 1);
    int executors = Math.max(1, c.getInt("spark.executor.instances", registered));
    return perExecutor * executors / 2;
  }
}
