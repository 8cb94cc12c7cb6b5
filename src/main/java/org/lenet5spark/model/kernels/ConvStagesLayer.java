package org.lenet5spark.model.kernels;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Configuration of LeNet-5's convolution stages (C1-S2, C3-S4) as one DL4J layer
 * ({@link ConvStages}): each kernel thread takes its slice of the minibatch through every stage
 * in one hand-off, and the stages pass activations and gradients to each other in the kernels'
 * own layout instead of through DL4J's NCHW arrays (docs/performance.md, round 4). Stage i's
 * parameters are "b" + i and "W" + i.
 */
public class ConvStagesLayer extends ConvStages {
  private static final long serialVersionUID = 1L;
  private int[] filters = new int[0];
  private int[] kernelSizes = new int[0];
  private int[] paddings = new int[0];

  /** For JSON deserialisation. */
  protected ConvStagesLayer() {
  }

  private ConvStagesLayer(Builder b) {
    super(b);
    int n = b.stages.size();
    if (n == 0) {
      throw new IllegalArgumentException("layer '" + b.getLayerName()
          + "': at least one stage is needed");
    }
    filters = new int[n];
    kernelSizes = new int[n];
    paddings = new int[n];
    for (int i = 0; i < n; i++) {
      int[] s = b.stages.get(i);
      filters[i] = s[0];
      kernelSizes[i] = s[1];
      paddings[i] = s[2];
    }
    setNOut(filters[n - 1]);
    initializeConstraints(b);
  }

  /** Filters per stage (a copy; also how the configuration's JSON names them). */
  public int[] getFilters() {
    return filters.clone();
  }

  /** Kernel side per stage (a copy). */
  public int[] getKernelSizes() {
    return kernelSizes.clone();
  }

  /** Zero padding per stage (a copy). */
  public int[] getPaddings() {
    return paddings.clone();
  }

  @Override
  public int stageCount() {
    return filters.length;
  }

  @Override
  public int filters(int i) {
    return filters[i];
  }

  @Override
  public int kernelSize(int i) {
    return kernelSizes[i];
  }

  @Override
  public int padding(int i) {
    return paddings[i];
  }

  @Override
  String weightKey(int i) {
    return "W" + i;
  }

  @Override
  String biasKey(int i) {
    return "b" + i;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ConvStagesLayer c && super.equals(o) && Arrays.equals(filters, c.filters)
        && Arrays.equals(kernelSizes, c.kernelSizes) && Arrays.equals(paddings, c.paddings);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * (31 * super.hashCode() + Arrays.hashCode(filters))
        + Arrays.hashCode(kernelSizes)) + Arrays.hashCode(paddings);
  }

  /** Builds a {@link ConvStagesLayer}; nOut is the last stage's filters. */
  public static class Builder extends ConvStages.Builder<Builder> {
    private final List<int[]> stages = new ArrayList<>();

    /** Adds a stage: {@code filters} k x k filters with zero padding {@code padding}. */
    public Builder stage(int filters, int kernelSize, int padding) {
      stages.add(new int[] {filters, kernelSize, padding});
      return this;
    }

    @Override
    @SuppressWarnings("unchecked")
    public ConvStagesLayer build() {
      return new ConvStagesLayer(this);
    }
  }
}
