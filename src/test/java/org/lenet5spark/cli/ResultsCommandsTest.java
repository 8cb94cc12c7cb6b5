package org.lenet5spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.data.IdxReader;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.io.Json;
import org.lenet5spark.report.ReportBuilder;
import org.lenet5spark.testing.CliRun;
import org.lenet5spark.testing.RealMnist;
import org.lenet5spark.testing.SmallData;

/**
 * {@code evaluate} on raw IDX files, {@code predict}, {@code report} and the notebooks, against one
 * real run made once for the class: real MNIST prepared as binary shards, one epoch of training
 * with Spark {@code local[2]}, then {@code report}. The HTML page is loaded in headless Chromium
 * and the notebooks run headless with nbconvert (both skipped, with a message, only when the tools
 * are not installed): with the run and data folders, with the run folder alone (the data comes
 * from its {@code run.json}), and the shards explorer on Parquet shards of an earlier version.
 */
class ResultsCommandsTest {
  private static final String CHROMIUM = "/usr/bin/chromium";
  private static final String NBCONVERT = "/usr/bin/jupyter-nbconvert";

  @TempDir
  static Path tmp;
  static Path raw;
  static Path data;
  static Path run;
  static JsonNode shardEval;

  @BeforeAll
  static void trainOneEpochAndReport() throws IOException {
    raw = RealMnist.dir();
    data = tmp.resolve("shards");
    run = tmp.resolve("run");
    CliRun prep = CliRun.of("prepare", "--input", raw.toString(), "--output", data.toString(),
        "--format", "binary", "--shards", "4", "--master", "local[2]");
    assertEquals(ExitCodes.OK, prep.code(), prep.err());
    CliRun train = CliRun.of("train", "--data", data.toString(), "--output", run.toString(),
        "--epochs", "1", "--seed", "42", "--master", "local[2]");
    assertEquals(ExitCodes.OK, train.code(), train.err());
    CliRun report = CliRun.of("report", "--run", run.toString());
    assertEquals(ExitCodes.OK, report.code(), report.err());
    CliRun eval = CliRun.of("evaluate", "--model", run.resolve("model.zip").toString(),
        "--data", data.toString(), "--json");
    assertEquals(ExitCodes.OK, eval.code(), eval.err());
    shardEval = Json.mapper().readTree(eval.out());
  }

  @Test
  void reportHasThePngsAndThePageAndIsNotOverwrittenUnlessAsked() throws IOException {
    Path dir = run.resolve("report");
    for (String f : List.of(ReportBuilder.CURVES, ReportBuilder.CONFUSION,
        ReportBuilder.MISTAKES)) {
      BufferedImage img = ImageIO.read(dir.resolve(f).toFile());
      assertNotNull(img, f + " is a readable PNG");
      assertTrue(img.getWidth() >= 300 && img.getHeight() >= 200, f + " has a real size");
    }
    String html = Files.readString(dir.resolve(ReportBuilder.PAGE));
    assertTrue(html.contains("learning_rate") && html.contains("test_accuracy"), "epoch table");
    // the default validation split: its curves and columns, the selected epoch and the stop
    assertTrue(html.contains("validation_accuracy") && html.contains("train_accuracy"), html);
    assertTrue(html.contains("Model selection") && html.contains("model.zip is epoch")
        && html.contains("all 1 epochs done"), "selection and why the run stopped");
    assertTrue(html.contains(String.format("%.4f", shardEval.get("accuracy").asDouble())),
        "the page shows the run's test accuracy");
    assertTrue(Files.exists(dir.resolve("_SUCCESS")));

    CliRun again = CliRun.of("report", "--run", run.toString());
    assertEquals(ExitCodes.BAD_INPUT, again.code(), again.err());
    assertTrue(errorLines(again).get(0).startsWith("error: a complete report exists"),
        again.err());

    Path other = tmp.resolve("report-copy");
    CliRun elsewhere = CliRun.of("report", "--run", run.toString(), "--out", other.toString(),
        "--data", raw.toString(), "--worst", "8");
    assertEquals(ExitCodes.OK, elsewhere.code(), elsewhere.err());
    assertTrue(Files.exists(other.resolve(ReportBuilder.PAGE)));
    CliRun replaced = CliRun.of("report", "--run", run.toString(), "--out", other.toString(),
        "--overwrite");
    assertEquals(ExitCodes.OK, replaced.code(), replaced.err());
    try (var siblings = Files.list(tmp)) {
      assertTrue(siblings.noneMatch(p -> p.getFileName().toString().startsWith(".report")),
          "no temporary folder left");
    }
  }

  @Test
  void reportPageLoadsInHeadlessChromiumWithItsImagesAndNoConsoleMessage() throws Exception {
    assumeTrue(Files.isExecutable(Path.of(CHROMIUM)),
        "headless browser check skipped: " + CHROMIUM + " missing (Debian package chromium)");
    // the detector must see console errors, or its silence on the report means nothing
    Path bad = tmp.resolve("bad.html");
    Files.writeString(bad, "<!DOCTYPE html><html><body><script>console.error('boom');"
        + "</script></body></html>");
    assertFalse(chromium(bad, "bad").consoleLines().isEmpty(), "console errors are detected");

    Browser page = chromium(run.resolve("report").resolve(ReportBuilder.PAGE), "report");
    assertEquals(List.of(), page.consoleLines(), "console messages of the report page");
    String dom = page.dom();
    assertTrue(dom.contains("LeNet-5 training report"), "the DOM was dumped");
    assertFalse(dom.toLowerCase().contains("<script"), "no script");
    assertFalse(Pattern.compile("(src|href)=\"(https?:)?//").matcher(dom).find(),
        "no external resource");
    Matcher img = Pattern.compile("<img[^>]*src=\"([^\"]*)\"").matcher(dom);
    int images = 0;
    while (img.find()) {
      String src = img.group(1);
      assertTrue(src.startsWith("data:image/png;base64,"), "embedded image: "
          + src.substring(0, Math.min(40, src.length())));
      byte[] png = Base64.getDecoder().decode(src.substring(src.indexOf(',') + 1));
      BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(png));
      assertNotNull(decoded, "image " + images + " decodes as PNG");
      assertTrue(decoded.getWidth() > 100);
      images++;
    }
    assertEquals(3, images, "curves, confusion matrix and mistakes");
  }

  /** What headless Chromium made of a page: the DOM after loading, and its console lines. */
  private record Browser(String dom, List<String> consoleLines) {
  }

  private static Browser chromium(Path page, String name) throws Exception {
    Path profile = Files.createDirectories(tmp.resolve("chromium-" + name));
    Path err = tmp.resolve("chromium-" + name + ".err");
    Process p = new ProcessBuilder(CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0",
        "--dump-dom", page.toUri().toString())
        .redirectError(err.toFile())
        .start();
    String dom;
    try (InputStream in = p.getInputStream()) {
      dom = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "chromium finished");
    assertEquals(0, p.exitValue(), "chromium exit code; stderr: " + Files.readString(err));
    List<String> console = new ArrayList<>();
    for (String line : Files.readAllLines(err)) {
      if (line.contains(":CONSOLE") || line.contains("Uncaught")) {
        console.add(line);
      }
    }
    return new Browser(dom, console);
  }

  @Test
  void notebooksRunHeadlessOnTheRunAndItsShards() throws Exception {
    Map<String, JsonNode> executed = runNotebooks("both",
        Map.of("LENET5_RUN", run.toString(), "LENET5_DATA", data.toString()),
        "training_curves.ipynb", "shards_explorer.ipynb");
    for (Map.Entry<String, JsonNode> nb : executed.entrySet()) {
      assertTrue(figures(nb.getValue()) >= 2, nb.getKey() + " drew " + figures(nb.getValue())
          + " figures");
      if (nb.getKey().equals("training_curves.ipynb")) {
        String text = outputText(nb.getValue());
        assertTrue(text.contains("model.zip is epoch 1") && text.contains("validation_accuracy"),
            text);
      }
      JsonNode committed = Json.mapper().readTree(Path.of("notebooks", nb.getKey()).toFile());
      for (JsonNode cell : committed.get("cells")) {
        assertTrue(cell.path("outputs").isEmpty(), nb.getKey() + " is committed without outputs");
      }
    }
  }

  @Test
  void notebooksRunFromTheRunFolderAloneWithTheDataItsRunJsonNames() throws Exception {
    Map<String, JsonNode> executed = runNotebooks("run-only",
        Map.of("LENET5_RUN", run.toString()), "training_curves.ipynb", "shards_explorer.ipynb");
    for (Map.Entry<String, JsonNode> nb : executed.entrySet()) {
      assertTrue(figures(nb.getValue()) >= 2, nb.getKey() + " drew " + figures(nb.getValue())
          + " figures");
    }
    String text = outputText(executed.get("shards_explorer.ipynb"));
    assertTrue(text.contains("data folder: " + data.toRealPath() + " (from run.json of "
        + "LENET5_RUN)"), text);
    assertTrue(text.contains("labels read from the shards"), text);
  }

  @Test
  void shardsExplorerReadsParquetWithAReaderOrSaysClearlyWhyNot() throws Exception {
    // Parquet data of an earlier version (manifest.json): Debian 12 has no Parquet reader for
    // pandas, so the explorer must say so and still show what the manifests hold
    Path parquet = SmallData.prepare(SmallData.realSubset(tmp.resolve("idx-small"), 600, 200),
        tmp.resolve("parquet-shards"), "parquet", 2);
    for (String split : List.of("train", "test")) {
      Files.move(parquet.resolve(split).resolve("_manifest.json"),
          parquet.resolve(split).resolve("manifest.json"));
    }
    Map<String, JsonNode> executed = runNotebooks("parquet",
        Map.of("LENET5_DATA", "file:" + parquet), "shards_explorer.ipynb");
    JsonNode nb = executed.get("shards_explorer.ipynb");
    String text = outputText(nb);
    assertTrue(text.contains("600 examples in 2 parquet shard(s)"), text);
    Process probe = new ProcessBuilder("/usr/bin/python3", "-c",
        "import importlib.util as u, sys; "
            + "sys.exit(0 if u.find_spec('pyarrow') or u.find_spec('fastparquet') else 1)")
        .start();
    assertTrue(probe.waitFor(60, TimeUnit.SECONDS));
    if (probe.exitValue() == 0) {
      assertTrue(text.contains("labels read from the shards"), text);
      assertTrue(figures(nb) >= 2, text);
    } else {
      assertTrue(text.contains("Parquet shards cannot be read here: pandas.read_parquet needs "
          + "pyarrow or fastparquet"), text);
      assertTrue(text.contains("the manifests' class histograms"), text);
      assertTrue(figures(nb) >= 1, text);
    }
  }

  /**
   * Executes notebooks headless with nbconvert in an environment that holds exactly the given
   * LENET5_ variables, and returns each executed notebook (none has an error output).
   */
  private static Map<String, JsonNode> runNotebooks(String name, Map<String, String> env,
      String... notebooks) throws Exception {
    assumeTrue(Files.isExecutable(Path.of(NBCONVERT)), "notebook check skipped: " + NBCONVERT
        + " missing (Debian packages jupyter-nbconvert python3-ipykernel python3-pandas "
        + "python3-matplotlib)");
    Path out = Files.createDirectories(tmp.resolve("notebooks-" + name));
    Path log = tmp.resolve("nbconvert-" + name + ".log");
    List<String> cmd = new ArrayList<>(List.of(NBCONVERT, "--to", "notebook", "--execute",
        "--ExecutePreprocessor.timeout=300", "--output-dir", out.toString()));
    cmd.addAll(List.of(notebooks));
    ProcessBuilder pb = new ProcessBuilder(cmd)
        .directory(Path.of("notebooks").toFile())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("LENET5_"));
    pb.environment().putAll(env);
    pb.environment().put("MPLBACKEND", "module://matplotlib_inline.backend_inline");
    Process p = pb.start();
    assertTrue(p.waitFor(600, TimeUnit.SECONDS), "nbconvert finished");
    assertEquals(0, p.exitValue(), "nbconvert failed:\n" + Files.readString(log));
    Map<String, JsonNode> executed = new HashMap<>();
    for (String nb : notebooks) {
      JsonNode done = Json.mapper().readTree(out.resolve(nb).toFile());
      for (JsonNode cell : done.get("cells")) {
        for (JsonNode o : cell.path("outputs")) {
          assertFalse(o.path("output_type").asText().equals("error"), nb + ": " + o);
        }
      }
      executed.put(nb, done);
    }
    return executed;
  }

  private static int figures(JsonNode notebook) {
    int n = 0;
    for (JsonNode cell : notebook.get("cells")) {
      for (JsonNode o : cell.path("outputs")) {
        n += o.path("data").has("image/png") ? 1 : 0;
      }
    }
    return n;
  }

  /** Everything the notebook printed (streams and plain-text results). */
  private static String outputText(JsonNode notebook) {
    StringBuilder sb = new StringBuilder();
    for (JsonNode cell : notebook.get("cells")) {
      for (JsonNode o : cell.path("outputs")) {
        JsonNode text = o.has("text") ? o.get("text") : o.path("data").path("text/plain");
        if (text.isArray()) {
          text.forEach(t -> sb.append(t.asText()));
        } else {
          sb.append(text.asText());
        }
      }
    }
    return sb.toString();
  }

  /**
   * Real MNIST test digits, one of each class, enlarged to different sizes, drawn dark on a white
   * 200x160 canvas off-centre and saved as PNG and as JPEG.
   */
  private static Map<String, Integer> writeDigitPictures(Path dir, String format)
      throws IOException {
    Files.createDirectories(dir);
    IdxReader.Images images = IdxReader.readImages(
        HadoopFs.resolve(raw.resolve("t10k-images-idx3-ubyte").toString()),
        HadoopFs.newConfiguration(), 28, 28);
    IdxReader.Labels labels = IdxReader.readLabels(
        HadoopFs.resolve(raw.resolve("t10k-labels-idx1-ubyte").toString()),
        HadoopFs.newConfiguration());
    Map<String, Integer> expected = new HashMap<>();
    boolean[] seen = new boolean[10];
    for (int i = 0; expected.size() < 10; i++) {
      int label = labels.labels()[i];
      if (seen[label]) {
        continue;
      }
      seen[label] = true;
      BufferedImage digit = new BufferedImage(28, 28, BufferedImage.TYPE_INT_RGB);
      for (int y = 0; y < 28; y++) {
        for (int x = 0; x < 28; x++) {
          int v = 255 - (images.pixels()[i * 784 + y * 28 + x] & 0xff);
          digit.setRGB(x, y, new Color(v, v, v).getRGB());
        }
      }
      int side = 84 + 14 * (label % 4);
      BufferedImage canvas = new BufferedImage(200, 160, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = canvas.createGraphics();
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, 200, 160);
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION,
          RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.drawImage(digit, 10 + 7 * label, 5 + 3 * label, side, side, null);
      g.dispose();
      String name = String.format("test-%05d.%s", i, format);
      assertTrue(ImageIO.write(canvas, format, dir.resolve(name).toFile()));
      expected.put(name, label);
    }
    return expected;
  }

  private static Map<String, String[]> csvRows(String csv) {
    String[] lines = csv.trim().split("\n");
    assertEquals("id,label,predicted,p0,p1,p2,p3,p4,p5,p6,p7,p8,p9", lines[0]);
    Map<String, String[]> rows = new HashMap<>();
    for (int i = 1; i < lines.length; i++) {
      String[] f = lines[i].split(",", -1);
      assertEquals(13, f.length, lines[i]);
      double sum = 0;
      for (int c = 3; c < 13; c++) {
        sum += Double.parseDouble(f[c]);
      }
      assertEquals(1.0, sum, 1e-3, "probabilities sum to 1: " + lines[i]);
      rows.put(f[0], f);
    }
    return rows;
  }

  @Test
  void predictReadsRealDigitsSavedAsPngAndJpegLocallyAndOnSpark() throws IOException {
    String model = run.resolve("model.zip").toString();
    for (String format : List.of("png", "jpg")) {
      Path dir = tmp.resolve("pictures-" + format);
      Map<String, Integer> expected = writeDigitPictures(dir, format);
      CliRun local = CliRun.of("predict", "--model", model, "--input", dir.toString());
      assertEquals(ExitCodes.OK, local.code(), local.err());
      Map<String, String[]> rows = csvRows(local.out());
      assertEquals(expected.keySet(), rows.keySet());
      int correct = 0;
      for (Map.Entry<String, Integer> e : expected.entrySet()) {
        String[] row = rows.get(e.getKey());
        assertEquals("", row[1], "pictures have no known label");
        if (Integer.parseInt(row[2]) == e.getValue()) {
          correct++;
        }
      }
      assertTrue(correct >= 9, format + ": " + correct + " of 10 digits recognised");

      Path csv = tmp.resolve("spark-" + format + ".csv");
      CliRun spark = CliRun.of("predict", "--model", model, "--input", dir.toString(),
          "--engine", "spark", "--master", "local[2]", "--output", csv.toString());
      assertEquals(ExitCodes.OK, spark.code(), spark.err());
      Map<String, String[]> sparkRows = csvRows(Files.readString(csv));
      for (String id : expected.keySet()) {
        assertEquals(rows.get(id)[2], sparkRows.get(id)[2], "same prediction on Spark: " + id);
      }
    }
    Path one = tmp.resolve("pictures-png").resolve(
        writeDigitPictures(tmp.resolve("single"), "png").keySet().iterator().next());
    CliRun single = CliRun.of("predict", "--model", model, "--input", one.toString());
    assertEquals(ExitCodes.OK, single.code(), single.err());
    assertEquals(1, csvRows(single.out()).size());
  }

  @Test
  void predictRefusesCorruptAndOversizedPicturesWithOneLine() throws IOException {
    String model = run.resolve("model.zip").toString();
    Path corrupt = tmp.resolve("corrupt.png");
    Files.write(corrupt, "\u0089PNG not really".getBytes(StandardCharsets.ISO_8859_1));
    CliRun r = CliRun.of("predict", "--model", model, "--input", corrupt.toString());
    assertEquals(ExitCodes.BAD_INPUT, r.code(), r.err());
    List<String> errors = errorLines(r);
    assertEquals(1, errors.size(), r.err());
    assertTrue(errors.get(0).startsWith("error: corrupt.png"), r.err());
    assertFalse(r.err().contains("\tat "), "no stack trace without --verbose");

    Path huge = tmp.resolve("huge.png");
    ImageIO.write(new BufferedImage(12_000, 2, BufferedImage.TYPE_BYTE_GRAY), "png",
        huge.toFile());
    CliRun h = CliRun.of("predict", "--model", model, "--input", huge.toString());
    assertEquals(ExitCodes.BAD_INPUT, h.code(), h.err());
    assertTrue(errorLines(h).get(0).contains("12000x2, accepted up to 10000x10000"), h.err());

    CliRun usage = CliRun.of("predict", "--model", model, "--input", huge.toString(),
        "--format", "parquet");
    assertEquals(ExitCodes.USAGE, usage.code(), "parquet needs --output");
  }

  @Test
  void predictOnSparkWritesParquetThatAgreesWithEvaluate() throws IOException {
    Path out = tmp.resolve("predictions.parquet");
    CliRun r = CliRun.of("predict", "--model", run.resolve("model.zip").toString(), "--input",
        data.toString(), "--engine", "spark", "--master", "local[2]", "--format", "parquet",
        "--output", out.toString());
    assertEquals(ExitCodes.OK, r.code(), r.err());
    long rows = 0;
    long correct = 0;
    int previous = -1;
    try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(),
        new org.apache.hadoop.fs.Path(out.toUri())).build()) {
      Group g;
      while ((g = reader.read()) != null) {
        int id = Integer.parseInt(g.getString("id", 0));
        assertEquals(previous + 1, id, "rows come in input order");
        previous = id;
        if (g.getInteger("label", 0) == g.getInteger("predicted", 0)) {
          correct++;
        }
        rows++;
      }
    }
    assertEquals(10_000, rows);
    assertEquals(shardEval.get("accuracy").asDouble(), correct / 10_000.0, 5e-4);

    CliRun exists = CliRun.of("predict", "--model", run.resolve("model.zip").toString(),
        "--input", data.toString(), "--output", out.toString());
    assertEquals(ExitCodes.BAD_INPUT, exists.code(), "an existing output is refused");
  }

  @Test
  void evaluateOnGzippedIdxFilesMatchesTheShards() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("idx-gz"));
    gzip(raw.resolve("t10k-images-idx3-ubyte"), dir.resolve("digits.gz"));
    gzip(raw.resolve("t10k-labels-idx1-ubyte"), dir.resolve("answers.gz"));
    CliRun r = CliRun.of("evaluate", "--model", run.resolve("model.zip").toUri().toString(),
        "--data", dir.toString(), "--images", "digits", "--labels", "answers", "--json");
    assertEquals(ExitCodes.OK, r.code(), r.err());
    JsonNode ev = Json.mapper().readTree(r.out());
    assertEquals(10_000, ev.get("count").asLong());
    assertEquals(shardEval.get("accuracy").asDouble(), ev.get("accuracy").asDouble(), 1e-12);
    // the network computes in float32: the mean loss agrees to float precision, not beyond
    assertEquals(shardEval.get("loss").asDouble(), ev.get("loss").asDouble(), 1e-6);
    assertEquals(shardEval.get("confusion"), ev.get("confusion"));

    CliRun table = CliRun.of("evaluate", "--model", run.resolve("model.zip").toString(),
        "--data", raw.toString());
    assertEquals(ExitCodes.OK, table.code(), table.err());
    assertTrue(table.out().contains(String.format("accuracy  %.4f",
        shardEval.get("accuracy").asDouble())), table.out());

    CliRun missing = CliRun.of("evaluate", "--model", run.resolve("model.zip").toString(),
        "--data", dir.toString());
    assertEquals(ExitCodes.BAD_INPUT, missing.code(), missing.err());
    assertTrue(errorLines(missing).get(0).contains("no IDX images file"), missing.err());
  }

  /** The "error: " lines of stderr (log lines have other prefixes, whatever their format). */
  private static List<String> errorLines(CliRun r) {
    List<String> out = new ArrayList<>();
    for (String line : r.err().split("\n")) {
      if (line.startsWith("error: ")) {
        out.add(line);
      }
    }
    assertFalse(out.isEmpty(), "no error line in: " + r.err());
    return out;
  }

  private static void gzip(Path from, Path to) throws IOException {
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(to))) {
      Files.copy(from, out);
    }
  }
}
