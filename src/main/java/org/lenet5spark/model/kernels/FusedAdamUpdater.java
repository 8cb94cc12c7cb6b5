package org.lenet5spark.model.kernels;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The update of {@link FusedAdam}: the arithmetic of ND4J's {@code adam_updater} op (first and
 * second moments, bias correction folded into the step size, as libnd4j computes it) in one Java
 * loop over the block's gradient and state, copied in and out of ND4J's arrays in bulk. State
 * handling (the view split, {@code getState}/{@code setState}) is DL4J's {@link AdamUpdater}'s.
 * Anything but float32 goes to the op.
 */
public class FusedAdamUpdater extends AdamUpdater {
  private float[] g = new float[0];
  private float[] m = new float[0];
  private float[] v = new float[0];

  /** An updater for one block of parameters. */
  public FusedAdamUpdater(Adam config) {
    super(config);
  }

  @Override
  public void applyUpdater(INDArray gradient, int iteration, int epoch) {
    INDArray mState = getM();
    INDArray vState = getV();
    if (mState == null || vState == null) {
      throw new IllegalStateException("Adam updater has not been initialised with its state");
    }
    if (gradient.dataType() != DataType.FLOAT || mState.dataType() != DataType.FLOAT) {
      super.applyUpdater(gradient, iteration, epoch);
      return;
    }
    int n = (int) gradient.length();
    if (mState.length() != n || vState.length() != n) {
      throw new IllegalStateException("Adam state of " + mState.length() + " + "
          + vState.length() + " values for a gradient of " + n);
    }
    if (g.length != n) {
      g = new float[n];
      m = new float[n];
      v = new float[n];
    }
    NdArrays.read(gradient, g);
    NdArrays.read(mState, m);
    NdArrays.read(vState, v);
    Adam c = getConfig();
    step(g, m, v, c.getLearningRate(iteration, epoch), c.getBeta1(), c.getBeta2(),
        c.getEpsilon(), iteration);
    NdArrays.write(mState, m);
    NdArrays.write(vState, v);
    NdArrays.write(gradient, g);
  }

  /**
   * One Adam step: updates the moments {@code m} and {@code v} and replaces the gradient
   * {@code g} by the update to subtract from the parameters.
   */
  static void step(float[] g, float[] m, float[] v, double lr, double beta1, double beta2,
      double epsilon, int iteration) {
    // in float, as libnd4j computes it for float arrays (betas and learning rate rounded first)
    float b1 = (float) beta1;
    float b2 = (float) beta2;
    float b1t = (float) Math.pow(b1, iteration + 1);
    float b2t = (float) Math.pow(b2, iteration + 1);
    float a = (float) ((float) lr * (float) Math.sqrt((float) (1.0 - b2t)) / (1.0 - b1t));
    if (Float.isNaN(a) || Float.isInfinite(a) || a == 0f) {
      a = (float) epsilon;
    }
    float c1 = 1f - b1;
    float c2 = 1f - b2;
    float eps = (float) epsilon;
    for (int i = 0; i < g.length; i++) {
      float gi = g[i];
      float mi = b1 * m[i] + gi * c1;
      float vi = b2 * v[i] + gi * gi * c2;
      m[i] = mi;
      v[i] = vi;
      g[i] = mi * a / ((float) Math.sqrt(vi) + eps);
    }
  }
}
