package org.lenet5spark.model.kernels;

import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Bulk copies between ND4J float arrays (off-heap) and Java float arrays, for the kernels that
 * compute on the Java heap. Arrays that are not one dense C-ordered block are copied through
 * {@code dup('c')} (reading) or {@code assign} (writing).
 */
final class NdArrays {
  private NdArrays() {
  }

  /** The elements of {@code a} in C order. */
  static float[] read(INDArray a) {
    requireFloat(a);
    INDArray c = dense(a) ? a : a.dup('c');
    float[] out = new float[(int) c.length()];
    pointer(c).get(out);
    return out;
  }

  /** The elements of {@code a} in C order, into {@code out} (which must have its length). */
  static void read(INDArray a, float[] out) {
    requireFloat(a);
    INDArray c = dense(a) ? a : a.dup('c');
    if (c.length() != out.length) {
      throw new IllegalArgumentException("array of " + c.length() + " elements, buffer of "
          + out.length);
    }
    pointer(c).get(out);
  }

  /** Sets the elements of {@code a}, in C order, from {@code values}. */
  static void write(INDArray a, float[] values) {
    requireFloat(a);
    if (a.length() != values.length) {
      throw new IllegalArgumentException("array of " + a.length() + " elements, "
          + values.length + " values");
    }
    if (dense(a)) {
      pointer(a).put(values);
    } else {
      a.assign(Nd4j.createFromArray(values).reshape('c', a.shape()));
    }
  }

  /**
   * The array's first element. ND4J gives a view its own {@code DataBuffer} whose address
   * already points at the view's start, and reports the view's offset from the original buffer
   * both as {@code a.offset()} and {@code a.data().offset()}; the difference is the position
   * within {@code a.data()} (0 for views, measured with ND4J 1.0.0-M2.1).
   */
  static FloatPointer pointer(INDArray a) {
    long start = a.offset() - a.data().offset();
    FloatPointer p = new FloatPointer(a.data().addressPointer());
    return p.position(start).limit(start + a.length());
  }

  /** {@code a} itself when it is one dense C-ordered block, otherwise a C-ordered copy. */
  static INDArray denseC(INDArray a) {
    requireFloat(a);
    return dense(a) ? a : a.dup('c');
  }

  /**
   * The memory of a dense F-ordered float array, such as DL4J's dense weights and their
   * gradient views; refuses anything else.
   */
  static FloatPointer denseF(INDArray a) {
    requireFloat(a);
    if (a.ordering() != 'f' || !denseInOwnOrder(a)) {
      throw new IllegalArgumentException("not a dense F-ordered array: " + a.shapeInfoToString());
    }
    return pointer(a);
  }

  private static boolean dense(INDArray a) {
    return (a.ordering() == 'c' || contiguousVector(a)) && denseInOwnOrder(a);
  }

  /**
   * A vector (every dimension but one of size 1) whose elements are adjacent: the same memory in
   * C and F order, such as DL4J's F-ordered flattened gradient [1, n].
   */
  private static boolean contiguousVector(INDArray a) {
    return a.isVectorOrScalar() && a.elementWiseStride() == 1;
  }

  private static boolean denseInOwnOrder(INDArray a) {
    long start = a.offset() - a.data().offset();
    return (contiguousVector(a)
        || java.util.Arrays.equals(a.stride(), Nd4j.getStrides(a.shape(), a.ordering())))
        && start >= 0 && a.data().length() >= start + a.length();
  }

  private static void requireFloat(INDArray a) {
    if (a.dataType() != DataType.FLOAT) {
      throw new IllegalArgumentException("the fused LeNet-5 kernels compute in float32, got a "
          + a.dataType() + " array");
    }
  }
}
