package org.lenet5spark.model.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * {@link FusedOutputLayer} against DL4J's {@code OutputLayer} with the same parameters: the
 * probabilities, the score (with an L2 term), every gradient and the input gradient, for one-hot
 * and for soft labels that do not sum to 1 (DL4J's unweighted MCXENT gradient is {@code p - y}
 * for softmax whatever the labels); a label mask goes to
 * DL4J's own path; other activations or losses are refused.
 */
class FusedOutputLayerTest {
  private static MultiLayerNetwork net(boolean fused, double l2) {
    NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder().seed(9)
        .dataType(DataType.FLOAT).updater(new Sgd(0.1)).l2(l2).list();
    b.layer(fused
        ? new FusedOutputLayer.Builder().nIn(84).nOut(10).weightInit(WeightInit.XAVIER).build()
        : new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(84).nOut(10)
            .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build());
    MultiLayerNetwork n = new MultiLayerNetwork(b.build());
    n.init();
    return n;
  }

  private static INDArray gaussian(int rows, int cols, long seed, double scale) {
    Random r = new Random(seed);
    float[] v = new float[rows * cols];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (r.nextGaussian() * scale);
    }
    return Nd4j.create(v, new long[] {rows, cols}, 'c');
  }

  private static INDArray labels(int n, long seed, boolean soft) {
    Random r = new Random(seed);
    INDArray y = Nd4j.zeros(DataType.FLOAT, n, 10);
    for (int i = 0; i < n; i++) {
      if (soft) {
        y.putScalar(i, r.nextInt(10), 0.7f);
        y.putScalar(i, r.nextInt(10), 0.5f);
      } else {
        y.putScalar(i, r.nextInt(10), 1f);
      }
    }
    return y;
  }

  private static void assertClose(INDArray expected, INDArray actual, String what) {
    double scale = Math.max(expected.amaxNumber().doubleValue(), 1e-6);
    double diff = expected.sub(actual).amaxNumber().doubleValue();
    assertTrue(diff <= 1e-5 * scale, what + " differs by " + diff + " (scale " + scale + ")");
  }

  @Test
  void matchesDl4jsOutputLayer() {
    for (boolean soft : new boolean[] {false, true}) {
      MultiLayerNetwork stock = net(false, 1e-3);
      MultiLayerNetwork fused = net(true, 1e-3);
      fused.setParams(stock.params().dup());
      INDArray x = gaussian(13, 84, soft ? 1 : 2, 3.0);
      INDArray y = labels(13, 3, soft);
      assertClose(stock.output(x), fused.output(x), "probabilities");
      for (MultiLayerNetwork n : new MultiLayerNetwork[] {stock, fused}) {
        n.setInput(x);
        n.setLabels(y);
        n.computeGradientAndScore();
      }
      assertEquals(stock.score(), fused.score(), 1e-5 * Math.abs(stock.score()), "score");
      assertClose(stock.gradient().gradient(), fused.gradient().gradient(), "gradient");
      INDArray eps1 = stock.getOutputLayer().backpropGradient(null,
          org.deeplearning4j.nn.workspace.LayerWorkspaceMgr.noWorkspaces()).getSecond();
      INDArray eps2 = fused.getOutputLayer().backpropGradient(null,
          org.deeplearning4j.nn.workspace.LayerWorkspaceMgr.noWorkspaces()).getSecond();
      assertClose(eps1, eps2, "input gradient");
    }
  }

  @Test
  void aLabelMaskTakesDl4jsPath() {
    MultiLayerNetwork stock = net(false, 0);
    MultiLayerNetwork fused = net(true, 0);
    fused.setParams(stock.params().dup());
    INDArray x = gaussian(6, 84, 4, 1.0);
    INDArray y = labels(6, 5, false);
    INDArray mask = Nd4j.createFromArray(new float[] {1, 0, 1, 1, 0, 1}).reshape(6, 1);
    for (MultiLayerNetwork n : new MultiLayerNetwork[] {stock, fused}) {
      n.setLayerMaskArrays(null, mask);
      n.setInput(x);
      n.setLabels(y);
      n.computeGradientAndScore();
    }
    assertEquals(stock.score(), fused.score(), 1e-6 * Math.abs(stock.score()));
    assertClose(stock.gradient().gradient(), fused.gradient().gradient(), "masked gradient");
  }

  @Test
  void refusesOtherActivationsAndLosses() {
    MultiLayerConfiguration c = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT)
        .list().layer(new FusedOutputLayer.Builder().nIn(4).nOut(3)
            .lossFunction(LossFunctions.LossFunction.MSE).build()).build();
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> new MultiLayerNetwork(c).init());
    assertTrue(e.getMessage().contains("softmax"), e.getMessage());
  }
}
