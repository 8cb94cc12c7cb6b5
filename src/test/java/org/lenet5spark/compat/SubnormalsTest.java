package org.lenet5spark.compat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@link Subnormals}: exactly the subnormal values become zero (not zero, the smallest normal
 * value, NaN or infinities), in views too ({@code FlatGradientUpdaterTest} checks that the
 * updater flushes).
 */
class SubnormalsTest {
  private static final float LARGEST_SUBNORMAL = Math.nextDown(Float.MIN_NORMAL);

  @Test
  void flushesExactlyTheSubnormalValues() {
    float[] x = {Float.MIN_VALUE, -Float.MIN_VALUE, LARGEST_SUBNORMAL, -LARGEST_SUBNORMAL,
        Float.MIN_NORMAL, -Float.MIN_NORMAL, 0f, -0f, 1e-30f, 1f, Float.NaN,
        Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MAX_VALUE};
    float[] expected = {0f, 0f, 0f, 0f, Float.MIN_NORMAL, -Float.MIN_NORMAL, 0f, -0f, 1e-30f, 1f,
        Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MAX_VALUE};
    assertEquals(4, Subnormals.flush(x));
    assertArrayEquals(expected, x);
    assertEquals(0, Subnormals.flush(x), "nothing left");
  }

  @Test
  void flushesAViewAndLeavesTheRestOfItsBuffer() {
    INDArray all = Nd4j.createFromArray(new float[] {Float.MIN_VALUE, 2f, LARGEST_SUBNORMAL,
        3f, -Float.MIN_VALUE, Float.MIN_VALUE});
    INDArray view = all.get(NDArrayIndex.interval(1, 5));
    Subnormals s = new Subnormals();
    assertTrue(Subnormals.any(view));
    assertEquals(2, s.flush(view));
    assertFalse(Subnormals.any(view));
    assertArrayEquals(new float[] {Float.MIN_VALUE, 2f, 0f, 3f, 0f, Float.MIN_VALUE},
        all.toFloatVector(), "only the view's elements change");
    assertEquals(0, s.flush(Nd4j.createFromArray(1e-320, 1.0)), "float32 only");
    assertEquals(0, s.flush((INDArray) null));
    assertEquals(0, s.flush(Nd4j.empty(DataType.FLOAT)));
  }
}
