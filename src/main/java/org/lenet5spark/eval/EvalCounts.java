package org.lenet5spark.eval;

import java.io.Serializable;
import org.lenet5spark.data.IdxReader;

/**
 * The running sums of an evaluation: confusion matrix, correct predictions and the summed
 * cross-entropy. The driver's {@link Evaluator} fills one; each Spark task of
 * {@link DistributedEvaluator} fills one for its partitions and the driver {@link #merge}s them,
 * so both compute every metric with the same arithmetic.
 */
public final class EvalCounts implements Serializable {
  private static final long serialVersionUID = 1L;
  /** Probabilities are clipped here before the logarithm, as DL4J's MCXENT does. */
  private static final double EPS = 1e-10;
  private final long[][] confusion =
      new long[IdxReader.NUM_CLASSES][IdxReader.NUM_CLASSES];
  private long count;
  private long correct;
  private double lossSum;

  /** Counts one example: its true class and the model's probabilities. */
  public void add(int actual, float[] probs, int offset) {
    int classes = confusion.length;
    int predicted = 0;
    for (int c = 1; c < classes; c++) {
      if (probs[offset + c] > probs[offset + predicted]) {
        predicted = c;
      }
    }
    confusion[actual][predicted]++;
    if (actual == predicted) {
      correct++;
    }
    count++;
    lossSum -= Math.log(Math.max(EPS, probs[offset + actual]));
  }

  /** Counts {@code n} examples whose probabilities are laid out example after example. */
  public void addAll(int[] labels, float[] probs, int n) {
    for (int i = 0; i < n; i++) {
      add(labels[i], probs, i * confusion.length);
    }
  }

  /** Adds {@code other}'s counts to these; returns this. */
  public EvalCounts merge(EvalCounts other) {
    for (int a = 0; a < confusion.length; a++) {
      for (int p = 0; p < confusion.length; p++) {
        confusion[a][p] += other.confusion[a][p];
      }
    }
    count += other.count;
    correct += other.correct;
    lossSum += other.lossSum;
    return this;
  }

  /** The metrics of what was counted. */
  public EvalResult result() {
    long[][] copy = new long[confusion.length][];
    for (int a = 0; a < confusion.length; a++) {
      copy[a] = confusion[a].clone();
    }
    return new EvalResult(count, count == 0 ? 0 : (double) correct / count,
        count == 0 ? Double.NaN : lossSum / count, copy);
  }
}
