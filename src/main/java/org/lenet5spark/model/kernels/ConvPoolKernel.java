package org.lenet5spark.model.kernels;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import org.bytedeco.javacpp.FloatPointer;

/**
 * The arithmetic of one LeNet-5 stage on plain float arrays: a k x k convolution (stride 1, zero
 * padding {@code pad}), a bias, an activation (ReLU or tanh) and 2 x 2 pooling with stride 2 (max
 * or average), forward and backward. No DL4J or ND4J here: {@link ConvStagesLayerImpl} copies
 * DL4J's NCHW arrays in (first stage) and out (last stage), and consecutive stages of a slice
 * hand each other their output and input gradient in the kernels' own layout; a stage with many
 * weights (C3) computes its weight gradient as one OpenBLAS product over an im2col copy of the
 * rows below ({@link #BLAS_WEIGHTS}).
 *
 * <p>Inside, a slice of the minibatch is held "batch innermost": one Java array per image row,
 * holding [column][example]. The input is kept once per kernel column {@code kx}, shifted by
 * {@code kx} columns, so that every multiply-add of the convolution, of its weight gradient and of
 * its input gradient is a loop {@code y[i] += a * x[i]} (or {@code acc[i] += x[i] * y[i]}) over a
 * whole row of two distinct arrays from index 0. HotSpot's C2 compiles exactly that shape to SIMD
 * instructions; with different start offsets in the two arrays it cannot rule out aliasing and
 * stays scalar (measured: 4.4 vs 24 GFLOP/s, docs/performance.md). One instance holds the
 * buffers of one slice and is reused from minibatch to minibatch. Max pooling pools the
 * pre-activations (ReLU and tanh are increasing, so pooling before the activation gives the same
 * output and a quarter of the activation work) and, when training, notes which window position
 * held the maximum (the first one, as DL4J routes the gradient), so that the backward pass
 * stores one gradient per window into zeroed rows. For average pooling the activations are
 * kept.
 */
final class ConvPoolKernel {
  /** Weight count from which the weight gradient is one OpenBLAS product. */
  static final int BLAS_WEIGHTS = 1024;
  private final ConvPoolShape s;
  private final int k;
  private final int c;
  private final int f;
  private final int hp;
  private final int ho;
  private final int wo;
  private int m;
  private int row;
  /** Padded input rows shifted by kx: [kx][channel][padded row][x * m + example]. */
  private float[][][] xs;
  /** Pre-activations, then (average pooling) activations: [filter][row][x * m + example]. */
  private float[][][] z;
  private float[][][] dz;
  /** Input-gradient rows per kx, same layout as {@link #xs}. */
  private float[][][] dxs;
  /** Input gradient folded over kx: [channel][padded row][padded column * m + example]. */
  private float[][][] dxp;
  private float[] pooled = new float[0];
  private float[] epsT = new float[0];
  /**
   * Max pooling, after a training forward pass: which window position held the maximum,
   * (row offset) * 2 + (column offset).
   */
  private byte[] argMax = new byte[0];
  private float[] acc = new float[0];
  private float[] padded = new float[0];
  private final int taps;
  /**
   * Whether the weight gradient is one OpenBLAS product over an im2col matrix: worth it from about
   * a thousand weights (C3: 2,400, 1.50 -> 1.02 ms per 32 images with single-threaded OpenBLAS);
   * for C1 (150 weights, one channel: the im2col matrix is 25 times the image) the Java loops are
   * faster, and so are they for the convolution and the input gradient of both stages
   * (docs/performance.md).
   */
  private final boolean blas;
  /** Positions of the convolution output per filter: (row, column, example), {@code ho * row}. */
  private int positions;
  /**
   * Off-heap im2col matrix [tap][position], tap = (channel, ky, kx) in the weights' order; a
   * direct buffer, so that rows are copied in by the JDK's bulk copy, and a pointer to the same
   * memory for OpenBLAS.
   */
  private FloatBuffer col;
  private FloatPointer colPtr;
  /** Off-heap gradient of the convolution output, [filter][position]. */
  private FloatBuffer dzOff;
  private FloatPointer dzPtr;
  /** Off-heap weight gradient, transposed: [tap][filter]. */
  private FloatBuffer dwOff;
  private FloatPointer dwPtr;
  private float[] dwSlice = new float[0];

  ConvPoolKernel(ConvPoolShape shape) {
    this.s = shape;
    this.k = shape.kernel();
    this.c = shape.channels();
    this.f = shape.filters();
    this.hp = shape.paddedHeight();
    this.ho = shape.convHeight();
    this.wo = shape.convWidth();
    this.taps = c * k * k;
    this.blas = f * taps >= BLAS_WEIGHTS;
  }

  private void size(int examples) {
    if (examples == m) {
      return;
    }
    m = examples;
    row = wo * m;
    xs = new float[k * c][hp][row];
    dxs = new float[k * c][hp][row];
    dxp = new float[c][hp][s.paddedWidth() * m];
    z = new float[f][ho][row];
    dz = new float[f][ho][row];
    pooled = new float[f * s.poolHeight() * s.poolWidth() * m];
    epsT = new float[pooled.length];
    argMax = new byte[pooled.length];
    acc = new float[row];
    padded = new float[s.paddedWidth() * m];
    positions = ho * row;
    if (blas) {
      col = directFloats((long) taps * positions);
      colPtr = new FloatPointer(col);
      dzOff = directFloats((long) f * positions);
      dzPtr = new FloatPointer(dzOff);
      dwOff = directFloats((long) f * taps);
      dwPtr = new FloatPointer(dwOff);
      dwSlice = new float[f * taps];
    }
  }

  private static FloatBuffer directFloats(long count) {
    if (count > Integer.MAX_VALUE / Float.BYTES) {
      throw new IllegalStateException("minibatch slice too large for the weight-gradient buffer: "
          + count + " floats");
    }
    return ByteBuffer.allocateDirect((int) count * Float.BYTES).order(ByteOrder.nativeOrder())
        .asFloatBuffer();
  }

  /**
   * Forward pass for examples {@code [from, from + count)} of an NCHW batch; the pooled output
   * stays in this kernel ({@link #writeOutput}, or the next stage's {@link #forwardAbove}).
   *
   * @param in the whole input batch, NCHW
   * @param w weights [filters][channels][k][k]
   * @param b biases [filters]
   * @param training whether a backward pass follows (max pooling then notes where the maxima
   *     were)
   */
  void forward(float[] in, int from, int count, float[] w, float[] b, boolean training) {
    size(count);
    pack(in, from, null);
    convolve(w, b);
    pool(training);
  }

  /**
   * Forward pass of the next stage on the same slice: its input is the pooled output of
   * {@code below} (the stage under this one, whose filters are this stage's channels), taken
   * straight from that kernel's batch-innermost block, without an NCHW copy.
   */
  void forwardAbove(ConvPoolKernel below, float[] w, float[] b, boolean training) {
    size(below.m);
    pack(null, 0, below);
    convolve(w, b);
    pool(training);
  }

  /**
   * Writes the slice's pooled output into its part of the whole NCHW output batch
   * [n][filters][poolHeight][poolWidth], starting at example {@code from}.
   */
  void writeOutput(float[] out, int from) {
    toNchw(pooled, out, from, f * s.poolHeight() * s.poolWidth());
  }

  /**
   * Backward pass for the same slice as the last forward pass, given the gradient of the loss
   * with respect to the whole NCHW output batch: adds this slice's weight and bias gradients to
   * {@code dw} and {@code db}, and (when {@code inputGradient}) keeps the input gradient for
   * {@link #writeInputGradient} or the stage below's {@link #backwardBelow}.
   */
  void backward(float[] eps, int from, float[] w, float[] dw, float[] db, boolean inputGradient) {
    fromNchw(eps, from, epsT, f * s.poolHeight() * s.poolWidth());
    backward(w, dw, db, inputGradient);
  }

  /**
   * Backward pass of the stage under {@code above} on the same slice: the gradient with respect
   * to this stage's output is {@code above}'s input gradient, taken from its block.
   */
  void backwardBelow(ConvPoolKernel above, float[] w, float[] dw, float[] db,
      boolean inputGradient) {
    int hq = s.poolHeight();
    int wq = s.poolWidth();
    int pad = above.s.padding();
    for (int fo = 0; fo < f; fo++) {
      for (int yq = 0; yq < hq; yq++) {
        System.arraycopy(above.dxp[fo][yq + pad], pad * m, epsT, (fo * hq + yq) * wq * m,
            wq * m);
      }
    }
    backward(w, dw, db, inputGradient);
  }

  private void backward(float[] w, float[] dw, float[] db, boolean inputGradient) {
    poolBackward();
    biasGradient(db);
    if (blas) {
      weightGradientBlas(dw);
    } else {
      weightGradientJava(dw);
    }
    if (inputGradient) {
      inputGradient(w);
      foldInputGradient();
    }
  }

  /**
   * Fills the shifted input rows {@link #xs} of the slice: from its examples of an NCHW batch
   * ({@code in}, from example {@code from}), or, when {@code below} is given, from that stage's
   * pooled block, whose rows are already batch-innermost (whole rows, by array copies).
   */
  private void pack(float[] in, int from, ConvPoolKernel below) {
    int h = s.height();
    int wd = s.width();
    int pad = s.padding();
    int plane = h * wd;
    int wp = s.paddedWidth();
    for (int ci = 0; ci < c; ci++) {
      for (int yy = 0; yy < hp; yy++) {
        int iy = yy - pad;
        if (iy < 0 || iy >= h) {
          for (int kx = 0; kx < k; kx++) {
            Arrays.fill(xs[kx * c + ci][yy], 0f);
          }
          continue;
        }
        Arrays.fill(padded, 0, pad * m, 0f);
        Arrays.fill(padded, (pad + wd) * m, wp * m, 0f);
        if (below != null) {
          System.arraycopy(below.pooled, (ci * h + iy) * wd * m, padded, pad * m, wd * m);
        } else {
          int src = from * c * plane + (ci * h + iy) * wd;
          for (int ix = 0; ix < wd; ix++) {
            int o = (ix + pad) * m;
            for (int j = 0; j < m; j++) {
              padded[o + j] = in[src + ix + j * c * plane];
            }
          }
        }
        for (int kx = 0; kx < k; kx++) {
          System.arraycopy(padded, kx * m, xs[kx * c + ci][yy], 0, row);
        }
      }
    }
  }

  private void convolve(float[] w, float[] b) {
    int taps = c * k * k;
    for (int y = 0; y < ho; y++) {
      for (int fo = 0; fo < f; fo++) {
        Arrays.fill(z[fo][y], b[fo]);
      }
      for (int ci = 0; ci < c; ci++) {
        for (int ky = 0; ky < k; ky++) {
          int wi = (ci * k + ky) * k;
          int kx = 0;
          for (; kx + 5 <= k; kx += 5) {
            float[] x0 = xs[kx * c + ci][y + ky];
            float[] x1 = xs[(kx + 1) * c + ci][y + ky];
            float[] x2 = xs[(kx + 2) * c + ci][y + ky];
            float[] x3 = xs[(kx + 3) * c + ci][y + ky];
            float[] x4 = xs[(kx + 4) * c + ci][y + ky];
            for (int fo = 0; fo < f; fo++) {
              int o = fo * taps + wi + kx;
              axpy5(w[o], x0, w[o + 1], x1, w[o + 2], x2, w[o + 3], x3, w[o + 4], x4, z[fo][y]);
            }
          }
          for (; kx < k; kx++) {
            float[] x = xs[kx * c + ci][y + ky];
            for (int fo = 0; fo < f; fo++) {
              axpy(w[fo * taps + wi + kx], x, z[fo][y]);
            }
          }
        }
      }
    }
  }

  private void pool(boolean training) {
    int hq = s.poolHeight();
    int wq = s.poolWidth();
    boolean relu = s.relu();
    for (int fo = 0; fo < f; fo++) {
      for (int yq = 0; yq < hq; yq++) {
        float[] r0 = z[fo][2 * yq];
        float[] r1 = z[fo][2 * yq + 1];
        for (int xq = 0; xq < wq; xq++) {
          int c0 = 2 * xq * m;
          int c1 = c0 + m;
          int q = ((fo * hq + yq) * wq + xq) * m;
          if (s.maxPooling()) {
            for (int j = 0; j < m; j++) {
              float a00 = r0[c0 + j];
              float a01 = r0[c1 + j];
              float a10 = r1[c0 + j];
              float best = Math.max(Math.max(a00, a01), Math.max(a10, r1[c1 + j]));
              pooled[q + j] = activate(best, relu);
              if (training) {
                // the first position holding the maximum, as DL4J's pooling routes the
                // gradient; 0/1 flags and arithmetic, not branches, which random data would
                // mispredict
                int n00 = a00 == best ? 0 : 1;
                int n01 = a01 == best ? 0 : 1;
                int n10 = a10 == best ? 0 : 1;
                argMax[q + j] = (byte) (n00 * (1 + n01 * (1 + n10)));
              }
            }
          } else {
            for (int j = 0; j < m; j++) {
              float a00 = activate(r0[c0 + j], relu);
              float a01 = activate(r0[c1 + j], relu);
              float a10 = activate(r1[c0 + j], relu);
              float a11 = activate(r1[c1 + j], relu);
              r0[c0 + j] = a00;
              r0[c1 + j] = a01;
              r1[c0 + j] = a10;
              r1[c1 + j] = a11;
              pooled[q + j] = 0.25f * (a00 + a01 + a10 + a11);
            }
          }
        }
      }
    }
  }


  private static float activate(float v, boolean relu) {
    return relu ? Math.max(v, 0f) : (float) Math.tanh(v);
  }

  /** Derivative of the activation, given the activated value. */
  private static float slope(float a, boolean relu) {
    return relu ? (a > 0f ? 1f : 0f) : 1f - a * a;
  }

  private void poolBackward() {
    int hq = s.poolHeight();
    int wq = s.poolWidth();
    boolean relu = s.relu();
    for (int fo = 0; fo < f; fo++) {
      for (int yq = 0; yq < hq; yq++) {
        float[] a0 = z[fo][2 * yq];
        float[] a1 = z[fo][2 * yq + 1];
        float[] g0 = dz[fo][2 * yq];
        float[] g1 = dz[fo][2 * yq + 1];
        if (s.maxPooling()) {
          Arrays.fill(g0, 0f);
          Arrays.fill(g1, 0f);
        }
        for (int xq = 0; xq < wq; xq++) {
          int c0 = 2 * xq * m;
          int c1 = c0 + m;
          int q = ((fo * hq + yq) * wq + xq) * m;
          if (s.maxPooling()) {
            // the rows were zeroed above: only the position of the maximum gets the gradient
            for (int j = 0; j < m; j++) {
              int at = argMax[q + j];
              float[] g = (at & 2) == 0 ? g0 : g1;
              g[c0 + (at & 1) * m + j] = epsT[q + j] * slope(pooled[q + j], relu);
            }
          } else {
            for (int j = 0; j < m; j++) {
              float g = 0.25f * epsT[q + j];
              g0[c0 + j] = g * slope(a0[c0 + j], relu);
              g0[c1 + j] = g * slope(a0[c1 + j], relu);
              g1[c0 + j] = g * slope(a1[c0 + j], relu);
              g1[c1 + j] = g * slope(a1[c1 + j], relu);
            }
          }
        }
      }
    }
  }

  private void biasGradient(float[] db) {
    for (int fo = 0; fo < f; fo++) {
      Arrays.fill(acc, 0f);
      for (int y = 0; y < ho; y++) {
        add(dz[fo][y], acc);
      }
      db[fo] += sum(acc);
    }
  }

  /**
   * Adds {@code dz x'} to {@code dw} with Java loops: per weight, two rows per pass of
   * {@code acc[i] += dz[i] * x[i]}, then one sum.
   */
  private void weightGradientJava(float[] dw) {
    for (int fo = 0; fo < f; fo++) {
      for (int ci = 0; ci < c; ci++) {
        for (int ky = 0; ky < k; ky++) {
          for (int kx = 0; kx < k; kx++) {
            float[][] in = xs[kx * c + ci];
            float[][] g = dz[fo];
            Arrays.fill(acc, 0f);
            int y = 0;
            for (; y + 2 <= ho; y += 2) {
              multiplyAdd2(g[y], in[y + ky], g[y + 1], in[y + 1 + ky], acc);
            }
            for (; y < ho; y++) {
              multiplyAdd(g[y], in[y + ky], acc);
            }
            dw[((fo * c + ci) * k + ky) * k + kx] += sum(acc);
          }
        }
      }
    }
  }

  /**
   * Adds {@code dz col'} to {@code dw} with one OpenBLAS product: the shifted input rows and the
   * rows of {@link #dz} copied straight into the off-heap im2col matrix [tap][position] and
   * [filter][position] block.
   */
  private void weightGradientBlas(float[] dw) {
    for (int ci = 0; ci < c; ci++) {
      for (int ky = 0; ky < k; ky++) {
        for (int kx = 0; kx < k; kx++) {
          int base = ((ci * k + ky) * k + kx) * positions;
          float[][] rows = xs[kx * c + ci];
          for (int y = 0; y < ho; y++) {
            col.put(base + y * row, rows[y + ky], 0, row);
          }
        }
      }
    }
    for (int fo = 0; fo < f; fo++) {
      for (int y = 0; y < ho; y++) {
        dzOff.put(fo * positions + y * row, dz[fo][y], 0, row);
      }
    }
    // as col dz' ([tap][filter]): 150 x 16 is a faster shape for OpenBLAS than 16 x 150
    // (0.30 vs 0.39 ms per 32 images, docs/performance.md)
    Sgemm.multiply(false, true, taps, f, positions, colPtr, positions, dzPtr, positions, dwPtr,
        f);
    dwOff.get(0, dwSlice, 0, f * taps);
    for (int t = 0; t < taps; t++) {
      for (int fo = 0; fo < f; fo++) {
        dw[fo * taps + t] += dwSlice[t * f + fo];
      }
    }
  }

  /** The input gradient by rows, {@code dxs += W' dz}, with Java loops. */
  private void inputGradient(float[] w) {
    for (float[][] rows : dxs) {
      for (float[] r : rows) {
        Arrays.fill(r, 0f);
      }
    }
    for (int y = 0; y < ho; y++) {
      for (int ci = 0; ci < c; ci++) {
        for (int ky = 0; ky < k; ky++) {
          for (int kx = 0; kx < k; kx++) {
            float[] target = dxs[kx * c + ci][y + ky];
            int wi = (ci * k + ky) * k + kx;
            int fo = 0;
            for (; fo + 4 <= f; fo += 4) {
              int o = fo * taps + wi;
              axpy4(w[o], dz[fo][y], w[o + taps], dz[fo + 1][y], w[o + 2 * taps], dz[fo + 2][y],
                  w[o + 3 * taps], dz[fo + 3][y], target);
            }
            for (; fo < f; fo++) {
              axpy(w[fo * taps + wi], dz[fo][y], target);
            }
          }
        }
      }
    }
  }

  /** Folds the k column-shifted input-gradient rows into one padded row per (channel, row). */
  private void foldInputGradient() {
    int h = s.height();
    int pad = s.padding();
    for (int ci = 0; ci < c; ci++) {
      for (int yy = pad; yy < pad + h; yy++) {
        float[] folded = dxp[ci][yy];
        Arrays.fill(folded, 0f);
        for (int kx = 0; kx < k; kx++) {
          float[] r = dxs[kx * c + ci][yy];
          int off = kx * m;
          for (int i = 0; i < row; i++) {
            folded[off + i] += r[i];
          }
        }
      }
    }
  }

  /**
   * Writes the input gradient of the last backward pass (with {@code inputGradient}), cropped
   * to the unpadded input, into the slice's part of the whole NCHW input gradient.
   */
  void writeInputGradient(float[] dIn, int from) {
    int h = s.height();
    int wd = s.width();
    int pad = s.padding();
    // example by example, so that the NCHW batch is written sequentially
    for (int j = 0; j < m; j++) {
      int dst = (from + j) * c * h * wd;
      for (int ci = 0; ci < c; ci++) {
        for (int iy = 0; iy < h; iy++) {
          float[] folded = dxp[ci][iy + pad];
          for (int ix = 0; ix < wd; ix++) {
            dIn[dst++] = folded[(ix + pad) * m + j];
          }
        }
      }
    }
  }

  /**
   * Copies a batch-innermost block [position][example] into the slice's part of an NCHW batch,
   * example by example, so that the batch (the larger array) is written sequentially.
   */
  private void toNchw(float[] block, float[] nchw, int from, int perExample) {
    for (int j = 0; j < m; j++) {
      int dst = (from + j) * perExample;
      for (int p = 0; p < perExample; p++) {
        nchw[dst + p] = block[p * m + j];
      }
    }
  }

  /** The inverse of {@link #toNchw}: the slice's part of an NCHW batch into [position][example]. */
  private void fromNchw(float[] nchw, int from, float[] block, int perExample) {
    for (int j = 0; j < m; j++) {
      int src = (from + j) * perExample;
      for (int p = 0; p < perExample; p++) {
        block[p * m + j] = nchw[src + p];
      }
    }
  }

  /** {@code y[i] += a * x[i]} for every {@code i < y.length}. */
  private static void axpy(float a, float[] x, float[] y) {
    for (int i = 0; i < y.length; i++) {
      y[i] += a * x[i];
    }
  }

  /** {@code y[i] += a0 * x0[i] + ... + a4 * x4[i]}: one load and store of y for five taps. */
  private static void axpy5(float a0, float[] x0, float a1, float[] x1, float a2, float[] x2,
      float a3, float[] x3, float a4, float[] x4, float[] y) {
    for (int i = 0; i < y.length; i++) {
      y[i] += a0 * x0[i] + a1 * x1[i] + a2 * x2[i] + a3 * x3[i] + a4 * x4[i];
    }
  }

  /** {@code y[i] += a0 * x0[i] + ... + a3 * x3[i]}. */
  private static void axpy4(float a0, float[] x0, float a1, float[] x1, float a2, float[] x2,
      float a3, float[] x3, float[] y) {
    for (int i = 0; i < y.length; i++) {
      y[i] += a0 * x0[i] + a1 * x1[i] + a2 * x2[i] + a3 * x3[i];
    }
  }

  /** {@code acc[i] += a[i] * b[i]} for every {@code i < acc.length}. */
  private static void multiplyAdd(float[] a, float[] b, float[] acc) {
    for (int i = 0; i < acc.length; i++) {
      acc[i] += a[i] * b[i];
    }
  }

  /** {@code acc[i] += a0[i] * b0[i] + a1[i] * b1[i]}. */
  private static void multiplyAdd2(float[] a0, float[] b0, float[] a1, float[] b1, float[] acc) {
    for (int i = 0; i < acc.length; i++) {
      acc[i] += a0[i] * b0[i] + a1[i] * b1[i];
    }
  }

  private static void add(float[] x, float[] acc) {
    for (int i = 0; i < acc.length; i++) {
      acc[i] += x[i];
    }
  }

  /** The sum of {@code v}, with eight independent partial sums (the JIT does not vectorise it). */
  private static float sum(float[] v) {
    float s0 = 0f;
    float s1 = 0f;
    float s2 = 0f;
    float s3 = 0f;
    float s4 = 0f;
    float s5 = 0f;
    float s6 = 0f;
    float s7 = 0f;
    int i = 0;
    for (; i + 8 <= v.length; i += 8) {
      s0 += v[i];
      s1 += v[i + 1];
      s2 += v[i + 2];
      s3 += v[i + 3];
      s4 += v[i + 4];
      s5 += v[i + 5];
      s6 += v[i + 6];
      s7 += v[i + 7];
    }
    for (; i < v.length; i++) {
      s0 += v[i];
    }
    return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
  }
}
