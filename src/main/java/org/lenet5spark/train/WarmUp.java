package org.lenet5spark.train;

import java.io.Serializable;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.lenet5spark.compat.Dl4jWorkarounds;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The executors' warm-up before the first epoch ({@code train --warm-up N}): one Spark job over
 * the cached training RDD in which each partition (one per worker) fits its first {@code N}
 * minibatches on a throwaway copy of the network, built as DL4J's parameter-averaging worker
 * builds its own (configuration, parameters and updater state of the driver's network, the flat
 * gradient updater of {@link Dl4jWorkarounds#useFlatGradientUpdater}). The JIT then compiles the
 * fused kernels' hot loops before the first epoch's clock starts, in every executor JVM that
 * trains. The copy is dropped afterwards: the driver's network, its updater state and DL4J's
 * split seeds are untouched, and the copy has no training hooks, so the loss and accuracy
 * accumulators do not see it ({@code WarmUpTest} checks that the parameters after the first
 * epoch are the same with and without it).
 */
final class WarmUp {
  private WarmUp() {
  }

  /** What the warm-up did: the minibatches fitted over all partitions, in how long. */
  record Result(long minibatches, double seconds) {
  }

  /** The network the copies are built from (broadcast once). */
  private record Source(String configuration, INDArray params, INDArray updaterState)
      implements Serializable {
  }

  /**
   * Fits up to {@code minibatches} minibatches of each partition of {@code data} on a copy of
   * {@code net}, on the executors, and waits for all of them.
   */
  static Result run(JavaSparkContext sc, MultiLayerNetwork net, JavaRDD<DataSet> data,
      int minibatches) {
    long t0 = System.nanoTime();
    INDArray state = net.getUpdater().getStateViewArray();
    Broadcast<Source> source = sc.broadcast(new Source(net.getLayerWiseConfigurations().toJson(),
        net.params().dup(), state == null ? null : state.dup()));
    try {
      List<Long> fitted = data.mapPartitions((Iterator<DataSet> it) -> {
        Dl4jWorkarounds.apply();
        MultiLayerNetwork copy = copyOf(source.value());
        long n = 0;
        while (n < minibatches && it.hasNext()) {
          copy.fit(it.next());
          n++;
        }
        return List.of(n).iterator();
      }).collect();
      long total = fitted.stream().mapToLong(Long::longValue).sum();
      return new Result(total, (System.nanoTime() - t0) / 1e9);
    } finally {
      source.destroy();
    }
  }

  /** A network of its own from the broadcast source (nothing shared with the broadcast). */
  private static MultiLayerNetwork copyOf(Source s) {
    MultiLayerNetwork copy = new MultiLayerNetwork(
        MultiLayerConfiguration.fromJson(s.configuration()));
    copy.init(s.params().dup(), false);
    if (s.updaterState() != null) {
      copy.getUpdater().setStateViewArray(copy, s.updaterState().dup(), false);
    }
    Dl4jWorkarounds.useFlatGradientUpdater(copy);
    return copy;
  }
}
