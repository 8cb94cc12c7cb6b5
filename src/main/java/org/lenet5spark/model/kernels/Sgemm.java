package org.lenet5spark.model.kernels;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;

/**
 * Single-precision matrix products straight on ND4J's off-heap buffers, through the OpenBLAS
 * library that nd4j-native already loads: {@code C = A' B'} with row-major matrices, where
 * {@code '} is an optional transposition. One native call, no ND4J op around it (a
 * {@code Nd4j.gemm} of LeNet-5's F5 shape costs about 30 us more than the product itself,
 * docs/performance.md). OpenBLAS's thread count is ND4J's ({@code OMP_NUM_THREADS}).
 */
final class Sgemm {
  private Sgemm() {
  }

  /**
   * {@code c[m][n] = op(a) op(b)}, with {@code op(a)} m x k and {@code op(b)} k x n; the leading
   * dimensions are the row lengths of the matrices as stored.
   */
  static void multiply(boolean transA, boolean transB, int m, int n, int k, FloatPointer a,
      int lda, FloatPointer b, int ldb, FloatPointer c, int ldc) {
    openblas.cblas_sgemm(openblas.CblasRowMajor,
        transA ? openblas.CblasTrans : openblas.CblasNoTrans,
        transB ? openblas.CblasTrans : openblas.CblasNoTrans,
        m, n, k, 1f, a, lda, b, ldb, 0f, c, ldc);
  }
}
