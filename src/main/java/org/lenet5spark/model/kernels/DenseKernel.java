package org.lenet5spark.model.kernels;

import java.util.Arrays;

/**
 * The arithmetic of a fully connected layer with ReLU or tanh on Java arrays, forward and
 * backward, for a slice of the minibatch. Every inner loop is {@code y[i] += a0 * x0[i] + ...}
 * over whole rows of distinct arrays indexed from 0, the shape HotSpot's C2 vectorises (see
 * {@link ConvPoolKernel}): the forward pass runs over rows of the weights by input
 * ({@code [nIn][nOut]}), the weight and input gradients over rows by output ({@code [nOut][nIn]},
 * which is how DL4J stores dense weights in memory, so the gradient needs no transposition).
 */
final class DenseKernel {
  private final int nIn;
  private final int nOut;
  private final boolean relu;
  private float[][] x = new float[0][];
  private float[][] a = new float[0][];
  private float[][] dz = new float[0][];
  private float[][] dx = new float[0][];
  private float[][] dwByOutput = new float[0][];
  private float[] db = new float[0];

  DenseKernel(int nIn, int nOut, boolean relu) {
    this.nIn = nIn;
    this.nOut = nOut;
    this.relu = relu;
  }

  private void size(int m) {
    if (x.length != m) {
      x = new float[m][nIn];
      a = new float[m][nOut];
      dz = new float[m][nOut];
      dx = new float[m][nIn];
    }
  }

  /**
   * Forward pass of examples {@code [from, from + count)}.
   *
   * @param in the whole input batch, [n][nIn] row by row
   * @param byInput weights as rows by input, [nIn][nOut]
   * @param out the whole output batch, [n][nOut]; the slice's rows are written
   */
  void forward(float[] in, int from, int count, float[][] byInput, float[] b, float[] out) {
    size(count);
    for (int j = 0; j < count; j++) {
      float[] xi = x[j];
      System.arraycopy(in, (from + j) * nIn, xi, 0, nIn);
      float[] y = a[j];
      System.arraycopy(b, 0, y, 0, nOut);
      int i = 0;
      for (; i + 4 <= nIn; i += 4) {
        axpy4(xi[i], byInput[i], xi[i + 1], byInput[i + 1], xi[i + 2], byInput[i + 2],
            xi[i + 3], byInput[i + 3], y);
      }
      for (; i < nIn; i++) {
        axpy(xi[i], byInput[i], y);
      }
      for (int o = 0; o < nOut; o++) {
        y[o] = relu ? Math.max(y[o], 0f) : (float) Math.tanh(y[o]);
      }
      System.arraycopy(y, 0, out, (from + j) * nOut, nOut);
    }
  }

  /**
   * Backward pass of the slice of the last {@link #forward}: sets this slice's weight gradient
   * (rows by output, [nOut][nIn], the F-ordered memory layout of DL4J's dense weights) and bias
   * gradient in {@link #weightGradient()} and {@link #biasGradient()}, and writes its rows of the
   * input gradient.
   *
   * @param eps gradient of the loss with respect to the whole output batch
   * @param byOutput weights as rows by output, [nOut][nIn]
   */
  void backward(float[] eps, int from, float[][] byOutput, float[] dIn) {
    int m = x.length;
    if (dwByOutput.length != nOut) {
      dwByOutput = new float[nOut][nIn];
      db = new float[nOut];
    }
    Arrays.fill(db, 0f);
    for (int j = 0; j < m; j++) {
      float[] g = dz[j];
      float[] y = a[j];
      int e = (from + j) * nOut;
      for (int o = 0; o < nOut; o++) {
        float v = y[o];
        g[o] = eps[e + o] * (relu ? (v > 0f ? 1f : 0f) : 1f - v * v);
      }
      for (int o = 0; o < nOut; o++) {
        db[o] += g[o];
      }
    }
    for (int o = 0; o < nOut; o++) {
      float[] row = dwByOutput[o];
      Arrays.fill(row, 0f);
      int j = 0;
      for (; j + 4 <= m; j += 4) {
        axpy4(dz[j][o], x[j], dz[j + 1][o], x[j + 1], dz[j + 2][o], x[j + 2], dz[j + 3][o],
            x[j + 3], row);
      }
      for (; j < m; j++) {
        axpy(dz[j][o], x[j], row);
      }
    }
    for (int j = 0; j < m; j++) {
      float[] g = dz[j];
      float[] d = dx[j];
      Arrays.fill(d, 0f);
      int o = 0;
      for (; o + 4 <= nOut; o += 4) {
        axpy4(g[o], byOutput[o], g[o + 1], byOutput[o + 1], g[o + 2], byOutput[o + 2],
            g[o + 3], byOutput[o + 3], d);
      }
      for (; o < nOut; o++) {
        axpy(g[o], byOutput[o], d);
      }
      System.arraycopy(d, 0, dIn, (from + j) * nIn, nIn);
    }
  }

  /** The last backward pass's weight gradient of this slice, [nOut][nIn]. */
  float[][] weightGradient() {
    return dwByOutput;
  }

  /** The last backward pass's bias gradient of this slice. */
  float[] biasGradient() {
    return db;
  }

  private static void axpy(float a, float[] x, float[] y) {
    for (int i = 0; i < y.length; i++) {
      y[i] += a * x[i];
    }
  }

  private static void axpy4(float a0, float[] x0, float a1, float[] x1, float a2, float[] x2,
      float a3, float[] x3, float[] y) {
    for (int i = 0; i < y.length; i++) {
      y[i] += a0 * x0[i] + a1 * x1[i] + a2 * x2[i] + a3 * x3[i];
    }
  }
}
