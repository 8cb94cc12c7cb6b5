package org.lenet5spark.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.lenet5spark.io.Json;
import org.lenet5spark.run.EpochMetrics;
import org.lenet5spark.run.RunRecord;

/**
 * Writes the single self-contained HTML page of {@code report}: inline CSS, the PNG charts
 * embedded as base64 {@code data:} URIs, no script and no external resource, so it opens from
 * any folder without a server or network. Shows the last epoch's summary, the charts, the
 * per-epoch and per-class tables, which epoch became {@code model.zip} and why the run
 * stopped, and the run's configuration, timings and versions from {@code run.json}. Runs after
 * the charts are rendered.
 */
public final class HtmlPage {
  /** The per-epoch table: a column is shown when some epoch has a value for it. */
  private static final List<Column> EPOCH_COLUMNS = List.of(
      new Column("epoch", EpochMetrics::epoch),
      new Column("train_accuracy", EpochMetrics::trainAccuracy),
      new Column("validation_accuracy", EpochMetrics::validationAccuracy),
      new Column("test_accuracy", EpochMetrics::testAccuracy),
      new Column("train_loss", EpochMetrics::trainLoss),
      new Column("validation_loss", EpochMetrics::validationLoss),
      new Column("test_loss", EpochMetrics::testLoss),
      new Column("validation_macro_f1", EpochMetrics::validationMacroF1),
      new Column("macro_f1", EpochMetrics::macroF1),
      new Column("epoch_seconds", EpochMetrics::epochSeconds),
      new Column("eval_seconds", EpochMetrics::evalSeconds),
      new Column("samples_per_second", EpochMetrics::samplesPerSecond),
      new Column("train_examples", EpochMetrics::trainExamples),
      new Column("learning_rate", EpochMetrics::learningRate));

  private static final String CSS = String.join("\n",
      "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;",
      "max-width:1320px;color:#222;padding:0 1em}",
      "h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.8em;border-bottom:1px solid #ddd}",
      "table{border-collapse:collapse;margin:.5em 0;font-size:.9em}",
      "th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}",
      "th{background:#f3f3f3}td.k,th.k{text-align:left}",
      "img{max-width:100%;border:1px solid #eee}",
      ".summary span{display:inline-block;margin-right:2em;font-size:1.2em}",
      ".muted{color:#666;font-size:.9em}");

  private HtmlPage() {
  }

  /**
   * The page.
   *
   * @param records the run's files
   * @param images PNGs to embed, by caption, in order
   * @param notes extra lines shown under the title (e.g. the data used for the grid)
   */
  public static String render(RunRecords records, Map<String, byte[]> images, List<String> notes) {
    RunRecord run = records.run();
    EpochMetrics last = records.lastEpoch();
    StringBuilder sb = new StringBuilder();
    sb.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .append("<title>LeNet-5 training report</title>\n<style>\n").append(CSS)
        .append("\n</style>\n</head>\n<body>\n");
    sb.append("<h1>LeNet-5 training report</h1>\n<p class=\"muted\">run ")
        .append(esc(records.files().root().toString())).append(" &middot; status ")
        .append(esc(text(run.status()))).append(records.complete() ? "" : " (no _SUCCESS)")
        .append("</p>\n");
    for (String n : notes) {
      sb.append("<p class=\"muted\">").append(esc(n)).append("</p>\n");
    }
    sb.append("<div class=\"summary\">")
        .append(String.format("<span>epochs <b>%d</b></span>", records.epochs().size()))
        .append(String.format("<span>test accuracy <b>%.4f</b></span>", last.testAccuracy()))
        .append(String.format("<span>test loss <b>%.4f</b></span>", last.testLoss()));
    if (Double.isFinite(last.macroF1())) {
      sb.append(String.format("<span>macro F1 <b>%.4f</b></span>", last.macroF1()));
    }
    if (Double.isFinite(last.validationAccuracy())) {
      sb.append(String.format("<span>validation accuracy <b>%.4f</b></span>",
          last.validationAccuracy()));
    }
    sb.append("</div>\n");
    selection(sb, run.selection(), records.epochs());

    for (Map.Entry<String, byte[]> e : images.entrySet()) {
      sb.append("<h2>").append(esc(e.getKey())).append("</h2>\n<img alt=\"")
          .append(esc(e.getKey())).append("\" src=\"data:image/png;base64,")
          .append(Base64.getEncoder().encodeToString(e.getValue())).append("\">\n");
      if (e.getKey().startsWith("Confusion")) {
        perClass(sb, last);
      }
    }

    sb.append("<h2>Per epoch</h2>\n<table>\n<tr>");
    List<Column> cols = EPOCH_COLUMNS.stream()
        .filter(c -> records.epochs().stream().anyMatch(e -> c.has(e))).toList();
    for (Column c : cols) {
      sb.append("<th>").append(esc(c.name())).append("</th>");
    }
    sb.append("</tr>\n");
    for (EpochMetrics e : records.epochs()) {
      sb.append("<tr>");
      for (Column c : cols) {
        sb.append("<td>").append(esc(number(c.value().apply(e)))).append("</td>");
      }
      sb.append("</tr>\n");
    }
    sb.append("</table>\n");

    sb.append("<h2>Timings</h2>\n<table>\n");
    row(sb, "started", text(run.started()));
    row(sb, "finished", text(run.finished()));
    double train = 0;
    double eval = 0;
    for (EpochMetrics e : records.epochs()) {
      train += finiteOrZero(e.epochSeconds());
      eval += finiteOrZero(e.evalSeconds());
    }
    row(sb, "training seconds (sum of epochs)", String.format("%.1f", train));
    row(sb, "evaluation seconds (sum of epochs)", String.format("%.1f", eval));
    row(sb, "spark master", text(run.sparkMaster()));
    row(sb, "spark application", text(run.sparkAppId()));
    sb.append("</table>\n");

    object(sb, "Configuration", run.config());
    object(sb, "Data", run.data() == null ? null : Json.mapper().valueToTree(run.data()));
    object(sb, "Versions", run.versions() == null ? null
        : Json.mapper().valueToTree(run.versions()));
    sb.append("<p class=\"muted\">Generated by lenet5-spark report from run.json, metrics.jsonl "
        + "and confusion.jsonl.</p>\n</body>\n</html>\n");
    return sb.toString();
  }

  /** Which epoch became model.zip, on which validation metric, and why the run stopped. */
  private static void selection(StringBuilder sb, RunRecord.Selection sel,
      List<EpochMetrics> epochs) {
    if (sel == null) {
      return;
    }
    sb.append("<h2>Model selection</h2>\n<table>\n");
    row(sb, "model.zip is epoch", Integer.toString(sel.selectedEpoch()));
    row(sb, "selected by", text(sel.reason()));
    if (sel.metric() != null && sel.value() != null) {
      row(sb, sel.metric() + " of that epoch", number(sel.value()));
    }
    if (sel.selectedEpoch() >= 1 && sel.selectedEpoch() <= epochs.size()) {
      row(sb, "test accuracy of that epoch",
          number(epochs.get(sel.selectedEpoch() - 1).testAccuracy()));
    }
    row(sb, "the run stopped", text(sel.stopReason()));
    sb.append("</table>\n");
  }

  private static void perClass(StringBuilder sb, EpochMetrics last) {
    List<Double> p = last.precision();
    List<Double> r = last.recall();
    List<Double> f = last.f1();
    if (p == null || r == null || f == null) {
      return;
    }
    sb.append("<table>\n<tr><th>class</th><th>precision</th><th>recall</th><th>F1</th></tr>\n");
    for (int c = 0; c < p.size(); c++) {
      // a value written as null (not a finite number) shows as 0
      sb.append(String.format("<tr><td>%d</td><td>%.4f</td><td>%.4f</td><td>%.4f</td></tr>%n",
          c, finiteOrZero(p.get(c)), finiteOrZero(r.get(c)), finiteOrZero(f.get(c))));
    }
    sb.append("</table>\n");
  }

  private static void object(StringBuilder sb, String title, JsonNode node) {
    if (node == null || !node.isObject()) {
      return;
    }
    sb.append("<h2>").append(esc(title)).append("</h2>\n<table>\n");
    Iterator<Map.Entry<String, JsonNode>> it = node.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode v = e.getValue();
      row(sb, e.getKey(), v.isValueNode() ? v.asText() : v.toString());
    }
    sb.append("</table>\n");
  }

  private static void row(StringBuilder sb, String key, String value) {
    sb.append("<tr><td class=\"k\">").append(esc(key)).append("</td><td class=\"k\">")
        .append(esc(value)).append("</td></tr>\n");
  }

  private static String text(String value) {
    return value == null ? "" : value;
  }

  private static double finiteOrZero(Double v) {
    return v == null || !Double.isFinite(v) ? 0 : v;
  }

  /** A cell: integers as they are, other numbers rounded, nothing for a non-finite value. */
  private static String number(Number v) {
    if (v instanceof Integer || v instanceof Long) {
      return v.toString();
    }
    double d = v.doubleValue();
    if (!Double.isFinite(d)) {
      return "";
    }
    return Math.abs(d) >= 100 ? String.format("%.1f", d) : String.format("%.4f", d);
  }

  /** A column of the per-epoch table. */
  private record Column(String name, Function<EpochMetrics, Number> value) {
    boolean has(EpochMetrics e) {
      Number v = value.apply(e);
      return !(v instanceof Double d) || Double.isFinite(d);
    }
  }

  /** Escapes text for HTML content and attribute values. */
  static String esc(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '&' -> sb.append("&amp;");
        case '"' -> sb.append("&quot;");
        case '\'' -> sb.append("&#39;");
        default -> sb.append(c);
      }
    }
    return sb.toString();
  }
}
