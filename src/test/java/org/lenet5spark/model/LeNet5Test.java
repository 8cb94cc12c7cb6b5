package org.lenet5spark.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/** Pins LeNet-5's architecture: parameter count, layer names and output shape. */
class LeNet5Test {
  @ParameterizedTest
  @CsvSource({"MODERN,FUSED", "MODERN,STOCK", "CLASSIC,FUSED", "CLASSIC,STOCK"})
  void parameterCountNamesAndOutputShape(LeNet5.Variant variant, LeNet5.Kernels kernels) {
    MultiLayerNetwork net = LeNet5.build(variant, kernels, 1, new Adam(1e-3), 0);
    assertEquals(61_706, net.numParams());
    String[] names = kernels == LeNet5.Kernels.FUSED ? LeNet5.FUSED_LAYER_NAMES
        : LeNet5.LAYER_NAMES;
    assertEquals(names.length, net.getnLayers());
    for (int i = 0; i < names.length; i++) {
      assertEquals(names[i], net.getLayer(i).conf().getLayer().getLayerName());
    }
    INDArray out = net.output(Nd4j.rand(new long[] {3, 1, 28, 28}));
    assertArrayEquals(new long[] {3, 10}, out.shape());
    assertEquals(3.0, out.sumNumber().doubleValue(), 1e-4, "softmax rows sum to 1");
  }
}
