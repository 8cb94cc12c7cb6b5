package org.lenet5spark.model.kernels;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The runtime layer of a {@link FusedDenseLayer}: copies the [minibatch, nIn] input and the
 * weights into Java arrays, splits the minibatch into one slice per kernel thread
 * ({@link KernelThreads}), runs a {@link DenseKernel} on each, and copies the results back into
 * DL4J's workspace arrays and gradient views. Like {@link ConvPoolLayerImpl} it reuses the
 * forward pass of the same input array for the backward pass and recomputes it otherwise.
 */
public class FusedDenseLayerImpl extends FusedLayerImpl<FusedDenseLayer> {
  private static final String W = DefaultParamInitializer.WEIGHT_KEY;
  private static final String B = DefaultParamInitializer.BIAS_KEY;
  private final transient List<DenseKernel> kernels = new ArrayList<>();
  private transient float[] inBuf = new float[0];
  private transient float[] outBuf = new float[0];
  private transient float[] epsBuf = new float[0];
  private transient float[] dInBuf = new float[0];
  private transient float[][] byInputRows = new float[0][];
  /** Weights as rows by output ([nOut][nIn], DL4J's memory order), read by the last forward. */
  private transient float[][] byOutputRows = new float[0][];
  private transient float[] dwF = new float[0];
  private transient float[] dbSum = new float[0];

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
    forward(n);
    INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT,
        new long[] {n, nOut()}, 'c');
    NdArrays.write(out, outBuf);
    forwardInput = training ? input : null;
    return out;
  }

  private void forward(int n) {
    if (inBuf.length != n * nIn()) {
      inBuf = new float[n * nIn()];
      dInBuf = new float[inBuf.length];
      outBuf = new float[n * nOut()];
      epsBuf = new float[outBuf.length];
    }
    NdArrays.read(input, inBuf);
    float[] fOrder = NdArrays.readMemory(getParam(W));
    float[][] byInput = byInput(fOrder);
    byOutput(fOrder);
    float[] b = NdArrays.read(getParam(B));
    int parts = FusedLayers.threads(n);
    forwardParts = parts;
    while (kernels.size() < parts) {
      kernels.add(new DenseKernel(nIn(), nOut(), layerConf().relu()));
    }
    KernelThreads.run(parts, i -> {
      int from = FusedLayers.sliceStart(n, parts, i);
      int count = FusedLayers.sliceStart(n, parts, i + 1) - from;
      kernels.get(i).forward(inBuf, from, count, byInput, b, outBuf);
    });
  }

  /** Weights as rows by input, [nIn][nOut], from their F-ordered memory (column by column). */
  private float[][] byInput(float[] fOrder) {
    int in = nIn();
    int out = nOut();
    if (byInputRows.length != in) {
      byInputRows = new float[in][out];
    }
    for (int i0 = 0; i0 < in; i0 += 16) {
      int i1 = Math.min(in, i0 + 16);
      for (int o = 0; o < out; o++) {
        int base = o * in;
        for (int i = i0; i < i1; i++) {
          byInputRows[i][o] = fOrder[base + i];
        }
      }
    }
    return byInputRows;
  }

  /** Weights as rows by output, [nOut][nIn]: their F-ordered memory cut into rows. */
  private void byOutput(float[] fOrder) {
    int in = nIn();
    int out = nOut();
    if (byOutputRows.length != out) {
      byOutputRows = new float[out][in];
    }
    for (int o = 0; o < out; o++) {
      System.arraycopy(fOrder, o * in, byOutputRows[o], 0, in);
    }
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
    assertInputSet(true);
    int n = (int) input.size(0);
    if (!forwardPending()) {
      forward(n);
    }
    NdArrays.read(epsilon, epsBuf);
    int in = nIn();
    int out = nOut();
    float[][] byOutput = byOutputRows;
    int parts = forwardParts;
    KernelThreads.run(parts, i -> kernels.get(i).backward(epsBuf,
        FusedLayers.sliceStart(n, parts, i), byOutput, dInBuf));
    if (dwF.length != in * out) {
      dwF = new float[in * out];
      dbSum = new float[out];
    }
    for (int o = 0; o < out; o++) {
      System.arraycopy(kernels.get(0).weightGradient()[o], 0, dwF, o * in, in);
    }
    System.arraycopy(kernels.get(0).biasGradient(), 0, dbSum, 0, out);
    for (int t = 1; t < parts; t++) {
      float[][] part = kernels.get(t).weightGradient();
      for (int o = 0; o < out; o++) {
        float[] row = part[o];
        int base = o * in;
        for (int i = 0; i < in; i++) {
          dwF[base + i] += row[i];
        }
      }
      float[] b = kernels.get(t).biasGradient();
      for (int o = 0; o < out; o++) {
        dbSum[o] += b[o];
      }
    }
    return gradients(W, dwF, true, B, dbSum, dInBuf, mgr);
  }
}
