package org.lenet5spark.model.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Bulk copies on the arrays DL4J hands to layers: whole arrays, parameter and gradient views at
 * an offset inside a flat vector (C and F ordered), and non-contiguous views.
 */
class NdArraysTest {
  private static INDArray range(int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = i;
    }
    return Nd4j.createFromArray(v);
  }

  private static INDArray flat() {
    return range(100);
  }

  @Test
  void readsAndWritesViewsAtTheirOffset() {
    INDArray all = flat();
    INDArray seg = all.get(NDArrayIndex.interval(30, 42)).reshape('c', 3, 4);
    float[] v = NdArrays.read(seg);
    assertEquals(30f, v[0]);
    assertEquals(41f, v[11]);
    float[] w = new float[12];
    java.util.Arrays.fill(w, -1f);
    NdArrays.write(seg, w);
    assertEquals(29f, all.getFloat(29));
    assertEquals(-1f, all.getFloat(30));
    assertEquals(-1f, all.getFloat(41));
    assertEquals(42f, all.getFloat(42));
  }

  @Test
  void fOrderedViewsInMemoryOrderAndInCOrder() {
    INDArray all = flat();
    INDArray f = all.get(NDArrayIndex.interval(10, 16)).reshape('f', 2, 3);
    assertArrayEquals(new float[] {10, 11, 12, 13, 14, 15}, readMemory(f));
    assertArrayEquals(new float[] {10, 12, 14, 11, 13, 15}, NdArrays.read(f));
    writeMemory(f, new float[] {0, 1, 2, 3, 4, 5});
    assertEquals(9f, all.getFloat(9));
    assertEquals(0f, all.getFloat(10));
    assertEquals(5f, all.getFloat(15));
    assertEquals(16f, all.getFloat(16));
  }

  @Test
  void fOrderedRowVectorsAreContiguous() {
    // DL4J's flattened gradient is an F-ordered [1, n] row; the updater gets views of it
    INDArray grad = Nd4j.create(DataType.FLOAT, new long[] {1, 20}, 'f');
    INDArray block = grad.get(NDArrayIndex.interval(0, 1), NDArrayIndex.interval(5, 15));
    float[] values = new float[10];
    for (int i = 0; i < values.length; i++) {
      values[i] = i + 0.5f;
    }
    NdArrays.write(block, values);
    assertArrayEquals(values, NdArrays.read(block));
    assertEquals(0f, grad.getFloat(0, 4));
    assertEquals(0.5f, grad.getFloat(0, 5));
    assertEquals(9.5f, grad.getFloat(0, 14));
    assertEquals(0f, grad.getFloat(0, 15));
    assertArrayEquals(values, NdArrays.read(block.reshape(10)));
  }

  @Test
  void nonContiguousViewsGoThroughCopies() {
    INDArray m = range(12).reshape('c', 3, 4);
    INDArray t = m.transpose();
    assertArrayEquals(new float[] {0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}, NdArrays.read(t));
    INDArray col = m.get(NDArrayIndex.all(), NDArrayIndex.point(1));
    NdArrays.write(col, new float[] {-1, -2, -3});
    assertEquals(-2f, m.getFloat(1, 1));
    assertEquals(2f, m.getFloat(0, 2));
  }

  @Test
  void refusesOtherTypesAndLengths() {
    assertThrows(IllegalArgumentException.class,
        () -> NdArrays.read(Nd4j.zeros(DataType.DOUBLE, 3)));
    assertThrows(IllegalArgumentException.class,
        () -> NdArrays.write(Nd4j.zeros(DataType.FLOAT, 3), new float[2]));
  }

  /**
   * The elements of {@code a} in the order they lie in memory: C order for a C-ordered array,
   * Fortran order (column by column) for a dense F-ordered one, such as DL4J's dense weights.
   */
  private static float[] readMemory(INDArray a) {
    if (a.ordering() == 'c') {
      return NdArrays.read(a);
    }
    float[] out = new float[(int) a.length()];
    NdArrays.denseF(a).get(out);
    return out;
  }

  /** Sets the elements of {@code a} from {@code values} given in {@code a}'s memory order. */
  private static void writeMemory(INDArray a, float[] values) {
    if (a.ordering() == 'c') {
      NdArrays.write(a, values);
      return;
    }
    assertEquals(a.length(), values.length);
    NdArrays.denseF(a).put(values);
  }
}
