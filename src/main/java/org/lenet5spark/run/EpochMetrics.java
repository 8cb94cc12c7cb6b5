package org.lenet5spark.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The measurements of one completed epoch, one line of {@code metrics.jsonl} and
 * {@code metrics.csv}. Losses are mean cross-entropy: {@code trainLoss} as reported by the workers
 * for each minibatch while training (including any L2 term), {@code testLoss} on the whole test
 * split after the epoch. A value that is not a finite number (a macro score of an empty split)
 * is written as JSON {@code null} and as an empty CSV cell, never as the string "NaN".
 * {@code macroF1}, {@code precision}, {@code recall} and {@code f1} are the test split's.
 * {@code trainAccuracy} is measured on each minibatch as it is fitted (with the parameters of that
 * moment); the {@code validation*} values are the validation split's after the epoch, null when
 * the run has no validation split. Files written before these four existed lack them; they read
 * as NaN ({@link #withMissingColumns}).
 */
public record EpochMetrics(int epoch, double trainLoss, double testLoss, double testAccuracy,
    double macroF1, double epochSeconds, double evalSeconds, double samplesPerSecond,
    long trainExamples, double learningRate, List<Double> precision, List<Double> recall,
    List<Double> f1, double trainAccuracy, double validationLoss, double validationAccuracy,
    double validationMacroF1) {

  /** The JSON names of the columns added with the validation split, in order. */
  public static final List<String> LATER_COLUMNS = List.of("train_accuracy", "validation_loss",
      "validation_accuracy", "validation_macro_f1");

  /** Column names of {@code metrics.csv}, in order. */
  public static List<String> csvHeader() {
    List<String> h = new java.util.ArrayList<>(List.of("epoch", "train_loss", "test_loss",
        "test_accuracy", "macro_f1", "epoch_seconds", "eval_seconds", "samples_per_second",
        "train_examples", "learning_rate"));
    h.addAll(LATER_COLUMNS);
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
    for (double v : new double[] {trainAccuracy, validationLoss, validationAccuracy,
        validationMacroF1}) {
      sb.append(',').append(cell(v));
    }
    for (List<Double> l : List.of(precision, recall, f1)) {
      for (Double v : l) {
        sb.append(',').append(v == null ? "" : cell(v));
      }
    }
    return sb.toString();
  }

  /**
   * A metrics object as read from a file, with the columns an older version did not write
   * ({@link #LATER_COLUMNS}) added as null, so that it reads with them NaN.
   */
  public static JsonNode withMissingColumns(JsonNode line) {
    if (line instanceof ObjectNode o) {
      for (String k : LATER_COLUMNS) {
        if (!o.has(k)) {
          o.putNull(k);
        }
      }
    }
    return line;
  }

  private static String cell(double v) {
    return Double.isFinite(v) ? Double.toString(v) : "";
  }
}
