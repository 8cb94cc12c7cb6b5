package org.lenet5spark.model.kernels;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
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
 * Configuration of a chain of fused LeNet-5 stages as one DL4J layer: each stage is a k x k
 * convolution (stride 1, zero padding), a bias, ReLU or tanh and 2 x 2 pooling with stride 2 (max
 * or average), and feeds the next. {@link ConvStagesLayerImpl} computes the chain slice by slice,
 * each kernel thread taking its examples through every stage in one hand-off. Each stage has a
 * stock {@code ConvolutionLayer}'s parameters (biases, then weights [nOut, nIn, k, k]), stage
 * after stage in the flattened parameter vector: the same vector as the stock convolution and
 * subsampling layers it replaces, so updaters, regularisation, serialisation and Spark parameter
 * averaging treat it like any other layer. The subclasses say how many stages there are and what
 * their parameters are called. Float32 and ND4J's CPU backend only.
 */
public abstract class ConvStages extends FeedForwardLayer {
  private static final long serialVersionUID = 1L;
  /** Max pooling (else average pooling) in every stage. */
  protected boolean maxPooling = true;
  /** Whether backpropagation computes the gradient with respect to the layer's input. */
  protected boolean inputGradient = true;

  /** For JSON deserialisation. */
  protected ConvStages() {
  }

  /** From a builder; the subclass sets its stages. */
  protected ConvStages(Builder<?> b) {
    super(b);
    this.maxPooling = b.maxPooling;
    this.inputGradient = b.inputGradient;
  }

  /** Number of stages. */
  public abstract int stageCount();

  /** Filters of stage {@code i} (its output channels). */
  public abstract int filters(int i);

  /** Side of stage {@code i}'s square convolution kernel. */
  public abstract int kernelSize(int i);

  /** Zero padding on each side of stage {@code i}'s input. */
  public abstract int padding(int i);

  /** Name of stage {@code i}'s weights in the parameter table. */
  abstract String weightKey(int i);

  /** Name of stage {@code i}'s biases in the parameter table. */
  abstract String biasKey(int i);

  /** Input channels of stage {@code i}: the layer's input, then the stage below's filters. */
  public final int channels(int i) {
    return i == 0 ? (int) getNIn() : filters(i - 1);
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

  /** The kernel shapes of the stages for an input of {@code height} x {@code width}. */
  List<ConvPoolShape> shapes(int height, int width) {
    return shapes((int) getNIn(), height, width, relu());
  }

  private List<ConvPoolShape> shapes(int channels, int height, int width, boolean relu) {
    List<ConvPoolShape> out = new ArrayList<>(stageCount());
    int c = channels;
    int h = height;
    int w = width;
    for (int i = 0; i < stageCount(); i++) {
      ConvPoolShape s = new ConvPoolShape(c, h, w, filters(i), kernelSize(i), padding(i),
          maxPooling, relu);
      out.add(s);
      c = s.filters();
      h = s.poolHeight();
      w = s.poolWidth();
    }
    return out;
  }

  @Override
  public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners,
      int layerIndex, INDArray layerParamsView, boolean initializeParams, DataType dataType) {
    FusedLayers.requireCpuFloat(dataType, getLayerName());
    relu();
    return FusedLayers.wire(new ConvStagesLayerImpl(conf, dataType), conf, listeners, layerIndex,
        layerParamsView, initializeParams, initializer());
  }

  @Override
  public ParamInitializer initializer() {
    return ConvStagesParams.INSTANCE;
  }

  private List<ConvPoolShape> shapesFor(InputType in) {
    if (!(in instanceof InputType.InputTypeConvolutional c)) {
      throw new IllegalStateException("layer '" + getLayerName()
          + "' expects convolutional input, got " + in);
    }
    return shapes((int) c.getChannels(), (int) c.getHeight(), (int) c.getWidth(), true);
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType in) {
    List<ConvPoolShape> s = shapesFor(in);
    ConvPoolShape last = s.get(s.size() - 1);
    return InputType.convolutional(last.poolHeight(), last.poolWidth(), last.filters());
  }

  @Override
  public void setNIn(InputType in, boolean override) {
    if (getNIn() <= 0 || override) {
      if (!(in instanceof InputType.InputTypeConvolutional c)) {
        throw new IllegalStateException("layer '" + getLayerName()
            + "' expects convolutional input, got " + in);
      }
      setNIn(c.getChannels());
    }
  }

  @Override
  public InputPreProcessor getPreProcessorForInputType(InputType in) {
    return InputTypeUtil.getPreProcessorForInputTypeCnnLayers(in, getLayerName());
  }

  @Override
  public LayerMemoryReport getMemoryReport(InputType in) {
    long params = initializer().numParams(this);
    long fixed = 0;
    long training = 0;
    for (ConvPoolShape s : shapesFor(in)) {
      long conv = (long) s.filters() * s.convHeight() * s.convWidth();
      long padded = (long) s.channels() * s.paddedHeight() * s.paddedWidth();
      fixed += padded + conv;
      training += 2 * padded + 2 * conv + s.outputSize();
    }
    return new LayerMemoryReport.Builder(getLayerName(), getClass(), in, getOutputType(-1, in))
        .standardMemory(params, getIUpdater().stateSize(params))
        .workingMemory(0, fixed, 0, training)
        .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
        .build();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ConvStages c && super.equals(o) && maxPooling == c.maxPooling
        && inputGradient == c.inputGradient;
  }

  @Override
  public int hashCode() {
    return 31 * super.hashCode() + (maxPooling ? 2 : 0) + (inputGradient ? 1 : 0);
  }

  /** What the builders of the stage layers share: pooling kind and input gradient. */
  public abstract static class Builder<T extends Builder<T>> extends FeedForwardLayer.Builder<T> {
    private boolean maxPooling = true;
    private boolean inputGradient = true;

    /** Max pooling (true, the default) or average pooling, in every stage. */
    @SuppressWarnings("unchecked")
    public T maxPooling(boolean max) {
      this.maxPooling = max;
      return (T) this;
    }

    /**
     * False when the layer is a network's first layer, whose input gradient DL4J discards: the
     * backward pass then returns no input gradient (default true).
     */
    @SuppressWarnings("unchecked")
    public T inputGradient(boolean compute) {
      this.inputGradient = compute;
      return (T) this;
    }
  }
}
