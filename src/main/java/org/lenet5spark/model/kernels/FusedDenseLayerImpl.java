package org.lenet5spark.model.kernels;

import java.util.Arrays;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The runtime layer of a {@link FusedDenseLayer}: the three matrix products of a fully connected
 * layer (forward, weight gradient, input gradient) as one OpenBLAS call each
 * ({@link DenseProducts}),
 * straight on DL4J's arrays (the input, the F-ordered weights and their gradient view, the
 * output and the input gradient), and the bias, the activation and its derivative in one Java
 * pass over the small [minibatch, nOut] block. The product runs on the calling thread: at
 * LeNet-5's sizes one BLAS call is faster than slicing the minibatch across threads. Like
 * {@link ConvStagesLayerImpl} it keeps the activations of the last training forward pass of the
 * same input for the backward pass and recomputes them otherwise.
 */
public class FusedDenseLayerImpl extends FusedLayerImpl<FusedDenseLayer> {
  private static final String W = DefaultParamInitializer.WEIGHT_KEY;
  private static final String B = DefaultParamInitializer.BIAS_KEY;
  /** Activations of the last forward pass, [n][nOut] row by row. */
  private transient float[] act = new float[0];
  private transient float[] epsBuf = new float[0];
  private transient float[] db = new float[0];
  /** Off-heap scratch: the forward output when there is no output array, then dL/dz. */
  private transient INDArray scratch;

  FusedDenseLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  @Override
  public Type type() {
    return Type.FEED_FORWARD;
  }

  private int nIn() {
    return (int) layerConf().getNIn();
  }

  private int nOut() {
    return (int) layerConf().getNOut();
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
    assertInputSet(false);
    applyDropOutIfNecessary(training, mgr);
    if (input.rank() != 2 || input.size(1) != nIn()) {
      throw new IllegalStateException("layer '" + layerConf().getLayerName()
          + "' expects input [minibatch, " + nIn() + "], got " + Arrays.toString(input.shape()));
    }
    int n = (int) input.size(0);
    INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT,
        new long[] {n, nOut()}, 'c');
    forward(n, out);
    forwardInput = training ? input : null;
    return out;
  }

  private void size(int n) {
    int o = nOut();
    if (act.length != n * o) {
      act = new float[n * o];
      epsBuf = new float[n * o];
      scratch = Nd4j.createUninitializedDetached(DataType.FLOAT, n, o);
    }
  }

  /** out = act(input W + b), kept in {@link #act} as well. */
  private void forward(int n, INDArray out) {
    size(n);
    int o = nOut();
    DenseProducts.forward(input, getParam(W), out);
    NdArrays.read(out, act);
    float[] b = NdArrays.read(getParam(B));
    boolean relu = layerConf().relu();
    for (int j = 0; j < n; j++) {
      int r = j * o;
      for (int k = 0; k < o; k++) {
        float v = act[r + k] + b[k];
        act[r + k] = relu ? Math.max(v, 0f) : (float) Math.tanh(v);
      }
    }
    NdArrays.write(out, act);
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
    assertInputSet(true);
    int n = (int) input.size(0);
    int o = nOut();
    if (!forwardPending()) {
      size(n);
      forward(n, scratch);
    }
    NdArrays.read(epsilon, epsBuf);
    boolean relu = layerConf().relu();
    for (int i = 0; i < n * o; i++) {
      float a = act[i];
      epsBuf[i] *= relu ? (a > 0f ? 1f : 0f) : 1f - a * a;
    }
    if (db.length != o) {
      db = new float[o];
    }
    return gradients(DenseProducts.backward(epsBuf, scratch, input, getParam(W),
        gradientViews.get(W), gradientViews.get(B), db, mgr));
  }
}
