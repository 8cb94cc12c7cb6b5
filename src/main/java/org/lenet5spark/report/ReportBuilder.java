package org.lenet5spark.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.lenet5spark.data.ExampleBlock;
import org.lenet5spark.data.IdxInput;
import org.lenet5spark.data.Normalization;
import org.lenet5spark.data.ShardCatalog;
import org.lenet5spark.eval.InputNormalization;
import org.lenet5spark.eval.Misclassified;
import org.lenet5spark.io.BadInputException;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.io.ModelStore;
import org.lenet5spark.io.RunFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code report} job: reads a training run ({@link RunRecords}), renders the training curves
 * and the last epoch's confusion matrix ({@link Charts}), finds the worst misclassified test
 * digits with the run's model ({@link Misclassified}, {@link DigitGrid}) and writes the PNGs and
 * the self-contained {@code index.html} ({@link HtmlPage}). The folder is built as a hidden
 * sibling and published by a rename, with {@code _SUCCESS} last; a complete report is replaced
 * only when asked. Runs after {@code train}.
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
  /** Completion marker. */
  public static final String SUCCESS = "_SUCCESS";

  private static final Logger LOG = LoggerFactory.getLogger(ReportBuilder.class);

  private ReportBuilder() {
  }

  /** Builds the report and returns its folder. */
  public static Path build(ReportOptions o) throws IOException {
    Configuration conf = HadoopFs.newConfiguration();
    RunFiles files = new RunFiles(o.run());
    Path out = o.outOrDefault();
    FileSystem fs = HadoopFs.fs(out, conf);
    if (fs.exists(new Path(out, SUCCESS)) && !o.overwrite()) {
      throw new BadInputException("a complete report exists in " + out + " (use --overwrite)");
    }
    RunRecords records = RunRecords.read(files, conf);
    byte[] curves = Charts.trainingCurves(records.epochs());
    byte[] confusion = Charts.confusionHeatmap(records.lastConfusion(),
        "Confusion matrix, epoch " + records.lastEpoch().get("epoch").asInt());

    ModelStore.Loaded model = ModelStore.load(files.model(), conf, false,
        o.kernels());
    Normalization norm = InputNormalization.of(model.normalizer(), files.model().toString());
    Path data = o.data() != null ? o.data() : configuredData(records);
    ExampleBlock test = testBlock(data, norm, conf);
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

    Path tmp = new Path(out.getParent(), "." + out.getName() + ".tmp-" + UUID.randomUUID());
    boolean published = false;
    try {
      fs.mkdirs(tmp);
      write(fs, new Path(tmp, CURVES), curves);
      write(fs, new Path(tmp, CONFUSION), confusion);
      write(fs, new Path(tmp, MISTAKES), grid);
      write(fs, new Path(tmp, PAGE), html.getBytes(StandardCharsets.UTF_8));
      write(fs, new Path(tmp, SUCCESS), new byte[0]);
      publish(fs, tmp, out);
      published = true;
    } finally {
      if (!published) {
        HadoopFs.deleteQuietly(fs, tmp);
      }
    }
    return fs.makeQualified(out);
  }

  private static Path configuredData(RunRecords records) {
    String d = records.run().path("config").path("data").asText("");
    if (d.isBlank()) {
      throw new BadInputException(records.files().runJson() + " names no data folder: pass "
          + "--data");
    }
    return HadoopFs.resolve(d);
  }

  /** The test split: prepared shards (checked) or IDX files with labels. */
  private static ExampleBlock testBlock(Path data, Normalization norm, Configuration conf)
      throws IOException {
    if (IdxInput.isPreparedData(data, conf)) {
      ShardCatalog catalog = ShardCatalog.open(data, "test", conf);
      Normalization shards = catalog.manifest().toNormalization();
      if (Math.abs(shards.mean() - norm.mean()) > 1e-6
          || Math.abs(shards.std() - norm.std()) > 1e-6) {
        throw new BadInputException("the model's normalisation differs from the shards' in "
            + data);
      }
      catalog.verifyChecksums(conf);
      return ExampleBlock.read(catalog, conf);
    }
    return IdxInput.locate(data, "test", null, null, true, conf).read(norm, conf);
  }

  private static void write(FileSystem fs, Path p, byte[] bytes) throws IOException {
    try (var out = fs.create(p, false)) {
      out.write(bytes);
    }
  }

  /** Renames {@code tmp} to {@code out}, moving an existing {@code out} aside first. */
  private static void publish(FileSystem fs, Path tmp, Path out) throws IOException {
    Path old = null;
    if (fs.exists(out)) {
      old = new Path(out.getParent(), "." + out.getName() + ".old-" + UUID.randomUUID());
      if (!fs.rename(out, old)) {
        throw new IOException("cannot move the previous report " + out + " aside");
      }
    }
    if (!fs.rename(tmp, out)) {
      if (old != null) {
        fs.rename(old, out);
      }
      throw new IOException("cannot publish the report as " + out);
    }
    if (old != null) {
      HadoopFs.deleteQuietly(fs, old);
    }
  }
}
