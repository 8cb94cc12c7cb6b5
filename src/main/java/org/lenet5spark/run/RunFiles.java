package org.lenet5spark.run;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.io.Json;

/**
 * The layout of a training run's output folder and the writers of its small files. Every file is
 * rewritten whole and atomically after each epoch, so a crash leaves the history of every
 * completed epoch and never a half-written line; {@code _SUCCESS} is written last.
 *
 * <pre>
 * run.json         resolved configuration, versions, status
 * metrics.jsonl    one JSON object per completed epoch
 * metrics.csv      the same, as CSV
 * confusion.jsonl  one confusion matrix per completed epoch
 * checkpoints/     epoch-NNNN/ checkpoints (see Checkpoints)
 * devices.jsonl    each Spark worker task's device binding
 * model.zip        the trained model (DL4J ModelSerializer) with its normaliser
 * _SUCCESS         the run completed
 * </pre>
 */
public record RunFiles(Path root) {
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
    return new Path(root, "_SUCCESS");
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
      conf2.append(Json.compact(Map.of("epoch", epochs.get(i).epoch(),
          "confusion", confusions.get(i)))).append('\n');
    }
    HadoopFs.writeStringAtomically(metricsJsonl(), conf, jsonl.toString());
    HadoopFs.writeStringAtomically(metricsCsv(), conf, csv.toString());
    HadoopFs.writeStringAtomically(confusionJsonl(), conf, conf2.toString());
  }
}
