package org.lenet5spark.model.kernels;

import java.util.Objects;

/**
 * Configuration of one fused LeNet-5 stage as a DL4J layer ({@link ConvStages} with one stage): a
 * k x k convolution (stride 1, zero padding), bias, ReLU or tanh, then 2 x 2 pooling with stride 2
 * (max or average). It replaces a stock {@code ConvolutionLayer} followed by a stock
 * {@code SubsamplingLayer} with the same parameters ("W" [nOut, nIn, k, k] and "b"). Networks
 * built before {@link ConvStagesLayer} joined LeNet-5's two stages have one of these per stage;
 * they load, train and evaluate unchanged.
 *
 * <p>Nothing builds this layer any more; it exists only so those older models load. It stays in
 * this package under this name on purpose: DL4J's configuration JSON names a layer by its Java
 * class ({@code "@class": "org.lenet5spark.model.kernels.ConvPoolLayer"}, see
 * {@code src/test/resources/legacy}), and DL4J reads such JSON itself before
 * {@code model.ModelForms} can convert it, so moving the class (to {@code compat}, say) would
 * make every such model unreadable.
 */
public class ConvPoolLayer extends ConvStages {
  private static final long serialVersionUID = 1L;
  static final String WEIGHTS = "W";
  static final String BIAS = "b";
  private int kernelSize = 5;
  private int padding;

  /** For JSON deserialisation. */
  protected ConvPoolLayer() {
  }

  private ConvPoolLayer(Builder b) {
    super(b);
    this.kernelSize = b.kernelSize;
    this.padding = b.padding;
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

  @Override
  public int stageCount() {
    return 1;
  }

  @Override
  public int filters(int i) {
    return (int) getNOut();
  }

  @Override
  public int kernelSize(int i) {
    return kernelSize;
  }

  @Override
  public int padding(int i) {
    return padding;
  }

  @Override
  String weightKey(int i) {
    return WEIGHTS;
  }

  @Override
  String biasKey(int i) {
    return BIAS;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ConvPoolLayer c && super.equals(o) && kernelSize == c.kernelSize
        && padding == c.padding;
  }

  @Override
  public int hashCode() {
    return Objects.hash(super.hashCode(), kernelSize, padding);
  }

  /** Builds a {@link ConvPoolLayer}. */
  public static class Builder extends ConvStages.Builder<Builder> {
    private int kernelSize = 5;
    private int padding;

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

    @Override
    @SuppressWarnings("unchecked")
    public ConvPoolLayer build() {
      return new ConvPoolLayer(this);
    }
  }
}
