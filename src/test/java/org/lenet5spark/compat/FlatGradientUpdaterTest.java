package org.lenet5spark.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.MultiLayerUpdater;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.lenet5spark.model.LeNet5;
import org.lenet5spark.testing.RandomBatches;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

/**
 * {@link FlatGradientUpdater}: DL4J's standard update path gives exactly what its external path
 * gives, takes the network's updater state over as it is, and is the path actually taken; it
 * flushes subnormal parameters and updater state at iterations that are multiples of
 * {@link Subnormals#PERIOD}, and only then.
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

  @Test
  void flushesSubnormalParametersAndStateEveryPeriodOnly() {
    for (int iteration : new int[] {Subnormals.PERIOD * 3, Subnormals.PERIOD * 3 + 1}) {
      MultiLayerNetwork net = LeNet5.build(LeNet5.Variant.MODERN, LeNet5.Kernels.FUSED, 3,
          new Adam(1e-3), 0);
      net.fit(RandomBatches.batch(8, 1));
      INDArray params = net.params();
      INDArray state = net.getUpdater().getStateViewArray();
      for (long i : new long[] {0, 7, params.length() / 2, params.length() - 1}) {
        params.putScalar(i, Float.MIN_VALUE * (i + 1));
        // Adam's state: first moments, then second moments
        state.putScalar(i, -Math.nextDown(Float.MIN_NORMAL));
        state.putScalar(params.length() + i, Float.MIN_VALUE);
      }
      // one update with a zero gradient (no L2): it leaves the parameters alone and keeps a
      // subnormal state subnormal, so only a flush can remove them
      DataSet batch = RandomBatches.batch(8, 2);
      net.setInput(batch.getFeatures());
      net.setLabels(batch.getLabels());
      net.computeGradientAndScore();
      Gradient g = net.gradient();
      g.gradient().assign(0);
      ((FlatGradientUpdater) net.getUpdater()).update(g, iteration, 0, 8,
          LayerWorkspaceMgr.noWorkspaces());
      boolean flushes = iteration % Subnormals.PERIOD == 0;
      assertEquals(!flushes, Subnormals.any(net.params()), "parameters, iteration " + iteration);
      assertEquals(!flushes, Subnormals.any(net.getUpdater().getStateViewArray()),
          "updater state, iteration " + iteration);
    }
  }
}
