package org.lenet5spark.model.kernels;

import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;

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
      a.assign(org.nd4j.linalg.factory.Nd4j.createFromArray(values).reshape('c', a.shape()));
    }
  }

  private static FloatPointer pointer(INDArray a) {
    FloatPointer p = new FloatPointer(a.data().addressPointer());
    return p.position(a.offset()).limit(a.offset() + a.length());
  }

  private static boolean dense(INDArray a) {
    return a.ordering() == 'c' && Shape.hasDefaultStridesForShape(a)
        && a.data().length() >= a.offset() + a.length();
  }

  private static void requireFloat(INDArray a) {
    if (a.dataType() != DataType.FLOAT) {
      throw new IllegalArgumentException("the fused LeNet-5 kernels compute in float32, got a "
          + a.dataType() + " array");
    }
  }
}
