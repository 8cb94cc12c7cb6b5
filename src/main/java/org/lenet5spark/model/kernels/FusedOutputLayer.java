package org.lenet5spark.model.kernels;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * DL4J's {@link OutputLayer} with softmax and multi-class cross-entropy, whose forward pass,
 * gradient and score run as one OpenBLAS call per matrix product and one Java pass for the bias,
 * the softmax and the loss ({@link FusedOutputLayerImpl}) instead of DL4J's chain of ND4J ops
 * (about 0.45 ms per step at batch 64, docs/performance.md). The configuration, the parameters
 * (DL4J's {@link DefaultParamInitializer}) and the
 * arithmetic are the stock layer's, so the two are interchangeable parameter for parameter.
 * Float32 on ND4J's CPU backend; softmax with an unweighted MCXENT loss only.
 */
public class FusedOutputLayer extends OutputLayer {
  private static final long serialVersionUID = 1L;

  /** For JSON deserialisation. */
  protected FusedOutputLayer() {
  }

  private FusedOutputLayer(Builder b) {
    super(b);
  }

  @Override
  public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners,
      int layerIndex, INDArray layerParamsView, boolean initializeParams, DataType dataType) {
    FusedLayers.requireCpuFloat(dataType, getLayerName());
    if (!(getActivationFn() instanceof ActivationSoftmax)
        || !(getLossFn() instanceof LossMCXENT loss) || loss.getWeights() != null
        || !hasBias()) {
      throw new IllegalStateException("layer '" + getLayerName() + "': the fused output layer "
          + "computes softmax with an unweighted MCXENT loss and a bias, not "
          + getActivationFn() + " / " + getLossFn());
    }
    return FusedLayers.wire(new FusedOutputLayerImpl(conf, dataType), conf, listeners,
        layerIndex, layerParamsView, initializeParams, initializer());
  }

  /** Builds a {@link FusedOutputLayer}; softmax and MCXENT are the defaults. */
  public static class Builder extends OutputLayer.Builder {
    /** A builder with softmax activation and the MCXENT loss. */
    public Builder() {
      super(LossFunctions.LossFunction.MCXENT);
      activation(org.nd4j.linalg.activations.Activation.SOFTMAX);
    }

    @Override
    @SuppressWarnings("unchecked")
    public FusedOutputLayer build() {
      return new FusedOutputLayer(this);
    }
  }
}
