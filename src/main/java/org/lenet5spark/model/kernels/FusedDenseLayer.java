package org.lenet5spark.model.kernels;

import java.util.Collection;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Configuration of a fully connected layer with ReLU or tanh computed by this project's Java
 * kernels ({@link FusedDenseLayerImpl}, {@link DenseKernel}) instead of a chain of ND4J ops. Its
 * parameters are exactly a stock {@code DenseLayer}'s (DL4J's {@link DefaultParamInitializer}:
 * weights [nIn, nOut] in F order, then the biases), so the two are interchangeable parameter for
 * parameter. Float32 and ND4J's CPU backend only.
 */
public class FusedDenseLayer extends FeedForwardLayer {
  private static final long serialVersionUID = 1L;

  /** For JSON deserialisation. */
  protected FusedDenseLayer() {
  }

  private FusedDenseLayer(Builder b) {
    super(b);
    initializeConstraints(b);
  }

  /** True for ReLU, false for tanh; anything else is refused. */
  boolean relu() {
    IActivation a = getActivationFn();
    if (a instanceof ActivationReLU r && r.equals(new ActivationReLU())) {
      return true;
    }
    if (a instanceof ActivationTanH) {
      return false;
    }
    throw new IllegalStateException("layer '" + getLayerName()
        + "': the fused dense layer supports ReLU and tanh activations, not " + a);
  }

  @Override
  public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners,
      int layerIndex, INDArray layerParamsView, boolean initializeParams, DataType dataType) {
    if (dataType != DataType.FLOAT || !Nd4j.getEnvironment().isCPU()) {
      throw new IllegalStateException("layer '" + getLayerName() + "': the fused kernels need "
          + "float32 and ND4J's CPU backend (network " + dataType + "); use --kernels stock");
    }
    relu();
    FusedDenseLayerImpl layer = new FusedDenseLayerImpl(conf, dataType);
    layer.setListeners(listeners);
    layer.setIndex(layerIndex);
    layer.setParamsViewArray(layerParamsView);
    Map<String, INDArray> params = initializer().init(conf, layerParamsView, initializeParams);
    layer.setParamTable(params);
    layer.setConf(conf);
    return layer;
  }

  @Override
  public ParamInitializer initializer() {
    return DefaultParamInitializer.getInstance();
  }

  @Override
  public LayerMemoryReport getMemoryReport(InputType in) {
    long params = initializer().numParams(this);
    long perExample = 2 * (getNIn() + getNOut());
    return new LayerMemoryReport.Builder(getLayerName(), FusedDenseLayer.class, in,
        getOutputType(-1, in))
        .standardMemory(params, getIUpdater().stateSize(params))
        .workingMemory(0, perExample, params, perExample)
        .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
        .build();
  }

  /** Builds a {@link FusedDenseLayer}. */
  public static class Builder extends FeedForwardLayer.Builder<Builder> {
    @Override
    @SuppressWarnings("unchecked")
    public FusedDenseLayer build() {
      return new FusedDenseLayer(this);
    }
  }
}
