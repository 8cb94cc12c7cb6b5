package org.lenet5spark.model.kernels;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Configuration of a fully connected layer with ReLU or tanh computed by this project's Java
 * kernels ({@link FusedDenseLayerImpl}: one OpenBLAS call per matrix product and one Java pass
 * for the bias and the activation) instead of a chain of ND4J ops. Its
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
    return FusedLayers.relu(getActivationFn(), getLayerName());
  }

  @Override
  public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners,
      int layerIndex, INDArray layerParamsView, boolean initializeParams, DataType dataType) {
    FusedLayers.requireCpuFloat(dataType, getLayerName());
    relu();
    return FusedLayers.wire(new FusedDenseLayerImpl(conf, dataType), conf, listeners, layerIndex,
        layerParamsView, initializeParams, initializer());
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
