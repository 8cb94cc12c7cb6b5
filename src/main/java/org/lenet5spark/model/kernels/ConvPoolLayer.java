package org.lenet5spark.model.kernels;

import java.util.Collection;
import java.util.Objects;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.InputTypeUtil;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Configuration of a fused LeNet-5 stage: a k x k convolution (stride 1, zero padding), bias,
 * ReLU or tanh, then 2 x 2 pooling with stride 2 (max or average), as one DL4J layer computed by
 * {@link ConvPoolLayerImpl}. It replaces a stock {@code ConvolutionLayer} followed by a stock
 * {@code SubsamplingLayer} with the same parameters (weights [nOut, nIn, k, k] and one bias per
 * filter, in the same order in the flattened parameter vector), so DL4J's updaters,
 * regularisation, serialisation and Spark parameter averaging treat it like any other layer.
 * Float32 only.
 */
public class ConvPoolLayer extends FeedForwardLayer {
  private static final long serialVersionUID = 1L;
  private int kernelSize = 5;
  private int padding;
  private boolean maxPooling = true;
  private boolean inputGradient = true;

  /** For JSON deserialisation. */
  protected ConvPoolLayer() {
  }

  private ConvPoolLayer(Builder b) {
    super(b);
    this.kernelSize = b.kernelSize;
    this.padding = b.padding;
    this.maxPooling = b.maxPooling;
    this.inputGradient = b.inputGradient;
    initializeConstraints(b);
  }

  /** Side of the square convolution kernel. */
  public int getKernelSize() {
    return kernelSize;
  }

  /** Zero padding on each side of the input. */
  public int getPadding() {
    return padding;
  }

  /** Max pooling (else average pooling). */
  public boolean isMaxPooling() {
    return maxPooling;
  }

  /**
   * Whether backpropagation computes the gradient with respect to the layer's input. DL4J
   * discards the input gradient of a network's first layer, so LeNet-5's first stage skips it
   * (about a quarter of that stage's backward pass).
   */
  public boolean isInputGradient() {
    return inputGradient;
  }

  /** True for ReLU, false for tanh; anything else is refused. */
  boolean relu() {
    return FusedLayers.relu(getActivationFn(), getLayerName());
  }

  /** The kernel shape for an input of {@code height} x {@code width}. */
  ConvPoolShape shape(int height, int width) {
    return new ConvPoolShape((int) getNIn(), height, width, (int) getNOut(), kernelSize, padding,
        maxPooling, relu());
  }

  @Override
  public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners,
      int layerIndex, INDArray layerParamsView, boolean initializeParams, DataType dataType) {
    FusedLayers.requireCpuFloat(dataType, getLayerName());
    relu();
    return FusedLayers.wire(new ConvPoolLayerImpl(conf, dataType), conf, listeners, layerIndex,
        layerParamsView, initializeParams, initializer());
  }

  @Override
  public ParamInitializer initializer() {
    return ConvPoolParams.INSTANCE;
  }

  private ConvPoolShape shapeFor(InputType in) {
    if (!(in instanceof InputType.InputTypeConvolutional c)) {
      throw new IllegalStateException("layer '" + getLayerName()
          + "' expects convolutional input, got " + in);
    }
    return new ConvPoolShape((int) c.getChannels(), (int) c.getHeight(), (int) c.getWidth(),
        (int) getNOut(), kernelSize, padding, maxPooling, true);
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType in) {
    ConvPoolShape s = shapeFor(in);
    return InputType.convolutional(s.poolHeight(), s.poolWidth(), s.filters());
  }

  @Override
  public void setNIn(InputType in, boolean override) {
    if (getNIn() <= 0 || override) {
      setNIn(shapeFor(in).channels());
    }
  }

  @Override
  public InputPreProcessor getPreProcessorForInputType(InputType in) {
    return InputTypeUtil.getPreProcessorForInputTypeCnnLayers(in, getLayerName());
  }

  @Override
  public LayerMemoryReport getMemoryReport(InputType in) {
    ConvPoolShape s = shapeFor(in);
    long params = initializer().numParams(this);
    long conv = (long) s.filters() * s.convHeight() * s.convWidth();
    long padded = (long) s.channels() * s.paddedHeight() * s.paddedWidth();
    return new LayerMemoryReport.Builder(getLayerName(), ConvPoolLayer.class, in,
        getOutputType(-1, in))
        .standardMemory(params, getIUpdater().stateSize(params))
        .workingMemory(0, padded + conv, 0, 2 * padded + 2 * conv + s.outputSize())
        .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
        .build();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ConvPoolLayer c && super.equals(o) && kernelSize == c.kernelSize
        && padding == c.padding && maxPooling == c.maxPooling
        && inputGradient == c.inputGradient;
  }

  @Override
  public int hashCode() {
    return Objects.hash(super.hashCode(), kernelSize, padding, maxPooling, inputGradient);
  }

  /** Builds a {@link ConvPoolLayer}. */
  public static class Builder extends FeedForwardLayer.Builder<Builder> {
    private int kernelSize = 5;
    private int padding;
    private boolean maxPooling = true;
    private boolean inputGradient = true;

    /** Side of the square kernel (default 5). */
    public Builder kernelSize(int k) {
      this.kernelSize = k;
      return this;
    }

    /** Zero padding on each side (default 0). */
    public Builder padding(int p) {
      this.padding = p;
      return this;
    }

    /** Max pooling (true, the default) or average pooling. */
    public Builder maxPooling(boolean max) {
      this.maxPooling = max;
      return this;
    }

    /**
     * False when the layer is a network's first layer, whose input gradient DL4J discards: the
     * backward pass then returns no input gradient (default true).
     */
    public Builder inputGradient(boolean compute) {
      this.inputGradient = compute;
      return this;
    }

    @Override
    @SuppressWarnings("unchecked")
    public ConvPoolLayer build() {
      return new ConvPoolLayer(this);
    }
  }
}
