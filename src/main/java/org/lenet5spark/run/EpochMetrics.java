package org.lenet5spark.run;

import java.util.List;

/**
 * The measurements of one completed epoch, one line of {@code metrics.jsonl} and
 * {@code metrics.csv}. Losses are mean cross-entropy: {@code trainLoss} as reported by the workers
 * for each minibatch while training (including any L2 term), {@code testLoss} on the whole test
 * split after the epoch. A value that is not a finite number (a macro score of an empty split)
 * is written as JSON {@code null} and as an empty CSV cell, never as the string "NaN".
 */
public record EpochMetrics(int epoch, double trainLoss, double testLoss, double testAccuracy,
    double macroF1, double epochSeconds, double evalSeconds, double samplesPerSecond,
    long trainExamples, double learningRate, List<Double> precision, List<Double> recall,
    List<Double> f1) {

  /** Column names of {@code metrics.csv}, in order. */
  public static List<String> csvHeader() {
    List<String> h = new java.util.ArrayList<>(List.of("epoch", "train_loss", "test_loss",
        "test_accuracy", "macro_f1", "epoch_seconds", "eval_seconds", "samples_per_second",
        "train_examples", "learning_rate"));
    for (String k : List.of("precision", "recall", "f1")) {
      for (int c = 0; c < 10; c++) {
        h.add(k + "_" + c);
      }
    }
    return h;
  }

  /** This epoch as a CSV line matching {@link #csvHeader()} (empty cells for non-finite values). */
  public String csvLine() {
    StringBuilder sb = new StringBuilder();
    sb.append(epoch);
    for (double v : new double[] {trainLoss, testLoss, testAccuracy, macroF1, epochSeconds,
        evalSeconds, samplesPerSecond}) {
      sb.append(',').append(cell(v));
    }
    sb.append(',').append(trainExamples).append(',').append(cell(learningRate));
    for (List<Double> l : List.of(precision, recall, f1)) {
      for (Double v : l) {
        sb.append(',').append(v == null ? "" : cell(v));
      }
    }
    return sb.toString();
  }

  private static String cell(double v) {
    return Double.isFinite(v) ? Double.toString(v) : "";
  }
}
