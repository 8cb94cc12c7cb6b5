package org.lenet5spark.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.MultiLayerUpdater;
import org.junit.jupiter.api.Test;
import org.lenet5spark.model.LeNet5;
import org.lenet5spark.testing.RandomBatches;
import org.nd4j.linalg.learning.config.Adam;

/**
 * {@link FlatGradientUpdater}: DL4J's standard update path gives exactly what its external path
 * gives, takes the network's updater state over as it is, and is the path actually taken.
 */
class FlatGradientUpdaterTest {
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
        dl4j.fit(RandomBatches.batch(8, step));
        fixed.fit(RandomBatches.batch(8, step));
      }
      Dl4jWorkarounds.useFlatGradientUpdater(fixed);
      FlatGradientUpdater u = assertInstanceOf(FlatGradientUpdater.class, fixed.getUpdater());
      for (int step = 3; step < 10; step++) {
        dl4j.fit(RandomBatches.batch(8, step));
        fixed.fit(RandomBatches.batch(8, step));
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
    net.fit(RandomBatches.batch(4, 9));
    assertNotEquals(0.0, net.getUpdater().getStateViewArray().amaxNumber().doubleValue());
    assertEquals(1, u.standardUpdates());
  }
}
