package org.lenet5spark.model.kernels;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What the runtime layers of the fused kernels share: remembering which input the last training
 * forward pass was for (and in how many slices), so that the backward pass reuses it, and handing
 * DL4J the weight and bias gradients and the input gradient in the form it expects.
 *
 * @param <C> the layer's configuration
 */
abstract class FusedLayerImpl<C extends org.deeplearning4j.nn.conf.layers.BaseLayer>
    extends BaseLayer<C> {
  /** Input of the last training forward pass, null when none is pending. */
  protected transient INDArray forwardInput;
  /** Slices of the last forward pass; the backward pass reuses their kernels' state. */
  protected transient int forwardParts;

  FusedLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  @Override
  public boolean isPretrainLayer() {
    return false;
  }

  /** Whether the kernels hold the forward pass of the current input. */
  protected boolean forwardPending() {
    return forwardInput != null && forwardInput == input;
  }

  /**
   * The gradient views (already written) with the input gradient {@code epsNext} (null when the
   * layer does not compute it), and the end of the pending forward pass.
   */
  protected Pair<Gradient, INDArray> gradients(INDArray epsNext) {
    Gradient g = new DefaultGradient();
    for (String key : paramTable().keySet()) {
      // in the order of the parameter table, as DL4J's own layers list them
      g.gradientForVariable().put(key, gradientViews.get(key));
    }
    forwardInput = null;
    return new Pair<>(g, epsNext);
  }

  @Override
  public void clear() {
    super.clear();
    forwardInput = null;
  }
}
