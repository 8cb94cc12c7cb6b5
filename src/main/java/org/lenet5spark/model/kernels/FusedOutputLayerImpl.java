package org.lenet5spark.model.kernels;

import java.util.Arrays;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.OutputLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * The runtime layer of a {@link FusedOutputLayer}: probabilities {@code p = softmax(x W + b)}
 * (one OpenBLAS product, then the bias and a numerically stable softmax per example in Java), the
 * gradient {@code dL/dz = p - y} as DL4J 1.0.0-M2.1's unweighted MCXENT computes it for softmax
 * (for any labels, also those that do not sum to 1), the weight,
 * bias and input gradients (two more products, straight on DL4J's arrays), and the score
 * {@code -sum(y log max(p, eps)) / n} plus the regularisation term, with DL4J's clipping
 * epsilon. Masks, dropout and weight noise go to DL4J's own implementation.
 */
public class FusedOutputLayerImpl extends OutputLayer {
  private static final long serialVersionUID = 1L;
  private static final String W = DefaultParamInitializer.WEIGHT_KEY;
  private static final String B = DefaultParamInitializer.BIAS_KEY;
  private transient float[] probs = new float[0];
  private transient float[] y = new float[0];
  private transient float[] db = new float[0];
  /** Off-heap [n, nOut]: the product, then dL/dz. */
  private transient INDArray scratch;

  FusedOutputLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  private int nIn() {
    return (int) layerConf().getNIn();
  }

  private int nOut() {
    return (int) layerConf().getNOut();
  }

  /** Whether this call can take the fused path. */
  private boolean fusable() {
    return maskArray == null && layerConf().getIDropout() == null
        && layerConf().getWeightNoise() == null && input != null && input.rank() == 2
        && input.dataType() == DataType.FLOAT && input.size(1) == nIn();
  }

  /** Softmax probabilities of the current input into {@link #probs}; the product lands in out. */
  private void probabilities(int n, INDArray out) {
    int o = nOut();
    DenseProducts.forward(input, getParam(W), out);
    if (probs.length != n * o) {
      probs = new float[n * o];
      y = new float[n * o];
    }
    NdArrays.read(out, probs);
    float[] b = NdArrays.read(getParam(B));
    for (int j = 0; j < n; j++) {
      int r = j * o;
      float max = Float.NEGATIVE_INFINITY;
      for (int k = 0; k < o; k++) {
        float v = probs[r + k] + b[k];
        probs[r + k] = v;
        max = Math.max(max, v);
      }
      float sum = 0f;
      for (int k = 0; k < o; k++) {
        float e = (float) Math.exp(probs[r + k] - max);
        probs[r + k] = e;
        sum += e;
      }
      for (int k = 0; k < o; k++) {
        probs[r + k] /= sum;
      }
    }
  }

  private INDArray scratch(int n) {
    if (scratch == null || scratch.size(0) != n) {
      scratch = Nd4j.createUninitializedDetached(DataType.FLOAT, n, nOut());
    }
    return scratch;
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
    assertInputSet(false);
    if (!fusable()) {
      return super.activate(training, mgr);
    }
    int n = (int) input.size(0);
    INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT,
        new long[] {n, nOut()}, 'c');
    probabilities(n, out);
    NdArrays.write(out, probs);
    return out;
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
    assertInputSet(true);
    if (!fusable() || labels == null) {
      return super.backpropGradient(epsilon, mgr);
    }
    int n = (int) input.size(0);
    int o = nOut();
    INDArray dzArr = scratch(n);
    probabilities(n, dzArr);
    readLabels(n);
    // dL/dz = p - y, in place of the probabilities
    for (int i = 0; i < n * o; i++) {
      probs[i] -= y[i];
    }
    if (db.length != o) {
      db = new float[o];
    }
    INDArray epsNext = DenseProducts.backward(probs, dzArr, input, getParam(W),
        gradientViews.get(W), gradientViews.get(B), db, mgr);
    Gradient g = new DefaultGradient();
    g.gradientForVariable().put(W, gradientViews.get(W));
    g.gradientForVariable().put(B, gradientViews.get(B));
    return new Pair<>(g, epsNext);
  }

  private void readLabels(int n) {
    if (labels.rank() != 2 || labels.size(0) != n || labels.size(1) != nOut()) {
      throw new IllegalStateException("layer '" + layerConf().getLayerName() + "': labels "
          + Arrays.toString(labels.shape()) + " for " + n + " examples of " + nOut()
          + " classes");
    }
    if (labels.dataType() == DataType.FLOAT) {
      NdArrays.read(labels, y);
    } else {
      NdArrays.read(labels.castTo(DataType.FLOAT), y);
    }
  }

  @Override
  public double computeScore(double fullNetRegTerm, boolean training, LayerWorkspaceMgr mgr) {
    if (!fusable() || labels == null) {
      return super.computeScore(fullNetRegTerm, training, mgr);
    }
    int n = (int) input.size(0);
    int o = nOut();
    // recomputed rather than cached from the backward pass: the product is ~10 us at LeNet-5's
    // size, and a cache would have to know when the parameters, input or labels changed
    probabilities(n, scratch(n));
    readLabels(n);
    // DL4J clips the probabilities to [eps, 1 - eps] before the logarithm
    double eps = ((LossMCXENT) layerConf().getLossFn()).getSoftmaxClipEps();
    float lo = (float) eps;
    float hi = (float) (1.0 - eps);
    double sum = 0;
    for (int i = 0; i < n * o; i++) {
      if (y[i] != 0f) {
        float p = Math.min(Math.max(probs[i], lo), hi);
        sum -= y[i] * Math.log(p);
      }
    }
    double s = sum;
    if (conf().isMiniBatch()) {
      s /= n;
    }
    s += fullNetRegTerm;
    this.score = s;
    return s;
  }
}
