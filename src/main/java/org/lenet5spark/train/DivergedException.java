package org.lenet5spark.train;

/**
 * Training diverged: a training or test loss is not a finite number. {@link TrainingRun} stops
 * the run with it (exit code 1), keeping the metrics and checkpoints of the complete epochs and
 * publishing neither {@code model.zip} nor {@code _SUCCESS}.
 */
public final class DivergedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * @param what "loss" (training) or "test loss"
   * @param loss the non-finite value
   * @param where what was being computed, such as "epoch 2, minibatch 17"
   */
  public DivergedException(String what, double loss, String where) {
    super(what + " is " + (Double.isNaN(loss) ? "NaN" : "infinite") + " at " + where
        + "; lower --learning-rate");
  }
}
