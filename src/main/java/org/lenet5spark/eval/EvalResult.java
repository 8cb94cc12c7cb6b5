package org.lenet5spark.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * The outcome of evaluating a model on labelled examples: accuracy, mean cross-entropy loss and
 * the confusion matrix ({@code confusion[actual][predicted]}), from which per-class precision,
 * recall and F1 and the macro F1 are derived.
 */
public record EvalResult(long count, double accuracy, double loss, long[][] confusion) {

  /** Precision of each class (0 when nothing was predicted as that class). */
  public List<Double> precision() {
    List<Double> out = new ArrayList<>();
    for (int c = 0; c < confusion.length; c++) {
      long predicted = 0;
      for (long[] row : confusion) {
        predicted += row[c];
      }
      out.add(predicted == 0 ? 0.0 : (double) confusion[c][c] / predicted);
    }
    return out;
  }

  /** Recall of each class (0 when the class has no examples). */
  public List<Double> recall() {
    List<Double> out = new ArrayList<>();
    for (int c = 0; c < confusion.length; c++) {
      long actual = 0;
      for (long v : confusion[c]) {
        actual += v;
      }
      out.add(actual == 0 ? 0.0 : (double) confusion[c][c] / actual);
    }
    return out;
  }

  /** F1 of each class. */
  public List<Double> f1() {
    List<Double> p = precision();
    List<Double> r = recall();
    List<Double> out = new ArrayList<>();
    for (int c = 0; c < p.size(); c++) {
      double s = p.get(c) + r.get(c);
      out.add(s == 0 ? 0.0 : 2 * p.get(c) * r.get(c) / s);
    }
    return out;
  }

  /** Unweighted mean of the per-class F1 scores. */
  public double macroF1() {
    return f1().stream().mapToDouble(Double::doubleValue).average().orElse(0);
  }
}
