package org.lenet5spark.compat;

import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Sets subnormal float32 values (non-zero, magnitude below {@link Float#MIN_NORMAL}, about
 * 1.2e-38) to zero. An x86 core computes with a subnormal operand or result through a microcode
 * assist, tens to hundreds of times slower than a normal operation, and Java has no way to turn
 * on the CPU's flush-to-zero and denormals-are-zero modes. With L2 regularisation and Adam, the
 * weights of units that no longer activate and their first moments decay into the subnormal range
 * and stay there (after 4 epochs of the default run: 2,676 of the 61,706 parameters and 2,886
 * first moments), so every training step's convolutions and products over them take the slow
 * path: measured, a Spark worker's CPU time per averaging round grew by 10-20% from epoch 2 to
 * epoch 4 without the flush and stayed flat with it (docs/performance.md, round 7). Values this
 * small contribute nothing a float32 sum could keep, so the trained model is unchanged in every
 * figure that matters (the same test accuracy per epoch to the fourth digit in that run).
 * {@link FlatGradientUpdater} (the per-step updater every engine's network trains with) flushes
 * the parameters and the updater state every {@link #PERIOD} iterations. It lives with the DL4J
 * workarounds because it works around the platform under DL4J, in the one per-step hook.
 */
public final class Subnormals {
  /**
   * Iterations between two flushes: a value that became subnormal is used at most this many
   * steps, and a scan (about 30 us for LeNet-5's parameters and Adam state) costs well under
   * 0.1% of the steps in between.
   */
  public static final int PERIOD = 8;

  private float[] buffer = new float[0];

  /** Sets the subnormal values of {@code a} to zero and returns how many there were. */
  public int flush(INDArray a) {
    if (a == null || a.dataType() != DataType.FLOAT || a.isEmpty()) {
      return 0;
    }
    if (buffer.length != a.length()) {
      buffer = new float[Math.toIntExact(a.length())];
    }
    if (!contiguous(a)) {
      float[] copy = a.dup('c').data().asFloat();
      int flushed = flush(copy);
      if (flushed > 0) {
        a.assign(Nd4j.createFromArray(copy).reshape('c', a.shape()));
      }
      return flushed;
    }
    FloatPointer p = pointer(a);
    p.get(buffer);
    int flushed = flush(buffer);
    if (flushed > 0) {
      p.put(buffer);
    }
    return flushed;
  }

  /** Sets the subnormal values of {@code x} to zero and returns how many there were. */
  public static int flush(float[] x) {
    int flushed = 0;
    for (int i = 0; i < x.length; i++) {
      float v = x[i];
      if (v != 0f && Math.abs(v) < Float.MIN_NORMAL) {
        x[i] = 0f;
        flushed++;
      }
    }
    return flushed;
  }

  /** Whether {@code a} holds a subnormal value (for tests and checks; copies the array). */
  public static boolean any(INDArray a) {
    if (a == null || a.dataType() != DataType.FLOAT || a.isEmpty()) {
      return false;
    }
    for (float v : a.dup('c').data().asFloat()) {
      if (v != 0f && Math.abs(v) < Float.MIN_NORMAL) {
        return true;
      }
    }
    return false;
  }

  /** A vector whose elements are adjacent in memory (the parameters, the updater state). */
  private static boolean contiguous(INDArray a) {
    return a.isVectorOrScalar() && a.elementWiseStride() == 1;
  }

  /**
   * The vector's memory: ND4J gives a view a buffer whose address is the view's start, and the
   * difference of the two offsets is the position within it (as {@code FlatGradientUpdater}
   * compares addresses).
   */
  private static FloatPointer pointer(INDArray a) {
    long start = a.offset() - a.data().offset();
    FloatPointer p = new FloatPointer(a.data().addressPointer());
    return p.position(start).limit(start + a.length());
  }
}
