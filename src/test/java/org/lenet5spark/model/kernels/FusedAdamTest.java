package org.lenet5spark.model.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.lenet5spark.model.LeNet5;
import org.lenet5spark.testing.RandomBatches;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/**
 * {@link FusedAdam} against ND4J's own Adam: the same update as the op from the same state (to
 * float rounding), the same trajectory over training steps (parameters and updater state), and a
 * configuration that survives DL4J's cloning and JSON round trip as itself.
 */
class FusedAdamTest {
  @Test
  void followsNd4jAdamStepForStep() {
    MultiLayerNetwork stock = LeNet5.build(LeNet5.Variant.MODERN, LeNet5.Kernels.FUSED, 5,
        new Adam(2e-3), 0);
    MultiLayerNetwork fused = LeNet5.build(LeNet5.Variant.MODERN, LeNet5.Kernels.FUSED, 5,
        new FusedAdam(2e-3), 0);
    fused.setParams(stock.params().dup());
    INDArray start = stock.params().dup();
    for (int step = 0; step < 25; step++) {
      DataSet d = RandomBatches.batch(16, step);
      stock.fit(d);
      fused.fit(d);
    }
    assertNotEquals(0.0, stock.params().sub(start).amaxNumber().doubleValue(), "no training");
    double params = RandomBatches.maxRelDiff(stock.params(), fused.params());
    double state = RandomBatches.maxRelDiff(stock.getUpdater().getStateViewArray(),
        fused.getUpdater().getStateViewArray());
    assertTrue(params < 1e-4, "parameters differ by " + params);
    assertTrue(state < 1e-4, "updater state differs by " + state);
    assertEquals(stock.score(), fused.score(), 1e-4 * Math.max(1, stock.score()));
  }

  @Test
  void oneUpdateMatchesNd4jsOp() {
    Random r = new Random(11);
    int n = 5000;
    float[] grad = new float[n];
    float[] state = new float[2 * n];
    for (int i = 0; i < n; i++) {
      grad[i] = (float) (r.nextGaussian() * Math.pow(10, -r.nextInt(6)));
      state[i] = (float) (r.nextGaussian() * 1e-3);
      state[n + i] = (float) (Math.abs(r.nextGaussian()) * 1e-6);
    }
    for (int iteration : new int[] {0, 1, 7, 500}) {
      INDArray g1 = Nd4j.createFromArray(grad).reshape(1, n);
      INDArray g2 = g1.dup();
      INDArray s1 = Nd4j.createFromArray(state).reshape(1, 2 * n);
      INDArray s2 = s1.dup();
      new Adam(1e-3).instantiate(s1, false).applyUpdater(g1, iteration, 0);
      new FusedAdam(1e-3).instantiate(s2, false).applyUpdater(g2, iteration, 0);
      double update = RandomBatches.maxRelDiff(g1, g2);
      double moments = RandomBatches.maxRelDiff(s1, s2);
      assertTrue(update < 1e-6, "iteration " + iteration + ": updates differ by " + update);
      assertTrue(moments < 1e-6, "iteration " + iteration + ": moments differ by " + moments);
    }
  }

  @Test
  void stepMatchesTheFormula() {
    float[] g = {0.5f, -2f, 0f};
    float[] m = {0.1f, 0f, -0.3f};
    float[] v = {0.04f, 1f, 0.5f};
    FusedAdamUpdater.step(g, m, v, 0.01, 0.9, 0.999, 1e-8, 4);
    double a = 0.01 * Math.sqrt(1 - Math.pow(0.999, 5)) / (1 - Math.pow(0.9, 5));
    double m0 = 0.9 * 0.1 + 0.1 * 0.5;
    double v0 = 0.999 * 0.04 + 0.001 * 0.25;
    assertEquals(m0, m[0], 1e-7);
    assertEquals(v0, v[0], 1e-7);
    assertEquals(a * m0 / (Math.sqrt(v0) + 1e-8), g[0], 1e-7);
    assertEquals(-0.27, m[2], 1e-7);
    assertEquals(a * -0.27 / (Math.sqrt(0.4995) + 1e-8), g[2], 1e-7);
  }

  @Test
  void onlyFusedNetworksGetIt() {
    org.lenet5spark.train.TrainOptions o = org.lenet5spark.train.TrainOptions.defaults(
        new org.apache.hadoop.fs.Path("/data"), new org.apache.hadoop.fs.Path("/out"));
    assertEquals(FusedAdam.class, o.newUpdater(LeNet5.Kernels.FUSED).getClass());
    // a stock model must restore with DL4J alone: its configuration names DL4J's Adam
    assertEquals(Adam.class, o.newUpdater(LeNet5.Kernels.STOCK).getClass());
    assertEquals(org.lenet5spark.train.TrainOptions.DEFAULT_LEARNING_RATE,
        ((Adam) o.newUpdater(LeNet5.Kernels.STOCK)).getLearningRate());
  }

  @Test
  void survivesCloningAndJson() {
    FusedAdam adam = new FusedAdam(3e-3, 0.8, 0.99, 1e-7);
    adam.setLearningRateSchedule(new ExponentialSchedule(ScheduleType.EPOCH, 3e-3, 0.9));
    FusedAdam copy = adam.clone();
    assertEquals(adam, copy);
    assertNotEquals(new Adam(3e-3, 0.8, 0.99, 1e-7), new FusedAdam(3e-3, 0.8, 0.99, 1e-7));
    MultiLayerConfiguration conf = LeNet5.configuration(LeNet5.Variant.CLASSIC,
        LeNet5.Kernels.STOCK, 1, adam, 0);
    MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(conf.toJson());
    for (int i = 0; i < back.getConfs().size(); i++) {
      if (back.getConf(i).getLayer() instanceof BaseLayer l) {
        FusedAdam u = assertInstanceOf(FusedAdam.class, l.getIUpdater());
        assertEquals(0.8, u.getBeta1());
        assertEquals(1e-7, u.getEpsilon());
        assertEquals(adam.getLearningRateSchedule(), u.getLearningRateSchedule());
      }
    }
  }
}
