package org.lenet5spark.report;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.run.EpochConfusion;
import org.lenet5spark.run.EpochMetrics;
import org.lenet5spark.run.RunFiles;
import org.lenet5spark.run.RunRecord;

/**
 * The small files of a training run folder, read for {@code report} with the run package's
 * readers: {@code run.json}, every epoch of {@code metrics.jsonl} and the confusion matrix of
 * every epoch in {@code confusion.jsonl}. A missing or malformed file, or an epoch without a
 * test accuracy or loss, is bad input. Runs after {@code train} (a run still in progress has the
 * history of every completed epoch).
 */
public record RunRecords(RunFiles files, RunRecord run, List<EpochMetrics> epochs,
    List<long[][]> confusions, boolean complete) {

  /** Reads the run folder. */
  public static RunRecords read(RunFiles files, Configuration conf) throws IOException {
    if (!HadoopFs.exists(files.root(), conf)) {
      throw new BadInputException("run folder does not exist: " + files.root());
    }
    RunRecord run = RunRecord.read(files, conf);
    requireFile(files.metricsJsonl(), conf);
    List<EpochMetrics> epochs = files.readMetrics(conf);
    for (EpochMetrics e : epochs) {
      requireValue(files, e.testAccuracy(), "test_accuracy");
      requireValue(files, e.trainLoss(), "train_loss");
      requireValue(files, e.testLoss(), "test_loss");
    }
    if (epochs.isEmpty()) {
      throw new BadInputException(files.metricsJsonl() + ": no completed epoch yet");
    }
    requireFile(files.confusionJsonl(), conf);
    List<long[][]> confusions = new ArrayList<>();
    for (EpochConfusion c : files.readConfusions(conf)) {
      confusions.add(tenByTen(c.confusion(), files.confusionJsonl().toString()));
    }
    if (confusions.isEmpty()) {
      throw new BadInputException(files.confusionJsonl() + ": no confusion matrix");
    }
    boolean complete = HadoopFs.exists(files.success(), conf);
    return new RunRecords(files, run, List.copyOf(epochs), List.copyOf(confusions), complete);
  }

  /** The last epoch's metrics. */
  public EpochMetrics lastEpoch() {
    return epochs.get(epochs.size() - 1);
  }

  /** The last epoch's confusion matrix ({@code [actual][predicted]}). */
  public long[][] lastConfusion() {
    return confusions.get(confusions.size() - 1);
  }

  private static void requireFile(Path file, Configuration conf) throws IOException {
    if (!HadoopFs.exists(file, conf)) {
      throw new BadInputException("missing file: " + file);
    }
  }

  /** A value written as null (not a finite number) cannot be shown. */
  private static void requireValue(RunFiles files, double value, String key) {
    if (!Double.isFinite(value)) {
      throw new BadInputException(files.metricsJsonl() + ": an epoch has no " + key);
    }
  }

  private static long[][] tenByTen(long[][] m, String source) {
    boolean ok = m != null && m.length == 10;
    for (int a = 0; ok && a < 10; a++) {
      ok = m[a] != null && m[a].length == 10;
    }
    if (!ok) {
      throw new BadInputException(source + ": a confusion matrix is not 10x10");
    }
    return m;
  }
}
