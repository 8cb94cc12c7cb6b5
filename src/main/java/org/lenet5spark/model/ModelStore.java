package org.lenet5spark.model;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.lenet5spark.compat.Dl4jWorkarounds;
import org.lenet5spark.compat.ModelZipGuard;
import org.lenet5spark.compat.ModelZipWriter;
import org.lenet5spark.data.Normalization;
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.io.HadoopFs;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.linalg.dataset.api.preprocessor.NormalizerStandardize;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Saves and loads {@code model.zip}: DL4J's own {@link ModelSerializer} format (configuration
 * JSON, parameters, updater state) plus the input normalisation as a DL4J
 * {@link NormalizerStandardize} inside the zip. The normaliser maps raw 0-255 pixels to the
 * network's input, so plain DL4J code can restore both and predict from raw pixels. Writes are
 * atomic on any Hadoop file system.
 *
 * <p>The configuration saved is always the portable one ({@link ModelForms#portable}: DL4J's stock
 * layers and updaters, no class of this project), whatever kernels the network ran with; the
 * parameters and the updater state are written as they are (both forms lay them out the same
 * way). Loading converts the configuration to the kernels the caller chose
 * ({@link ModelForms#forKernels}) before DL4J restores the network, so parameters and updater
 * state again pass through DL4J's own reader untouched: a checkpoint resumes bit for bit. Models
 * written by earlier versions (fused layer classes) load the same way.
 */
public final class ModelStore {
  private static final String CONFIGURATION_JSON = "configuration.json";
  /** Largest model file this loader accepts (LeNet-5 with updater state is under 1 MB). */
  public static final long MAX_MODEL_BYTES = 512L << 20;

  private ModelStore() {
  }

  /** A restored model and its normaliser. */
  public record Loaded(MultiLayerNetwork network, DataNormalization normalizer) {
  }

  /** The DL4J normaliser that turns raw 0-255 pixels into the network's input. */
  public static NormalizerStandardize rawPixelNormalizer(Normalization n) {
    return new NormalizerStandardize(
        Nd4j.create(new float[] {(float) (n.mean() * 255.0)}, 1),
        Nd4j.create(new float[] {(float) (n.std() * 255.0)}, 1));
  }

  /**
   * Writes the network in its portable form with its updater state and normaliser to
   * {@code target}.
   */
  public static void save(MultiLayerNetwork net, Normalization normalization, Path target,
      Configuration conf) throws IOException {
    byte[] bytes = toBytes(net, normalization);
    HadoopFs.writeAtomically(target, conf, out -> out.write(bytes));
  }

  /**
   * The bytes {@link #save} writes: the network in its portable form with its updater state and
   * normaliser (what Spark ML's persistence stores and what is broadcast to executors).
   */
  public static byte[] toBytes(MultiLayerNetwork net, Normalization normalization)
      throws IOException {
    NormalizerStandardize normalizer = rawPixelNormalizer(normalization);
    ByteArrayOutputStream written = new ByteArrayOutputStream();
    ModelZipWriter.write(net, true, normalizer, written);
    MultiLayerConfiguration configuration = net.getLayerWiseConfigurations();
    return ModelForms.isPortable(configuration) ? written.toByteArray()
        : withConfiguration(written.toByteArray(), ModelForms.portable(configuration).toJson());
  }

  /**
   * Loads a model saved by {@link #save} (or by an earlier version) to run with the kernels that
   * {@code --kernels auto} means in this JVM.
   */
  public static Loaded load(Path source, Configuration conf, boolean loadUpdater)
      throws IOException {
    return load(source, conf, loadUpdater, LeNet5.Kernels.parse("auto"));
  }

  /**
   * Loads a model saved by {@link #save} (or by an earlier version) to run with
   * {@code kernels}; a corrupt or foreign file is bad input. The zip is checked by
   * {@link ModelZipGuard} first, so DL4J never Java-deserializes bytes from it.
   */
  public static Loaded load(Path source, Configuration conf, boolean loadUpdater,
      LeNet5.Kernels kernels) throws IOException {
    byte[] bytes = HadoopFs.readAll(source, conf, MAX_MODEL_BYTES);
    return fromBytes(bytes, source.toString(), loadUpdater, kernels);
  }

  /** {@link #load} from the bytes of a {@code model.zip} ({@code source} names it in errors). */
  public static Loaded fromBytes(byte[] bytes, String source, boolean loadUpdater,
      LeNet5.Kernels kernels) {
    ModelZipGuard.check(bytes, source);
    try {
      MultiLayerConfiguration saved = MultiLayerConfiguration.fromJson(
          new String(entry(bytes, CONFIGURATION_JSON), StandardCharsets.UTF_8));
      MultiLayerConfiguration wanted = ModelForms.forKernels(saved, kernels);
      byte[] zip = wanted == saved ? bytes : withConfiguration(bytes, wanted.toJson());
      MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(
          new ByteArrayInputStream(zip), loadUpdater);
      if (loadUpdater) {
        // a model restored to train on (resume); evaluation and prediction need no updater
        Dl4jWorkarounds.useFlatGradientUpdater(net);
      }
      DataNormalization normalizer = ModelSerializer.restoreNormalizerFromInputStream(
          new ByteArrayInputStream(bytes));
      return new Loaded(net, normalizer);
    } catch (BadInputException e) {
      throw new BadInputException(source + ": " + e.getMessage(), e);
    } catch (IOException | RuntimeException e) {
      throw new BadInputException(source + ": not a readable DL4J model: " + HadoopFs.oneLine(e),
          e);
    }
  }

  /** The bytes of one entry of a zip. */
  static byte[] entry(byte[] zip, String name) throws IOException {
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
      ZipEntry e;
      while ((e = in.getNextEntry()) != null) {
        if (e.getName().equals(name)) {
          return in.readAllBytes();
        }
      }
    }
    throw new IOException("no " + name + " in the model zip");
  }

  /** {@code zip} with its configuration entry replaced by {@code json}, entry order kept. */
  static byte[] withConfiguration(byte[] zip, String json) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(zip.length + json.length());
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip));
        ZipOutputStream out = new ZipOutputStream(bytes)) {
      ZipEntry e;
      while ((e = in.getNextEntry()) != null) {
        out.putNextEntry(new ZipEntry(e.getName()));
        if (e.getName().equals(CONFIGURATION_JSON)) {
          out.write(json.getBytes(StandardCharsets.UTF_8));
        } else {
          in.transferTo(out);
        }
        out.closeEntry();
      }
    }
    return bytes.toByteArray();
  }
}
