package org.lenet5spark.run;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.io.Json;
import org.lenet5spark.io.Publisher;

/**
 * The layout of a training run's output folder, and the one writer and reader of its metrics
 * files ({@link RunRecord} writes and reads {@code run.json}). Every file is rewritten whole and
 * atomically after each epoch, so a crash leaves the history of every completed epoch and never a
 * half-written line; {@code _SUCCESS} is written last.
 *
 * <pre>
 * run.json         resolved configuration, versions, status (RunRecord)
 * metrics.jsonl    one JSON object per completed epoch (EpochMetrics)
 * metrics.csv      the same, as CSV
 * confusion.jsonl  one confusion matrix per completed epoch (EpochConfusion)
 * checkpoints/     epoch-NNNN/ checkpoints (see Checkpoints)
 * devices.jsonl    each Spark worker task's device binding
 * model.zip        the trained model (DL4J ModelSerializer) with its normaliser
 * _SUCCESS         the run completed
 * </pre>
 */
public record RunFiles(Path root) {
  /** Largest metrics or confusion file accepted. */
  private static final long MAX_LINES_BYTES = 64L << 20;

  /** The run's resolved configuration and versions. */
  public Path runJson() {
    return new Path(root, "run.json");
  }

  /** Per-epoch metrics as JSON Lines. */
  public Path metricsJsonl() {
    return new Path(root, "metrics.jsonl");
  }

  /** Per-epoch metrics as CSV. */
  public Path metricsCsv() {
    return new Path(root, "metrics.csv");
  }

  /** Per-epoch confusion matrices as JSON Lines. */
  public Path confusionJsonl() {
    return new Path(root, "confusion.jsonl");
  }

  /** The checkpoints' folder (its {@code epoch-NNNN} entries: train's {@code Checkpoints}). */
  public Path checkpoints() {
    return new Path(root, "checkpoints");
  }

  /** Each Spark worker task's device binding (spark engine). */
  public Path devicesJsonl() {
    return new Path(root, "devices.jsonl");
  }

  /** The model. */
  public Path model() {
    return new Path(root, "model.zip");
  }

  /** Completion marker. */
  public Path success() {
    return new Path(root, Publisher.SUCCESS);
  }

  /** Scratch space (DL4J's exported minibatches); removed at the end of a run. */
  public Path scratch() {
    return new Path(root, "_scratch");
  }

  /** Rewrites the metrics files with every epoch so far. */
  public void writeMetrics(List<EpochMetrics> epochs, List<long[][]> confusions,
      Configuration conf) throws IOException {
    StringBuilder jsonl = new StringBuilder();
    StringBuilder csv = new StringBuilder(String.join(",", EpochMetrics.csvHeader()))
        .append('\n');
    StringBuilder conf2 = new StringBuilder();
    for (int i = 0; i < epochs.size(); i++) {
      jsonl.append(Json.compact(epochs.get(i))).append('\n');
      csv.append(epochs.get(i).csvLine()).append('\n');
      conf2.append(Json.compact(new EpochConfusion(epochs.get(i).epoch(), confusions.get(i))))
          .append('\n');
    }
    HadoopFs.writeStringAtomically(metricsJsonl(), conf, jsonl.toString());
    HadoopFs.writeStringAtomically(metricsCsv(), conf, csv.toString());
    HadoopFs.writeStringAtomically(confusionJsonl(), conf, conf2.toString());
  }

  /**
   * The epochs recorded in {@code metrics.jsonl}, in file order; empty when the file does not
   * exist (yet). A value written as {@code null} (not a finite number) reads as NaN, and so does
   * a column an older version did not write; a line that
   * is not such a record is bad input naming the file.
   */
  public List<EpochMetrics> readMetrics(Configuration conf) throws IOException {
    List<EpochMetrics> out = new ArrayList<>();
    for (String line : lines(metricsJsonl(), conf)) {
      String src = metricsJsonl().toString();
      String upgraded = EpochMetrics.withMissingColumns(Json.tree(line, src)).toString();
      out.add(Json.parseNullAsNaN(upgraded, EpochMetrics.class, src));
    }
    return out;
  }

  /** The lines of {@code confusion.jsonl}, in file order; empty when it does not exist. */
  public List<EpochConfusion> readConfusions(Configuration conf) throws IOException {
    List<EpochConfusion> out = new ArrayList<>();
    for (String line : lines(confusionJsonl(), conf)) {
      out.add(Json.parse(line, EpochConfusion.class, confusionJsonl().toString()));
    }
    return out;
  }

  private static List<String> lines(Path file, Configuration conf) throws IOException {
    List<String> out = new ArrayList<>();
    if (!HadoopFs.exists(file, conf)) {
      return out;
    }
    for (String line : HadoopFs.readString(file, conf, MAX_LINES_BYTES).split("\n")) {
      if (!line.isBlank()) {
        out.add(line);
      }
    }
    return out;
  }
}
