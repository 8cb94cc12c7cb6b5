package org.lenet5spark.train;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.DoubleAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * A DL4J training hook that runs on the workers after every minibatch and adds the minibatch's
 * loss (DL4J's score, weighted by the number of examples) to Spark accumulators, so the driver
 * gets the mean training loss of each epoch over all workers and minibatches. It travels inside
 * the task closure, which is what makes Spark register its accumulators with each task.
 */
public final class TrainLossHook implements TrainingHook {
  private static final long serialVersionUID = 1L;
  private final DoubleAccumulator lossSum;
  private final LongAccumulator examples;

  public TrainLossHook(JavaSparkContext sc) {
    this.lossSum = sc.sc().doubleAccumulator("lenet5.train.lossSum");
    this.examples = sc.sc().longAccumulator("lenet5.train.examples");
  }

  /** Clears the totals (call on the driver before each epoch). */
  public void reset() {
    lossSum.reset();
    examples.reset();
  }

  /** Mean training loss since the last reset; NaN when nothing was trained. */
  public double meanLoss() {
    long n = examples.value();
    return n == 0 ? Double.NaN : lossSum.value() / n;
  }

  /** Examples trained since the last reset. */
  public long examples() {
    return examples.value();
  }

  @Override
  public void preUpdate(DataSet minibatch, Model model) {
    // nothing before the update
  }

  @Override
  public void postUpdate(DataSet minibatch, Model model) {
    int n = minibatch.numExamples();
    lossSum.add(model.score() * n);
    examples.add(n);
  }

  @Override
  public void preUpdate(MultiDataSet minibatch, Model model) {
    // LeNet-5 trains on DataSets only
  }

  @Override
  public void postUpdate(MultiDataSet minibatch, Model model) {
    // LeNet-5 trains on DataSets only
  }
}
