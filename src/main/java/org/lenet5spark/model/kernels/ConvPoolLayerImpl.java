package org.lenet5spark.model.kernels;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
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
public class ConvPoolLayerImpl extends FusedLayerImpl<ConvPoolLayer> {
  private final transient List<ConvPoolKernel> kernels = new ArrayList<>();
  private transient ConvPoolShape shape;
  /** Weights read by the last forward pass; the backward pass of the same step uses them. */
  private transient float[] weights = new float[0];
  private transient float[][] dw = new float[0][];
  private transient float[][] db = new float[0][];
  private transient float[] inBuf = new float[0];
  private transient float[] outBuf = new float[0];
  private transient float[] epsBuf = new float[0];
  private transient float[] dInBuf = new float[0];

  ConvPoolLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
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
    weights = w;
    float[] b = NdArrays.read(getParam(ConvPoolParams.BIAS));
    int parts = FusedLayers.threads(n);
    forwardParts = parts;
    KernelThreads.run(parts, i -> {
      int from = FusedLayers.sliceStart(n, parts, i);
      int count = FusedLayers.sliceStart(n, parts, i + 1) - from;
      kernels.get(i).forward(inBuf, from, count, w, b, outBuf);
    });
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
    assertInputSet(true);
    int n = (int) input.size(0);
    if (!forwardPending()) {
      prepare(n, (int) input.size(2), (int) input.size(3));
      forward(input, n);
    }
    NdArrays.read(epsilon, epsBuf);
    float[] w = weights;
    int parts = forwardParts;
    if (dw.length < parts) {
      dw = new float[parts][shape.weightCount()];
      db = new float[parts][shape.filters()];
    }
    boolean inputGradient = layerConf().isInputGradient();
    KernelThreads.run(parts, i -> {
      Arrays.fill(dw[i], 0f);
      Arrays.fill(db[i], 0f);
      kernels.get(i).backward(epsBuf, FusedLayers.sliceStart(n, parts, i), w, dw[i], db[i],
          inputGradient ? dInBuf : null);
    });
    for (int i = 1; i < parts; i++) {
      addInto(dw[0], dw[i]);
      addInto(db[0], db[i]);
    }
    return gradients(ConvPoolParams.WEIGHTS, dw[0], false, ConvPoolParams.BIAS, db[0],
        inputGradient ? dInBuf : null, mgr);
  }

  private static void addInto(float[] acc, float[] v) {
    for (int i = 0; i < acc.length; i++) {
      acc[i] += v[i];
    }
  }
}
