package org.lenet5spark.train;

import java.util.List;
import org.deeplearning4j.earlystopping.termination.ScoreImprovementEpochTerminationCondition;
import org.lenet5spark.run.EpochMetrics;
import org.lenet5spark.run.RunRecord;

/**
 * Early stopping and the choice of the epoch that becomes {@code model.zip}, on the validation
 * split only (never on the test split). It feeds each epoch's validation loss (minimised) or
 * accuracy (maximised) to DL4J's {@link ScoreImprovementEpochTerminationCondition}, whose best
 * epoch is the selected one (a later epoch must be strictly better to replace it) and which
 * terminates the run {@code --early-stopping-patience} epochs after the best one. Without
 * patience the same condition runs with a patience longer than any run, so it only tracks the
 * best epoch. A resumed run rebuilds the condition's state (best epoch, best value, patience
 * counter) by replaying the recorded epochs' validation values through {@link #observe}, so an
 * interrupted run stops at the epoch and keeps the model that the uninterrupted run would.
 */
final class ModelSelection {
  /** Patience that never ends a run ({@code --epochs} is at most 100,000). */
  private static final int NEVER = 1_000_000;

  private final TrainOptions.SelectionOptions options;
  private final boolean validated;
  private final ScoreImprovementEpochTerminationCondition condition;
  private int lastEpoch;
  private int stoppedAt = -1;

  /**
   * @param validated whether the run has a validation split (without one the last epoch is
   *     kept and nothing stops early)
   */
  ModelSelection(TrainOptions.SelectionOptions options, boolean validated) {
    this.options = options;
    this.validated = validated;
    this.condition = new ScoreImprovementEpochTerminationCondition(
        options.patience() > 0 ? options.patience() : NEVER);
    condition.initialize();
  }

  /** The validation value watched, of one epoch. */
  double value(EpochMetrics m) {
    return options.metric() == TrainOptions.SelectionMetric.LOSS ? m.validationLoss()
        : m.validationAccuracy();
  }

  /** The metric's name as in metrics.jsonl. */
  String metricName() {
    return "validation_" + options.metric().spelling();
  }

  /** Feeds a finished epoch; true when early stopping ends the run after it. */
  boolean observe(EpochMetrics m) {
    lastEpoch = m.epoch();
    if (!validated || stoppedAt >= 0) {
      return stoppedAt >= 0;
    }
    if (condition.terminate(m.epoch(), value(m), options.metric().minimize())) {
      stoppedAt = m.epoch();
    }
    return stoppedAt >= 0;
  }

  /** Whether early stopping has ended the run. */
  boolean stopped() {
    return stoppedAt >= 0;
  }

  /** The epoch early stopping ended the run after, or -1. */
  int stoppedAt() {
    return stoppedAt;
  }

  /** The best epoch on validation so far, or -1 (no validation split or no epoch yet). */
  int bestEpoch() {
    return validated ? condition.getBestEpoch() : -1;
  }

  /** Whether the best epoch, not the last, becomes the model. */
  boolean keepsBest() {
    return validated && options.keep() == TrainOptions.Keep.BEST;
  }

  /** The epoch that becomes {@code model.zip} (the last epoch when it does not keep the best). */
  int selectedEpoch() {
    return keepsBest() && bestEpoch() > 0 ? bestEpoch() : lastEpoch;
  }

  /** The line that says why the run stopped early. */
  String earlyStopLine() {
    return "early stopping at epoch " + stoppedAt + ": no improvement of validation "
        + options.metric().spelling() + " for " + options.patience() + " epochs (best: epoch "
        + bestEpoch() + ")";
  }

  /** What run.json records of the selection, for a run whose epochs are {@code epochs}. */
  RunRecord.Selection describe(List<EpochMetrics> epochs, int totalEpochs) {
    int selected = selectedEpoch();
    String reason;
    if (keepsBest()) {
      reason = "best " + metricName() + " (on the validation split, never the test split)";
    } else if (!validated && options.keep() == TrainOptions.Keep.BEST) {
      reason = "last epoch: --keep best needs a validation split and --validation is 0";
    } else {
      reason = "last epoch (--keep last)";
    }
    Double v = null;
    if (validated && selected > 0) {
      double d = value(epochs.get(selected - 1));
      v = Double.isFinite(d) ? d : null;
    }
    String stop = stopped() ? earlyStopLine() : "all " + totalEpochs + " epochs done";
    return new RunRecord.Selection(options.keep().spelling(), selected,
        validated ? metricName() : null, v, reason, stopped(), stop, lastEpoch);
  }
}
