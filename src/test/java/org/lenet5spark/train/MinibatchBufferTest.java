package org.lenet5spark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;
import org.lenet5spark.data.ExampleBlock;
import org.nd4j.linalg.dataset.DataSet;

/**
 * {@link MinibatchBuffer}: the same minibatches as {@link LocalEngine#gatherBatch}, in arrays
 * reused per minibatch size, with the labels of the previous minibatch cleared.
 */
class MinibatchBufferTest {
  private static ExampleBlock block(int n) {
    float[] pixels = new float[n * 4 * 4];
    int[] labels = new int[n];
    for (int e = 0; e < n; e++) {
      for (int p = 0; p < 16; p++) {
        pixels[e * 16 + p] = e + p / 100f;
      }
      labels[e] = (e * 3) % 10;
    }
    int[] indices = new int[n];
    for (int e = 0; e < n; e++) {
      indices[e] = e;
    }
    return new ExampleBlock(n, 4, 4, pixels, labels, indices);
  }

  @Test
  void sameMinibatchesAsAFreshGatherInReusedArrays() {
    ExampleBlock b = block(50);
    int[] order = LocalEngine.permutation(50, new java.util.SplittableRandom(7));
    MinibatchBuffer buffer = new MinibatchBuffer();
    DataSet first = null;
    for (int start = 0; start < 50; start += 8) {
      int n = Math.min(8, 50 - start);
      DataSet expected = LocalEngine.gatherBatch(b, order, start, n);
      DataSet got = buffer.gather(b, order, start, n);
      assertEquals(expected.getFeatures(), got.getFeatures(), "features at " + start);
      assertEquals(expected.getLabels(), got.getLabels(), "labels at " + start);
      assertEquals(n, got.getLabels().sumNumber().intValue(), "one label per example");
      if (start == 0) {
        first = got;
      } else if (n == 8) {
        assertSame(first.getFeatures(), got.getFeatures(), "features array reused");
        assertSame(first.getLabels(), got.getLabels(), "labels array reused");
      } else {
        assertNotSame(first.getFeatures(), got.getFeatures(), "a tail of another size");
      }
    }
  }
}
