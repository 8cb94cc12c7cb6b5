package org.lenet5spark.model.kernels;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;

/**
 * DL4J's Adam configuration whose update runs as one Java pass ({@link FusedAdamUpdater})
 * instead of ND4J's {@code adam_updater} op, which took about 400 us of every LeNet-5 step for
 * 61,706 parameters (docs/performance.md). Same hyper-parameters, same learning-rate schedules,
 * same state layout (the first moments, then the second moments), so DL4J's updater blocks,
 * Spark's averaging of updater state and saved models treat it as they treat {@link Adam}. CPU
 * backend only, like the fused layers: the model factory uses it with the fused kernels.
 */
public class FusedAdam extends Adam {
  private static final long serialVersionUID = 1L;

  /** For JSON deserialisation. */
  public FusedAdam() {
  }

  /** Adam with DL4J's default betas and epsilon. */
  public FusedAdam(double learningRate) {
    super(learningRate);
  }

  /** Adam with all hyper-parameters. */
  public FusedAdam(double learningRate, double beta1, double beta2, double epsilon) {
    super(learningRate, beta1, beta2, epsilon);
  }

  @Override
  public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
    // as Adam.instantiate: the state is one row, the first half the first moments
    INDArray row = viewArray.reshape(1, viewArray.length());
    long[] gradientShape = row.shape().clone();
    gradientShape[1] /= 2;
    FusedAdamUpdater u = new FusedAdamUpdater(this);
    u.setStateViewArray(row, gradientShape, row.ordering(), initializeViewArray);
    return u;
  }

  @Override
  public GradientUpdater instantiate(Map<String, INDArray> updaterState,
      boolean initializeStateArrays) {
    FusedAdamUpdater u = new FusedAdamUpdater(this);
    u.setState(updaterState, initializeStateArrays);
    return u;
  }

  @Override
  public FusedAdam clone() {
    FusedAdam c = new FusedAdam(getLearningRate(), getBeta1(), getBeta2(), getEpsilon());
    c.setLearningRateSchedule(getLearningRateSchedule() == null ? null
        : getLearningRateSchedule().clone());
    return c;
  }

  @Override
  protected boolean canEqual(Object other) {
    return other instanceof FusedAdam;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FusedAdam && super.equals(o);
  }

  @Override
  public int hashCode() {
    return 31 * super.hashCode() + 1;
  }
}
