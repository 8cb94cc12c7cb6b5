package org.lenet5spark.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.lenet5spark.data.ExampleBlock;
import org.lenet5spark.data.Normalization;
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.eval.InputNormalization;
import org.lenet5spark.eval.LabelledInput;
import org.lenet5spark.eval.Misclassified;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.io.OutputLock;
import org.lenet5spark.io.OutputOwnership;
import org.lenet5spark.io.Publisher;
import org.lenet5spark.model.ModelStore;
import org.lenet5spark.run.RunFiles;
import org.lenet5spark.run.RunRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code report} job: reads a training run ({@link RunRecords}), renders the training curves
 * and the last epoch's confusion matrix ({@link Charts}), finds the worst misclassified test
 * digits with the run's model ({@link Misclassified}, {@link DigitGrid}) and writes the PNGs and
 * the self-contained {@code index.html} ({@link HtmlPage}). Holding the folder's
 * {@link OutputLock}, it builds the folder as a hidden sibling with {@code _SUCCESS} last and
 * publishes it with {@link Publisher}; an existing folder is replaced only when it is a report
 * ({@link OutputOwnership}) and {@code --overwrite} is given, and never when it equals, contains
 * or lies inside what the report reads. Runs after {@code train}.
 */
public final class ReportBuilder {
  /** Training curves file name. */
  public static final String CURVES = "training-curves.png";
  /** Confusion matrix file name. */
  public static final String CONFUSION = "confusion-matrix.png";
  /** Grid of mistakes file name. */
  public static final String MISTAKES = "misclassified.png";
  /** The HTML page. */
  public static final String PAGE = "index.html";

  private static final Logger LOG = LoggerFactory.getLogger(ReportBuilder.class);

  private ReportBuilder() {
  }

  /** Builds the report and returns its folder. */
  public static Path build(ReportOptions o) throws IOException {
    Configuration conf = HadoopFs.newConfiguration();
    FileSystem fs = HadoopFs.fs(o.outOrDefault(), conf);
    Path out = fs.makeQualified(o.outOrDefault());
    RunFiles files = new RunFiles(o.run());
    // read-only input check first: the lock must not create folders for a run that is not there
    RunRecords records = RunRecords.read(files, conf);
    try (OutputLock lock = OutputLock.acquire(out, conf, "report")) {
      return buildLocked(o, out, fs, conf, lock, files, records);
    }
  }

  private static Path buildLocked(ReportOptions o, Path out, FileSystem fs, Configuration conf,
      OutputLock lock, RunFiles files, RunRecords records) throws IOException {
    Publisher.recover(fs, out);
    OutputOwnership.State state = OutputOwnership.inspect(out, OutputOwnership.Kind.REPORT,
        conf);
    if (state == OutputOwnership.State.OURS && !o.overwrite()) {
      throw new BadInputException("a complete report exists in " + out + " (use --overwrite)");
    }
    OutputOwnership.checkApart(out, List.of(files.runJson(), files.metricsJsonl(),
        files.confusionJsonl(), files.model()), conf);
    RunRecord.Selection selection = records.run().selection();
    byte[] curves = Charts.trainingCurves(records.epochs(),
        selection == null ? 0 : selection.selectedEpoch());
    byte[] confusion = Charts.confusionHeatmap(records.lastConfusion(),
        "Confusion matrix, epoch " + records.lastEpoch().epoch());

    ModelStore.Loaded model = ModelStore.load(files.model(), conf, false,
        o.kernels());
    Normalization norm = InputNormalization.of(model.normalizer(), files.model().toString());
    Path data = o.data() != null ? o.data() : configuredData(records);
    OutputOwnership.checkApart(out, List.of(data), conf);
    ExampleBlock test = LabelledInput.read(data, "test", null, null, norm, conf).block();
    List<Misclassified.Mistake> worst = Misclassified.worst(model.network(), test, o.worst(),
        1000);
    byte[] grid = DigitGrid.render(worst, norm, test.rows(), test.cols());
    LOG.info("report: {} epochs, {} mistakes shown from {}", records.epochs().size(),
        worst.size(), data);

    Map<String, byte[]> images = new LinkedHashMap<>();
    images.put("Training curves", curves);
    images.put("Confusion matrix (last epoch)", confusion);
    images.put("Worst misclassified test digits (highest probability on a wrong class)", grid);
    List<String> notes = new ArrayList<>();
    notes.add("test data: " + data + " (" + test.count() + " examples)");
    String html = HtmlPage.render(records, images, notes);

    Publisher.Staged staged = Publisher.stage(fs, out);
    Path tmp = staged.dir();
    boolean published = false;
    try {
      write(fs, new Path(tmp, CURVES), curves);
      write(fs, new Path(tmp, CONFUSION), confusion);
      write(fs, new Path(tmp, MISTAKES), grid);
      write(fs, new Path(tmp, PAGE), html.getBytes(StandardCharsets.UTF_8));
      write(fs, new Path(tmp, Publisher.SUCCESS), new byte[0]);
      Publisher.publish(staged, lock);
      published = true;
    } finally {
      if (!published) {
        Publisher.discard(staged);
      }
    }
    return out;
  }

  private static Path configuredData(RunRecords records) {
    JsonNode config = records.run().config();
    String d = config == null ? "" : config.path("data").asText("");
    if (d.isBlank()) {
      throw new BadInputException(records.files().runJson() + " names no data folder: pass "
          + "--data");
    }
    return HadoopFs.resolve(d);
  }

  private static void write(FileSystem fs, Path p, byte[] bytes) throws IOException {
    try (var out = fs.create(p, false)) {
      out.write(bytes);
    }
  }
}
