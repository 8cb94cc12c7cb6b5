package org.lenet5spark.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.io.Json;
import org.lenet5spark.run.RunFiles;

/**
 * The small files of a training run folder, parsed for {@code report}: {@code run.json}, every
 * epoch of {@code metrics.jsonl} and the confusion matrix of every epoch in
 * {@code confusion.jsonl}. A missing or malformed file is bad input. Runs after {@code train}
 * (a run still in progress has the history of every completed epoch).
 */
public record RunRecords(RunFiles files, JsonNode run, List<JsonNode> epochs,
    List<long[][]> confusions, boolean complete) {

  private static final long MAX_BYTES = 64L << 20;

  /** Reads the run folder. */
  public static RunRecords read(RunFiles files, Configuration conf) throws IOException {
    if (!HadoopFs.exists(files.root(), conf)) {
      throw new BadInputException("run folder does not exist: " + files.root());
    }
    JsonNode run = parse(HadoopFs.readString(files.runJson(), conf, MAX_BYTES),
        files.runJson().toString());
    List<JsonNode> epochs = new ArrayList<>();
    for (String line : lines(files, files.metricsJsonl().getName(), conf)) {
      JsonNode e = parse(line, files.metricsJsonl().toString());
      for (String key : List.of("epoch", "test_accuracy", "train_loss", "test_loss")) {
        if (!e.hasNonNull(key)) {
          throw new BadInputException(files.metricsJsonl() + ": an epoch has no " + key);
        }
      }
      epochs.add(e);
    }
    if (epochs.isEmpty()) {
      throw new BadInputException(files.metricsJsonl() + ": no completed epoch yet");
    }
    List<long[][]> confusions = new ArrayList<>();
    for (String line : lines(files, files.confusionJsonl().getName(), conf)) {
      confusions.add(matrix(parse(line, files.confusionJsonl().toString()).get("confusion"),
          files.confusionJsonl().toString()));
    }
    if (confusions.isEmpty()) {
      throw new BadInputException(files.confusionJsonl() + ": no confusion matrix");
    }
    boolean complete = HadoopFs.exists(files.success(), conf);
    return new RunRecords(files, run, List.copyOf(epochs), List.copyOf(confusions), complete);
  }

  /** The last epoch's metrics. */
  public JsonNode lastEpoch() {
    return epochs.get(epochs.size() - 1);
  }

  /** The last epoch's confusion matrix ({@code [actual][predicted]}). */
  public long[][] lastConfusion() {
    return confusions.get(confusions.size() - 1);
  }

  private static List<String> lines(RunFiles files, String name, Configuration conf)
      throws IOException {
    String text = HadoopFs.readString(new org.apache.hadoop.fs.Path(files.root(), name), conf,
        MAX_BYTES);
    List<String> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (!line.isBlank()) {
        out.add(line);
      }
    }
    return out;
  }

  private static JsonNode parse(String text, String source) {
    JsonNode node = Json.parse(text, JsonNode.class, source);
    if (!node.isObject()) {
      throw new BadInputException(source + ": expected a JSON object");
    }
    return node;
  }

  private static long[][] matrix(JsonNode node, String source) {
    if (node == null || !node.isArray() || node.size() != 10) {
      throw new BadInputException(source + ": a confusion matrix is not 10x10");
    }
    long[][] m = new long[10][10];
    for (int a = 0; a < 10; a++) {
      JsonNode row = node.get(a);
      if (!row.isArray() || row.size() != 10) {
        throw new BadInputException(source + ": a confusion matrix is not 10x10");
      }
      for (int p = 0; p < 10; p++) {
        m[a][p] = row.get(p).asLong();
      }
    }
    return m;
  }
}
