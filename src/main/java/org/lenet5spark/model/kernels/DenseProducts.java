package org.lenet5spark.model.kernels;

import java.util.Arrays;
import org.bytedeco.javacpp.FloatPointer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
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
   * The backward pass of a fully connected layer from {@code dz = dL/d(x W + b)} given as Java
   * rows [n][nOut]: sums the bias gradient into {@code db} (nOut long, scratch) and its view,
   * copies {@code dz} into the off-heap {@code dzArr}, puts the weight gradient into its view and
   * returns the input gradient, a new [n][nIn] workspace array.
   */
  static INDArray backward(float[] dz, INDArray dzArr, INDArray x, INDArray w, INDArray wGrad,
      INDArray bGrad, float[] db, LayerWorkspaceMgr mgr) {
    int n = (int) x.size(0);
    int o = db.length;
    Arrays.fill(db, 0f);
    for (int j = 0; j < n; j++) {
      int r = j * o;
      for (int k = 0; k < o; k++) {
        db[k] += dz[r + k];
      }
    }
    NdArrays.write(dzArr, dz);
    INDArray epsNext = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT,
        new long[] {n, x.size(1)}, 'c');
    backward(dzArr, x, w, wGrad, bGrad, db, epsNext);
    return epsNext;
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
