package org.lenet5spark.model.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.lenet5spark.model.LeNet5;
import org.lenet5spark.testing.RandomBatches;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * The gradient check of the fused convolution kernels: a LeNet-5 built with the
 * {@link ConvStagesLayer} (and one built the earlier way, a {@link ConvPoolLayer} per stage) and
 * one built from DL4J's stock convolution and subsampling layers, given the same parameters and
 * minibatch, must agree on the output, the loss and every parameter gradient (DL4J's own layers
 * are gradient-checked upstream), and so must the stages' input gradient; the fused network's
 * gradient also matches central finite differences of its own loss, and the result does not
 * depend on how many threads split the minibatch.
 */
class ConvStagesLayerTest {
  @AfterEach
  void clearThreads() {
    System.clearProperty(KernelThreads.PROPERTY);
  }

  private static MultiLayerNetwork pair(LeNet5.Variant v, LeNet5.Kernels k,
      MultiLayerNetwork from) {
    MultiLayerNetwork net = LeNet5.build(v, k, 3, new Sgd(0.1), 0);
    if (from != null) {
      net.setParams(from.params().dup());
    }
    return net;
  }

  private static INDArray gradient(MultiLayerNetwork net, INDArray x, INDArray y) {
    net.setInput(x);
    net.setLabels(y);
    net.computeGradientAndScore();
    return net.gradient().gradient().dup();
  }

  private static double maxAbs(INDArray a) {
    return a.amaxNumber().doubleValue();
  }

  /**
   * LeNet-5 with one {@link ConvPoolLayer} per stage, from the configuration that commit 284f832
   * (before the stages were joined) wrote: models saved then must still load and compute the
   * same function from the same parameter vector.
   */
  private static MultiLayerNetwork perStageLayers(LeNet5.Variant v, MultiLayerNetwork from)
      throws IOException {
    String name = "/legacy/fused-per-stage-" + v.name().toLowerCase(Locale.ROOT) + ".json";
    String json;
    try (InputStream in = ConvStagesLayerTest.class.getResourceAsStream(name)) {
      json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    MultiLayerNetwork net = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(json));
    net.init();
    assertTrue(net.getLayer(0).conf().getLayer() instanceof ConvPoolLayer, name);
    net.setParams(from.params().dup());
    return net;
  }

  @ParameterizedTest
  @CsvSource({"MODERN,true", "CLASSIC,true", "MODERN,false", "CLASSIC,false"})
  void matchesTheStockLayers(LeNet5.Variant variant, boolean stagesLayer) throws IOException {
    MultiLayerNetwork stock = pair(variant, LeNet5.Kernels.STOCK, null);
    MultiLayerNetwork fused = stagesLayer ? pair(variant, LeNet5.Kernels.FUSED, stock)
        : perStageLayers(variant, stock);
    assertEquals(stock.numParams(), fused.numParams());
    for (int n : new int[] {1, 7, 64}) {
      INDArray x = RandomBatches.images(n, n);
      INDArray y = RandomBatches.labels(n, n);
      INDArray outStock = stock.output(x);
      INDArray outFused = fused.output(x);
      assertTrue(maxAbs(outStock.sub(outFused)) < 1e-5, "outputs, batch " + n);
      INDArray gs = gradient(stock, x, y);
      INDArray gf = gradient(fused, x, y);
      assertEquals(stock.score(), fused.score(), 1e-5, "loss, batch " + n);
      double scale = maxAbs(gs);
      assertTrue(scale > 1e-3, "a gradient that is not trivially zero");
      double diff = maxAbs(gs.sub(gf));
      assertTrue(diff <= 1e-4 * scale, "gradients differ by " + diff + " (scale " + scale
          + "), batch " + n);
    }
  }

  /**
   * Every C1 pooling window holds four equal maxima (images of 2 x 2 blocks, C1 filters that pass
   * the centre pixel through), and C1's weight gradient depends on which of them gets the
   * gradient (the pixels around each differ): it must go where DL4J's pooling sends it.
   */
  @Test
  void tiedMaximaRouteTheGradientLikeDl4j() {
    MultiLayerNetwork stock = pair(LeNet5.Variant.MODERN, LeNet5.Kernels.STOCK, null);
    INDArray p = stock.params();
    // C1: biases 0..5, then weights [6][1][5][5]: only the centre tap, positive
    p.get(NDArrayIndex.interval(0, 156)).assign(0);
    for (int fo = 0; fo < 6; fo++) {
      p.putScalar(6 + fo * 25 + 12, 1 + 0.25 * fo);
    }
    MultiLayerNetwork fused = pair(LeNet5.Variant.MODERN, LeNet5.Kernels.FUSED, stock);
    int n = 8;
    float[] pixels = new float[n * 784];
    java.util.Random r = new java.util.Random(5);
    for (int e = 0; e < n; e++) {
      for (int by = 0; by < 14; by++) {
        for (int bx = 0; bx < 14; bx++) {
          float v = (float) r.nextGaussian();
          for (int d = 0; d < 4; d++) {
            pixels[e * 784 + (2 * by + d / 2) * 28 + 2 * bx + d % 2] = v;
          }
        }
      }
    }
    INDArray x = Nd4j.create(pixels, new long[] {n, 1, 28, 28}, 'c');
    INDArray y = RandomBatches.labels(n, 5);
    INDArray gs = gradient(stock, x, y);
    INDArray gf = gradient(fused, x, y);
    INDArray c1s = gs.get(NDArrayIndex.interval(6, 156));
    INDArray c1f = gf.get(NDArrayIndex.interval(6, 156));
    double scale = maxAbs(c1s);
    assertTrue(scale > 1e-3, "a C1 weight gradient that is not trivially zero");
    double diff = maxAbs(c1s.sub(c1f));
    assertTrue(diff <= 1e-4 * scale, "C1 weight gradients differ by " + diff + " (scale "
        + scale + ")");
    assertTrue(maxAbs(gs.sub(gf)) <= 1e-4 * maxAbs(gs), "gradients differ");
  }

  /** With L2 too: it must reach the stages' weights, and not their biases, as DL4J's layers. */
  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(doubles = {0, 1e-2})
  void trainingStepsStayTogether(double l2) {
    MultiLayerNetwork stock = LeNet5.build(LeNet5.Variant.MODERN, LeNet5.Kernels.STOCK, 5,
        new Adam(1e-3), l2);
    MultiLayerNetwork fused = LeNet5.build(LeNet5.Variant.MODERN, LeNet5.Kernels.FUSED, 5,
        new Adam(1e-3), l2);
    fused.setParams(stock.params().dup());
    for (int step = 0; step < 20; step++) {
      INDArray x = RandomBatches.images(32, 100 + step);
      INDArray y = RandomBatches.labels(32, 100 + step);
      stock.fit(x, y);
      fused.fit(x, y);
    }
    double diff = maxAbs(stock.params().sub(fused.params()));
    assertTrue(diff < 1e-3, "parameters after 20 Adam steps differ by " + diff);
  }

  @Test
  void gradientMatchesFiniteDifferences() {
    MultiLayerNetwork net = LeNet5.build(LeNet5.Variant.CLASSIC, LeNet5.Kernels.FUSED, 11,
        new Sgd(0.1), 0);
    INDArray x = RandomBatches.images(4, 1);
    INDArray y = RandomBatches.labels(4, 1);
    INDArray g = gradient(net, x, y);
    INDArray params = net.params();
    // stage 1 (C1): biases 0..5, weights 6..155; stage 2 (C3): biases 156..171, weights 172..2571
    int[] probes = {0, 3, 6, 40, 155, 156, 170, 172, 900, 2571};
    double eps = 1e-2;
    for (int i : probes) {
      float p0 = params.getFloat(i);
      params.putScalar(i, p0 + eps);
      double up = score(net, x, y);
      params.putScalar(i, p0 - eps);
      double down = score(net, x, y);
      params.putScalar(i, p0);
      // DL4J's gradient is of the summed loss; its score is the mean over the minibatch
      double numeric = x.size(0) * (up - down) / (2 * eps);
      double analytic = g.getDouble(i);
      assertEquals(numeric, analytic, 2e-3 + 0.02 * Math.abs(numeric), "parameter " + i);
    }
  }

  private static double score(MultiLayerNetwork net, INDArray x, INDArray y) {
    net.setInput(x);
    net.setLabels(y);
    net.computeGradientAndScore();
    return net.score();
  }

  @Test
  void threadCountDoesNotChangeTheResult() {
    MultiLayerNetwork net = LeNet5.build(LeNet5.Variant.MODERN, LeNet5.Kernels.FUSED, 2,
        new Sgd(0.1), 0);
    INDArray x = RandomBatches.images(13, 4);
    INDArray y = RandomBatches.labels(13, 4);
    System.setProperty(KernelThreads.PROPERTY, "1");
    INDArray one = gradient(net, x, y);
    INDArray outOne = net.output(x);
    System.setProperty(KernelThreads.PROPERTY, "3");
    INDArray three = gradient(net, x, y);
    INDArray outThree = net.output(x);
    assertTrue(maxAbs(outOne.sub(outThree)) == 0.0, "forward slices are independent");
    assertTrue(maxAbs(one.sub(three)) <= 1e-5 * maxAbs(one), "slices' gradients are summed");
  }

  /** C1-S2 and C3-S4 alone: stock, or one {@link ConvStagesLayer} with its input gradient. */
  private static MultiLayerNetwork stages(boolean fused, LeNet5.Variant v) {
    boolean modern = v == LeNet5.Variant.MODERN;
    Activation act = modern ? Activation.RELU : Activation.TANH;
    PoolingType pool = modern ? PoolingType.MAX : PoolingType.AVG;
    NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder().seed(4)
        .dataType(DataType.FLOAT).updater(new Sgd(0.1)).list();
    if (fused) {
      b.layer(new ConvStagesLayer.Builder().nIn(1).stage(6, 5, 2).stage(16, 5, 0)
          .maxPooling(modern).activation(act).build());
    } else {
      b.layer(new ConvolutionLayer.Builder(5, 5).nIn(1).nOut(6).padding(2, 2).activation(act)
              .build())
          .layer(new SubsamplingLayer.Builder(pool).kernelSize(2, 2).stride(2, 2).build())
          .layer(new ConvolutionLayer.Builder(5, 5).nOut(16).activation(act).build())
          .layer(new SubsamplingLayer.Builder(pool).kernelSize(2, 2).stride(2, 2).build());
    }
    MultiLayerNetwork net = new MultiLayerNetwork(b
        .setInputType(InputType.convolutional(LeNet5.SIZE, LeNet5.SIZE, 1)).build());
    net.init();
    return net;
  }

  @ParameterizedTest
  @EnumSource(LeNet5.Variant.class)
  void stagesInputGradientMatchesTheStockLayers(LeNet5.Variant variant) {
    MultiLayerNetwork stock = stages(false, variant);
    MultiLayerNetwork fused = stages(true, variant);
    fused.setParams(stock.params().dup());
    LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
    INDArray x = RandomBatches.images(5, 21).reshape(5, 1, 28, 28);
    INDArray eps = RandomBatches.images(5, 22).reshape(5, 16, 7, 7)
        .get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, 5),
            NDArrayIndex.interval(0, 5)).dup();
    INDArray[] dIn = new INDArray[2];
    INDArray[] dParams = new INDArray[2];
    MultiLayerNetwork[] nets = {stock, fused};
    for (int i = 0; i < 2; i++) {
      nets[i].initGradientsView();
      nets[i].setInput(x);
      nets[i].feedForward(true, false);
      var p = nets[i].backpropGradient(eps, mgr);
      dIn[i] = p.getSecond().dup();
      dParams[i] = nets[i].getFlattenedGradients().dup();
    }
    assertArrayEquals(new long[] {5, 1, 28, 28}, dIn[1].shape());
    double scale = maxAbs(dIn[0]);
    assertTrue(scale > 1e-3, "an input gradient that is not trivially zero");
    assertTrue(maxAbs(dIn[0].sub(dIn[1])) <= 1e-4 * scale, "input gradients differ");
    assertTrue(maxAbs(dParams[0].sub(dParams[1])) <= 1e-4 * maxAbs(dParams[0]),
        "parameter gradients differ");
  }

  @Test
  void firstLayerReturnsNoInputGradientAndBackpropRecomputesAForeignForward() {
    MultiLayerNetwork net = LeNet5.build(LeNet5.Variant.MODERN, LeNet5.Kernels.FUSED, 2,
        new Sgd(0.1), 0);
    net.initGradientsView();
    LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
    var first = net.getLayer(0);
    INDArray in = RandomBatches.images(2, 9).reshape(2, 1, 28, 28);
    INDArray eps = Nd4j.rand(DataType.FLOAT, 2, 16, 5, 5);
    first.setInput(in, mgr);
    first.activate(true, mgr);
    var cached = first.backpropGradient(eps, mgr);
    assertNull(cached.getSecond());
    INDArray cachedGradient = cached.getFirst().gradient().dup();
    first.setInput(RandomBatches.images(2, 10).reshape(2, 1, 28, 28), mgr);
    first.activate(true, mgr);
    first.setInput(in, mgr);
    INDArray recomputed = first.backpropGradient(eps, mgr).getFirst().gradient();
    assertEquals(0.0, maxAbs(cachedGradient.sub(recomputed)),
        "backprop recomputes the forward pass");
  }

  @Test
  void configurationAndModelRoundTrip() throws Exception {
    MultiLayerNetwork net = LeNet5.build(LeNet5.Variant.CLASSIC, LeNet5.Kernels.FUSED, 8,
        new Adam(1e-3), 0);
    MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
    assertEquals(conf, MultiLayerConfiguration.fromJson(conf.toJson()));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ModelSerializer.writeModel(net, bytes, true);
    MultiLayerNetwork back = ModelSerializer.restoreMultiLayerNetwork(
        new ByteArrayInputStream(bytes.toByteArray()), true);
    INDArray x = RandomBatches.images(3, 2);
    assertEquals(0.0, maxAbs(net.output(x).sub(back.output(x))));
  }

  @Test
  void refusesWhatItCannotCompute() {
    assertThrows(IllegalArgumentException.class,
        () -> new ConvPoolShape(1, 27, 27, 6, 5, 0, true, true), "odd convolution output");
    assertThrows(IllegalStateException.class, () -> KernelThreads.parse("0"));
    assertThrows(IllegalStateException.class, () -> KernelThreads.parse("two"));
    var layer = new ConvPoolLayer.Builder().nIn(1).nOut(2)
        .activation(org.nd4j.linalg.activations.Activation.SIGMOID).build();
    assertThrows(IllegalStateException.class, layer::relu);
  }
}
