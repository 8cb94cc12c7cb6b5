package org.lenet5spark.train;

import java.io.PrintStream;
import org.lenet5spark.run.EpochMetrics;
import org.lenet5spark.run.RunRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-epoch progress report: one line on stdout (epoch k/E, percent, losses, validation and
 * test accuracy,
 * samples/s, ETA) for people at a terminal, and the same as one INFO log line for cluster logs.
 */
final class Progress {
  private static final Logger LOG = LoggerFactory.getLogger(Progress.class);

  private Progress() {
  }

  /**
   * Reports a finished epoch.
   *
   * @param firstEpoch epochs already done when this process started (resumed runs)
   * @param elapsedSeconds time this process has spent on its epochs so far
   */
  static void report(PrintStream console, String engine, int epoch, int firstEpoch, int epochs,
      EpochMetrics m, double elapsedSeconds) {
    int doneHere = epoch - firstEpoch;
    double eta = doneHere == 0 ? 0 : elapsedSeconds / doneHere * (epochs - epoch);
    String line = String.format("epoch %d/%d (%3.0f%%)  train_loss %.4f  val_accuracy %s  "
            + "test_loss %.4f  test_accuracy %.4f  %.1f s  %.0f samples/s  ETA %s", epoch,
        epochs, 100.0 * epoch / epochs, m.trainLoss(), Double.isFinite(m.validationAccuracy())
            ? String.format("%.4f", m.validationAccuracy()) : "-", m.testLoss(),
        m.testAccuracy(), m.epochSeconds(), m.samplesPerSecond(), duration(eta));
    console.println(line);
    LOG.info("[{}] {}", engine, line);
  }

  /**
   * Reports what was done before the first epoch's clock (the cached training data, the
   * warm-up): one line, so that the epochs' times and the run's total both stay readable.
   */
  static void startUp(PrintStream console, RunRecord.StartUp s) {
    String line = String.format("data load %.1f s (%d minibatches cached)", s.dataLoadSeconds(),
        s.cachedMinibatches());
    if (s.warmUpMinibatches() > 0) {
      line += String.format("  warm-up %.1f s (%d minibatches on a throwaway copy)",
          s.warmUpSeconds(), s.warmUpMinibatches());
    }
    console.println(line);
  }

  /** A duration such as "4m 05s". */
  static String duration(double seconds) {
    long s = Math.round(seconds);
    return s >= 3600 ? String.format("%dh %02dm", s / 3600, (s % 3600) / 60)
        : String.format("%dm %02ds", s / 60, s % 60);
  }
}
