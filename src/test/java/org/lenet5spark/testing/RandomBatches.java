package org.lenet5spark.testing;

import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Seeded random minibatches in LeNet-5's shapes, for tests that compare two ways of computing the
 * same network (the fused kernels against DL4J's layers, one updater against another).
 */
public final class RandomBatches {
  private RandomBatches() {
  }

  /** {@code n} Gaussian images [n, 1, 28, 28]. */
  public static INDArray images(int n, long seed) {
    Random r = new Random(seed);
    float[] v = new float[n * 784];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return Nd4j.create(v, new long[] {n, 1, 28, 28}, 'c');
  }

  /** {@code n} one-hot labels [n, 10]. */
  public static INDArray labels(int n, long seed) {
    Random r = new Random(seed);
    INDArray y = Nd4j.zeros(DataType.FLOAT, n, 10);
    for (int i = 0; i < n; i++) {
      y.putScalar(i, r.nextInt(10), 1f);
    }
    return y;
  }

  /** Images and labels from the same seed. */
  public static DataSet batch(int n, long seed) {
    return new DataSet(images(n, seed), labels(n, seed));
  }

  /** The largest absolute difference relative to {@code expected}'s largest absolute value. */
  public static double maxRelDiff(INDArray expected, INDArray actual) {
    double scale = Math.max(expected.amaxNumber().doubleValue(), 1e-12);
    return expected.sub(actual).amaxNumber().doubleValue() / scale;
  }
}
