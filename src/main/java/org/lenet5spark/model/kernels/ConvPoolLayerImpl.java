package org.lenet5spark.model.kernels;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The runtime layer of a {@link ConvPoolLayer}: copies DL4J's NCHW input into Java arrays, splits
 * the minibatch into one slice per kernel thread ({@link KernelThreads}), runs a
 * {@link ConvPoolKernel} on each, and copies the results back into DL4J's workspace arrays and
 * gradient views. The kernels keep what the backward pass needs from the last training forward
 * pass over the same input array; a backward pass for any other input recomputes it.
 */
public class ConvPoolLayerImpl extends BaseLayer<ConvPoolLayer> {
  private final transient List<ConvPoolKernel> kernels = new ArrayList<>();
  private transient ConvPoolShape shape;
  private transient INDArray forwardInput;
  /** Slices of the last forward pass; the backward pass reuses their kernels' state. */
  private transient int forwardParts;
  private transient int forwardBatch;
  private transient float[] inBuf = new float[0];
  private transient float[] outBuf = new float[0];
  private transient float[] epsBuf = new float[0];
  private transient float[] dInBuf = new float[0];

  ConvPoolLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  @Override
  public boolean isPretrainLayer() {
    return false;
  }

  @Override
  public Type type() {
    return Type.CONVOLUTIONAL;
  }

  private void prepare(int n, int h, int w) {
    if (shape == null || shape.height() != h || shape.width() != w) {
      shape = layerConf().shape(h, w);
      kernels.clear();
    }
    int threads = FusedLayers.threads(n);
    while (kernels.size() < threads) {
      kernels.add(new ConvPoolKernel(shape));
    }
    if (inBuf.length != n * shape.inputSize()) {
      inBuf = new float[n * shape.inputSize()];
      dInBuf = new float[inBuf.length];
    }
    if (outBuf.length != n * shape.outputSize()) {
      outBuf = new float[n * shape.outputSize()];
      epsBuf = new float[outBuf.length];
    }
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
    assertInputSet(false);
    applyDropOutIfNecessary(training, mgr);
    INDArray x = input;
    if (x.rank() != 4 || x.size(1) != layerConf().getNIn()) {
      throw new IllegalStateException("layer '" + layerConf().getLayerName()
          + "' expects input [minibatch, " + layerConf().getNIn() + ", height, width], got "
          + Arrays.toString(x.shape()));
    }
    int n = (int) x.size(0);
    prepare(n, (int) x.size(2), (int) x.size(3));
    forward(x, n);
    INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT,
        new long[] {n, shape.filters(), shape.poolHeight(), shape.poolWidth()}, 'c');
    NdArrays.write(out, outBuf);
    forwardInput = training ? x : null;
    return out;
  }

  private void forward(INDArray x, int n) {
    NdArrays.read(x, inBuf);
    float[] w = NdArrays.read(getParam(ConvPoolParams.WEIGHTS));
    float[] b = NdArrays.read(getParam(ConvPoolParams.BIAS));
    int parts = FusedLayers.threads(n);
    forwardParts = parts;
    KernelThreads.run(parts, i -> {
      int from = FusedLayers.sliceStart(n, parts, i);
      kernels.get(i).forward(inBuf, from, FusedLayers.sliceStart(n, parts, i + 1) - from, w, b, outBuf);
    });
    forwardBatch = n;
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
    assertInputSet(true);
    int n = (int) input.size(0);
    if (forwardInput != input || forwardBatch != n) {
      prepare(n, (int) input.size(2), (int) input.size(3));
      forward(input, n);
    }
    NdArrays.read(epsilon, epsBuf);
    float[] w = NdArrays.read(getParam(ConvPoolParams.WEIGHTS));
    int parts = forwardParts;
    float[][] dw = new float[parts][shape.weightCount()];
    float[][] db = new float[parts][shape.filters()];
    boolean inputGradient = layerConf().isInputGradient();
    KernelThreads.run(parts, i -> kernels.get(i).backward(epsBuf, FusedLayers.sliceStart(n, parts, i), w,
        dw[i], db[i], inputGradient ? dInBuf : null));
    for (int i = 1; i < parts; i++) {
      addInto(dw[0], dw[i]);
      addInto(db[0], db[i]);
    }
    INDArray wGrad = gradientViews.get(ConvPoolParams.WEIGHTS);
    INDArray bGrad = gradientViews.get(ConvPoolParams.BIAS);
    NdArrays.write(wGrad, dw[0]);
    NdArrays.write(bGrad, db[0]);
    Gradient g = new DefaultGradient();
    g.gradientForVariable().put(ConvPoolParams.BIAS, bGrad);
    g.gradientForVariable().put(ConvPoolParams.WEIGHTS, wGrad);
    forwardInput = null;
    if (!inputGradient) {
      return new Pair<>(g, null);
    }
    INDArray epsNext = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT,
        input.shape(), 'c');
    NdArrays.write(epsNext, dInBuf);
    return new Pair<>(g, epsNext);
  }

  private static void addInto(float[] acc, float[] v) {
    for (int i = 0; i < acc.length; i++) {
      acc[i] += v[i];
    }
  }

  @Override
  public void clear() {
    super.clear();
    forwardInput = null;
  }
}
