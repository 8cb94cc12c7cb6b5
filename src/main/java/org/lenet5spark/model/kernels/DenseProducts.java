package org.lenet5spark.model.kernels;

import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The three matrix products of a fully connected layer with DL4J's parameter layout (weights
 * [nIn, nOut] in F order, that is [nOut][nIn] row by row in memory), each one OpenBLAS call on
 * DL4J's own arrays ({@link Sgemm}). Shared by {@link FusedDenseLayerImpl} and
 * {@link FusedOutputLayerImpl}.
 */
final class DenseProducts {
  private DenseProducts() {
  }

  /** {@code out = x W}: x [n][nIn], out [n][nOut], both dense C-ordered. */
  static void forward(INDArray x, INDArray w, INDArray out) {
    int n = (int) x.size(0);
    int in = (int) x.size(1);
    int o = (int) out.size(1);
    Sgemm.multiply(false, true, n, o, in, NdArrays.pointer(NdArrays.denseC(x)), in,
        NdArrays.denseF(w), in, NdArrays.pointer(out), o);
  }

  /**
   * From {@code dz = dL/d(x W + b)} ([n][nOut], dense C-ordered, off-heap): the weight gradient
   * {@code x' dz} into its F-ordered view, the bias gradient {@code db} (summed by the caller)
   * into its view, and the input gradient {@code dz W'} into {@code epsNext} ([n][nIn]).
   */
  static void backward(INDArray dz, INDArray x, INDArray w, INDArray wGrad, INDArray bGrad,
      float[] db, INDArray epsNext) {
    int n = (int) x.size(0);
    int in = (int) x.size(1);
    int o = (int) dz.size(1);
    FloatPointer d = NdArrays.pointer(dz);
    // in the weights' memory order, [nOut][nIn]: dz' x
    Sgemm.multiply(true, false, o, in, n, d, o, NdArrays.pointer(NdArrays.denseC(x)), in,
        NdArrays.denseF(wGrad), in);
    NdArrays.write(bGrad, db);
    Sgemm.multiply(false, false, n, in, o, d, o, NdArrays.denseF(w), in,
        NdArrays.pointer(epsNext), in);
  }
}
