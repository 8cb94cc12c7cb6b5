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
 * The runtime layer of a {@link ConvStages} configuration: copies DL4J's NCHW input into a Java
 * array, splits the minibatch into one slice per kernel thread ({@link KernelThreads}), and takes
 * each slice through all stages in one hand-off, one {@link ConvPoolKernel} per stage and slice
 * passing its output (forward) or input gradient (backward) to the next in the kernels' own
 * layout; then copies the last stage's output and the gradients back into DL4J's workspace arrays
 * and gradient views. The kernels keep what the backward pass needs from the last training
 * forward pass over the same input array; a backward pass for any other input recomputes it.
 */
public class ConvStagesLayerImpl extends FusedLayerImpl<ConvStages> {
  /** Per slice, one kernel per stage. */
  private final transient List<ConvPoolKernel[]> slices = new ArrayList<>();
  private transient List<ConvPoolShape> shapes;
  private transient int height;
  private transient int width;
  /** Weights read by the last forward pass, per stage, for the backward pass of the same step. */
  private transient float[][] weights = new float[0][];
  /** Weight and bias gradients per slice and stage. */
  private transient float[][][] dw = new float[0][][];
  private transient float[][][] db = new float[0][][];
  private transient float[] inBuf = new float[0];
  private transient float[] outBuf = new float[0];
  private transient float[] epsBuf = new float[0];
  private transient float[] dInBuf = new float[0];

  ConvStagesLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  @Override
  public Type type() {
    return Type.CONVOLUTIONAL;
  }

  private int stages() {
    return shapes.size();
  }

  private ConvPoolShape last() {
    return shapes.get(shapes.size() - 1);
  }

  private void prepare(int n, int h, int w) {
    if (shapes == null || height != h || width != w) {
      shapes = layerConf().shapes(h, w);
      height = h;
      width = w;
      slices.clear();
    }
    int threads = FusedLayers.threads(n);
    while (slices.size() < threads) {
      ConvPoolKernel[] chain = new ConvPoolKernel[stages()];
      for (int s = 0; s < chain.length; s++) {
        chain[s] = new ConvPoolKernel(shapes.get(s));
      }
      slices.add(chain);
    }
    if (inBuf.length != n * shapes.get(0).inputSize()) {
      inBuf = new float[n * shapes.get(0).inputSize()];
      dInBuf = new float[inBuf.length];
    }
    if (outBuf.length != n * last().outputSize()) {
      outBuf = new float[n * last().outputSize()];
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
    forward(x, n, training);
    ConvPoolShape out = last();
    INDArray result = mgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT,
        new long[] {n, out.filters(), out.poolHeight(), out.poolWidth()}, 'c');
    NdArrays.write(result, outBuf);
    forwardInput = training ? x : null;
    return result;
  }

  private void forward(INDArray x, int n, boolean training) {
    NdArrays.read(x, inBuf);
    ConvStages conf = layerConf();
    float[][] w = new float[stages()][];
    float[][] b = new float[stages()][];
    for (int s = 0; s < w.length; s++) {
      w[s] = NdArrays.read(getParam(conf.weightKey(s)));
      b[s] = NdArrays.read(getParam(conf.biasKey(s)));
    }
    weights = w;
    int parts = FusedLayers.threads(n);
    forwardParts = parts;
    KernelThreads.run(parts, i -> {
      int from = FusedLayers.sliceStart(n, parts, i);
      int count = FusedLayers.sliceStart(n, parts, i + 1) - from;
      ConvPoolKernel[] chain = slices.get(i);
      chain[0].forward(inBuf, from, count, w[0], b[0], training);
      for (int s = 1; s < chain.length; s++) {
        chain[s].forwardAbove(chain[s - 1], w[s], b[s], training);
      }
      chain[chain.length - 1].writeOutput(outBuf, from);
    });
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
    assertInputSet(true);
    int n = (int) input.size(0);
    if (!forwardPending()) {
      prepare(n, (int) input.size(2), (int) input.size(3));
      forward(input, n, true);
    }
    NdArrays.read(epsilon, epsBuf);
    float[][] w = weights;
    int parts = forwardParts;
    int stages = stages();
    if (dw.length < parts || dw[0].length != stages) {
      dw = new float[parts][stages][];
      db = new float[parts][stages][];
      for (int i = 0; i < parts; i++) {
        for (int s = 0; s < stages; s++) {
          dw[i][s] = new float[shapes.get(s).weightCount()];
          db[i][s] = new float[shapes.get(s).filters()];
        }
      }
    }
    boolean inputGradient = layerConf().isInputGradient();
    KernelThreads.run(parts, i -> {
      int from = FusedLayers.sliceStart(n, parts, i);
      ConvPoolKernel[] chain = slices.get(i);
      int top = chain.length - 1;
      for (int s = top; s >= 0; s--) {
        Arrays.fill(dw[i][s], 0f);
        Arrays.fill(db[i][s], 0f);
        boolean below = s > 0 || inputGradient;
        if (s == top) {
          chain[s].backward(epsBuf, from, w[s], dw[i][s], db[i][s], below);
        } else {
          chain[s].backwardBelow(chain[s + 1], w[s], dw[i][s], db[i][s], below);
        }
      }
      if (inputGradient) {
        chain[0].writeInputGradient(dInBuf, from);
      }
    });
    ConvStages conf = layerConf();
    for (int s = 0; s < stages; s++) {
      for (int i = 1; i < parts; i++) {
        addInto(dw[0][s], dw[i][s]);
        addInto(db[0][s], db[i][s]);
      }
      NdArrays.write(gradientViews.get(conf.weightKey(s)), dw[0][s]);
      NdArrays.write(gradientViews.get(conf.biasKey(s)), db[0][s]);
    }
    return gradients(inputGradient ? inputGradient(mgr) : null);
  }

  private INDArray inputGradient(LayerWorkspaceMgr mgr) {
    INDArray epsNext = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT,
        input.shape(), 'c');
    NdArrays.write(epsNext, dInBuf);
    return epsNext;
  }

  private static void addInto(float[] acc, float[] v) {
    for (int i = 0; i < acc.length; i++) {
      acc[i] += v[i];
    }
  }
}
