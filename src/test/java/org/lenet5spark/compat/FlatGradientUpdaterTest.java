package org.lenet5spark.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.Random;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.MultiLayerUpdater;
import org.junit.jupiter.api.Test;
import org.lenet5spark.model.LeNet5;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * {@link FlatGradientUpdater}: DL4J's standard update path gives exactly what its external path
 * gives, takes the network's updater state over as it is, and is the path actually taken.
 */
class FlatGradientUpdaterTest {
  private static DataSet batch(int n, long seed) {
    Random r = new Random(seed);
    float[] v = new float[n * 784];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) r.nextGaussian();
    }
    INDArray y = Nd4j.zeros(DataType.FLOAT, n, 10);
    for (int i = 0; i < n; i++) {
      y.putScalar(i, r.nextInt(10), 1f);
    }
    return new DataSet(Nd4j.create(v, new long[] {n, 1, 28, 28}, 'c'), y);
  }

  /** A network with DL4J's own updater (LeNet5.build installs the fixed one). */
  private static MultiLayerNetwork withDl4jUpdater(long seed, double l2) {
    MultiLayerNetwork net = new MultiLayerNetwork(LeNet5.configuration(LeNet5.Variant.MODERN,
        LeNet5.Kernels.STOCK, seed, new Adam(1e-3), l2));
    net.init();
    return net;
  }

  @Test
  void givesExactlyWhatDl4jsOwnUpdaterGives() {
    for (double l2 : new double[] {0, 1e-3}) {
      MultiLayerNetwork dl4j = withDl4jUpdater(2, l2);
      MultiLayerNetwork fixed = withDl4jUpdater(2, l2);
      // a few steps with DL4J's updater first: the fixed one must take over its state
      for (int step = 0; step < 3; step++) {
        dl4j.fit(batch(8, step));
        fixed.fit(batch(8, step));
      }
      Dl4jWorkarounds.useFlatGradientUpdater(fixed);
      FlatGradientUpdater u = assertInstanceOf(FlatGradientUpdater.class, fixed.getUpdater());
      for (int step = 3; step < 10; step++) {
        dl4j.fit(batch(8, step));
        fixed.fit(batch(8, step));
      }
      assertEquals(7, u.standardUpdates(), "standard path taken on every step");
      assertEquals(0.0, dl4j.params().sub(fixed.params()).amaxNumber().doubleValue(),
          "l2 " + l2);
      assertEquals(0.0, dl4j.getUpdater().getStateViewArray()
          .sub(fixed.getUpdater().getStateViewArray()).amaxNumber().doubleValue(), "l2 " + l2);
    }
  }

  @Test
  void newNetworksStartFromAZeroStateAndInstallingIsIdempotent() {
    MultiLayerNetwork net = LeNet5.build(LeNet5.Variant.MODERN, LeNet5.Kernels.FUSED, 4,
        new Adam(1e-3), 0);
    FlatGradientUpdater u = assertInstanceOf(FlatGradientUpdater.class, net.getUpdater());
    assertEquals(0.0, net.getUpdater().getStateViewArray().amaxNumber().doubleValue());
    Dl4jWorkarounds.useFlatGradientUpdater(net);
    assertSame(u, net.getUpdater());
    MultiLayerNetwork reference = withDl4jUpdater(4, 0);
    assertInstanceOf(MultiLayerUpdater.class, reference.getUpdater());
    net.fit(batch(4, 9));
    assertNotEquals(0.0, net.getUpdater().getStateViewArray().amaxNumber().doubleValue());
    assertEquals(1, u.standardUpdates());
  }
}
