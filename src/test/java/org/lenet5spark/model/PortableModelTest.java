package org.lenet5spark.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.cli.ExitCodes;
import org.lenet5spark.compat.ModelZipWriter;
import org.lenet5spark.data.Normalization;
import org.lenet5spark.io.Json;
import org.lenet5spark.model.kernels.FusedAdam;
import org.lenet5spark.testing.CliRun;
import org.lenet5spark.testing.Java17Flags;
import org.lenet5spark.testing.SmallData;

/**
 * The models that real training writes open with DL4J alone: runs of real MNIST (3,000 training
 * images) with the local engine (fused and stock kernels) and with the default Spark engine
 * ({@code local[2]}, kernels auto = fused on the CPU) write {@code model.zip} and checkpoints; a
 * child JVM whose class path is DL4J, ND4J and their dependencies only ({@code
 * target/classpath.txt}, without this project's classes) runs {@code RestoreLeNet5.java} (a
 * single-file program of plain DL4J calls, the README's example) on each of them, predicting the
 * 10,000 MNIST test images from their raw IDX bytes. Its accuracy must equal the project's
 * {@code evaluate} (with either kernels) and its probabilities must be within 1e-5 of the
 * project's {@code predict}; every saved configuration is DL4J's stock LeNet-5 and names no class
 * of this project. As a control, a model saved the way earlier versions saved a fused network
 * does not open in that child JVM (and opens in this one with either {@code --kernels}).
 */
class PortableModelTest {
  private static final String[] STOCK_LAYERS = {"ConvolutionLayer", "SubsamplingLayer",
      "ConvolutionLayer", "SubsamplingLayer", "DenseLayer", "DenseLayer", "OutputLayer"};
  private static final int TEST_IMAGES = 10_000;

  @TempDir
  static Path tmp;
  static Path idx;
  static Path data;

  @BeforeAll
  static void data() throws IOException {
    idx = SmallData.realSubset(tmp.resolve("idx"), 3000, TEST_IMAGES);
    data = SmallData.prepare(idx, tmp.resolve("shards"), "binary", 2);
  }

  private static Path train(String name, String... extra) {
    Path out = tmp.resolve(name);
    List<String> args = new ArrayList<>(List.of("train", "--data", data.toString(), "--output",
        out.toString(), "--batch-size", "32", "--seed", "5", "--master", "local[2]"));
    args.addAll(List.of(extra));
    CliRun r = CliRun.of(args.toArray(String[]::new));
    assertEquals(ExitCodes.OK, r.code(), r.err());
    return out;
  }

  @Test
  void modelsOfRealTrainingRestoreWithDl4jAloneAndPredictLikeTheProject() throws Exception {
    Path localFused = train("local-fused", "--engine", "local", "--kernels", "fused",
        "--epochs", "2");
    Path localStock = train("local-stock", "--engine", "local", "--kernels", "stock",
        "--epochs", "1");
    Path spark = train("spark", "--epochs", "1", "--workers", "2");
    List<Path> models = List.of(localFused.resolve("model.zip"),
        localFused.resolve("checkpoints/epoch-0001/model.zip"),
        localStock.resolve("model.zip"),
        spark.resolve("model.zip"),
        spark.resolve("checkpoints/epoch-0001/model.zip"));

    for (Path m : models) {
      JsonNode conf = Json.mapper().readTree(entry(m, "configuration.json"));
      assertFalse(conf.toString().contains("org.lenet5spark"), m + ": " + conf);
      List<String> layers = new ArrayList<>();
      for (JsonNode c : conf.get("confs")) {
        String cls = c.get("layer").get("@class").asText();
        assertTrue(cls.startsWith("org.deeplearning4j.nn.conf.layers."), cls);
        layers.add(cls.substring(cls.lastIndexOf('.') + 1));
      }
      assertEquals(List.of(STOCK_LAYERS), layers, m.toString());
      assertEquals("org.nd4j.linalg.learning.config.Adam",
          conf.get("confs").get(0).get("layer").get("iupdater").get("@class").asText());
      assertTrue(entry(m, "updaterState.bin").length > 0, m + " holds the updater state");
      assertTrue(entry(m, "normalizer.bin").length > 0, m + " holds the normaliser");
    }

    Path outDir = Files.createDirectories(tmp.resolve("plain-dl4j"));
    String child = runPlainDl4j(outDir, models, 0);
    assertTrue(child.contains("project classes visible: false"), child);

    for (int i = 0; i < models.size(); i++) {
      Path m = models.get(i);
      Matcher acc = Pattern.compile("model " + i + " layers 7 accuracy (\\d+)/(\\d+)")
          .matcher(child);
      assertTrue(acc.find(), child);
      assertEquals(TEST_IMAGES, Integer.parseInt(acc.group(2)));
      int plainCorrect = Integer.parseInt(acc.group(1));
      assertTrue(plainCorrect > 0.8 * TEST_IMAGES, "a trained model: " + plainCorrect);
      assertTrue(child.contains("model " + i + " readme example matches: true"), child);
      for (String kernels : new String[] {"auto", "stock", "fused"}) {
        CliRun ev = CliRun.of("evaluate", "--model", m.toString(), "--data", idx.toString(),
            "--json", "--kernels", kernels);
        assertEquals(ExitCodes.OK, ev.code(), ev.err());
        JsonNode r = Json.mapper().readTree(ev.out());
        assertEquals(TEST_IMAGES, r.get("count").asInt());
        assertEquals(plainCorrect, Math.round(r.get("accuracy").asDouble() * TEST_IMAGES),
            m + " evaluated with --kernels " + kernels);
      }

      Path csv = tmp.resolve("predictions-" + i + ".csv");
      CliRun pr = CliRun.of("predict", "--model", m.toString(), "--input", idx.toString(),
          "--engine", "local", "--output", csv.toString());
      assertEquals(ExitCodes.OK, pr.code(), pr.err());
      List<String> rows = Files.readAllLines(csv);
      List<String> plain = Files.readAllLines(outDir.resolve("probabilities-" + i + ".txt"));
      assertEquals(TEST_IMAGES + 1, rows.size());
      assertEquals(TEST_IMAGES, plain.size());
      double worst = 0;
      for (int k = 0; k < TEST_IMAGES; k++) {
        String[] project = rows.get(k + 1).split(",");
        String[] theirs = plain.get(k).split(" ");
        assertEquals(Integer.toString(k), project[0]);
        for (int c = 0; c < 10; c++) {
          worst = Math.max(worst, Math.abs(Double.parseDouble(project[3 + c])
              - Double.parseDouble(theirs[c])));
        }
      }
      assertTrue(worst <= 1e-5, m + ": probabilities differ by up to " + worst);
    }
  }

  /**
   * The control: a model saved the way earlier versions saved a fused network (DL4J's
   * serializer on the fused configuration) does not open in the same child JVM, so the child
   * really lacks this project's classes and the check above could fail.
   */
  @Test
  void aModelNamingTheFusedLayerClassesDoesNotOpenWithDl4jAlone() throws Exception {
    MultiLayerNetwork fused = LeNet5.build(LeNet5.Variant.MODERN, LeNet5.Kernels.FUSED, 1,
        new FusedAdam(1e-3), 0);
    Path old = tmp.resolve("fused-classes.zip");
    try (OutputStream out = Files.newOutputStream(old)) {
      // what ModelStore.save wrote before models were portable
      ModelZipWriter.write(fused, true, ModelStore.rawPixelNormalizer(
          new Normalization(0.1307, 0.3081)), out);
    }
    Path outDir = Files.createDirectories(tmp.resolve("plain-dl4j-old"));
    String child = runPlainDl4j(outDir, List.of(old), 1);
    assertTrue(child.contains("org.lenet5spark.model.kernels"), child);

    List<Double> accuracies = new ArrayList<>();
    for (String kernels : new String[] {"stock", "fused"}) {
      CliRun ev = CliRun.of("evaluate", "--model", old.toString(), "--data", idx.toString(),
          "--kernels", kernels, "--json");
      assertEquals(ExitCodes.OK, ev.code(), ev.err());
      accuracies.add(Json.mapper().readTree(ev.out()).get("accuracy").asDouble());
    }
    assertEquals(accuracies.get(0), accuracies.get(1));
    CliRun wrong = CliRun.of("evaluate", "--model", old.toString(), "--data", idx.toString(),
        "--kernels", "gpu");
    assertEquals(ExitCodes.USAGE, wrong.code(), wrong.err());
    assertTrue(wrong.errorLines().contains("kernels"), wrong.err());
  }

  /**
   * Runs RestoreLeNet5.java in a JVM with DL4J's class path only; returns its output after
   * checking its exit code.
   */
  private static String runPlainDl4j(Path outDir, List<Path> models, int expectedExit)
      throws Exception {
    String deps = Files.readString(Path.of("target", "classpath.txt")).trim();
    for (String entry : deps.split(java.io.File.pathSeparator)) {
      assertFalse(entry.contains("target/classes") || entry.contains("target/test-classes")
          || entry.contains("lenet5-spark"), "the child's class path holds " + entry);
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(Java17Flags.read());
    cmd.addAll(List.of("-Xmx2g", "-cp", deps,
        Path.of("src", "test", "resources", "portable", "RestoreLeNet5.java").toString(),
        idx.toString(), outDir.toString()));
    models.forEach(m -> cmd.add(m.toString()));
    Path log = outDir.resolve("plain-dl4j.log");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    pb.environment().put("OMP_NUM_THREADS", "1");
    Process p = pb.start();
    boolean ended = p.waitFor(10, TimeUnit.MINUTES);
    if (!ended) {
      p.destroyForcibly();
    }
    String out = Files.readString(log);
    assertTrue(ended, "the plain DL4J program did not finish:\n" + out);
    assertEquals(expectedExit, p.exitValue(), out);
    return out;
  }

  private static byte[] entry(Path zip, String name) throws IOException {
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(
        Files.readAllBytes(zip)))) {
      ZipEntry e;
      while ((e = in.getNextEntry()) != null) {
        if (e.getName().equals(name)) {
          return in.readAllBytes();
        }
      }
    }
    throw new AssertionError("no " + name + " in " + zip);
  }
}
