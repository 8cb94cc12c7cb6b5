package org.lenet5spark.io;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.lenet5spark.compat.Dl4jWorkarounds;
import org.lenet5spark.compat.ModelZipGuard;
import org.lenet5spark.compat.ModelZipWriter;
import org.lenet5spark.data.Normalization;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.linalg.dataset.api.preprocessor.NormalizerStandardize;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Saves and loads {@code model.zip}: DL4J's own {@link ModelSerializer} format (configuration
 * JSON, parameters, updater state) plus the input normalisation as a DL4J
 * {@link NormalizerStandardize} inside the zip. The normaliser maps raw 0-255 pixels to the
 * network's input, so plain DL4J code can restore both and predict from raw pixels. Writes are
 * atomic on any Hadoop file system.
 */
public final class ModelStore {
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

  /** Writes the network with its updater state and normaliser to {@code target}. */
  public static void save(MultiLayerNetwork net, Normalization normalization, Path target,
      Configuration conf) throws IOException {
    NormalizerStandardize normalizer = rawPixelNormalizer(normalization);
    HadoopFs.writeAtomically(target, conf,
        out -> ModelZipWriter.write(net, true, normalizer, out));
  }

  /**
   * Loads a model saved by {@link #save}; a corrupt or foreign file is bad input. The zip is
   * checked by {@link ModelZipGuard} first, so DL4J never Java-deserializes bytes from it.
   */
  public static Loaded load(Path source, Configuration conf, boolean loadUpdater)
      throws IOException {
    return load(HadoopFs.readAll(source, conf, MAX_MODEL_BYTES), source, loadUpdater);
  }

  /**
   * Loads a model from the bytes of {@code model.zip} read once by the caller (who may then pass
   * those very bytes on, as {@code predict} broadcasts them), checked by {@link ModelZipGuard}
   * first; {@code source} names the file in errors.
   */
  public static Loaded load(byte[] bytes, Path source, boolean loadUpdater) {
    ModelZipGuard.check(bytes, source.toString());
    try {
      MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(
          new ByteArrayInputStream(bytes), loadUpdater);
      if (loadUpdater) {
        // a model restored to train on (resume); evaluation and prediction need no updater
        Dl4jWorkarounds.useFlatGradientUpdater(net);
      }
      DataNormalization normalizer = ModelSerializer.restoreNormalizerFromInputStream(
          new ByteArrayInputStream(bytes));
      return new Loaded(net, normalizer);
    } catch (IOException | RuntimeException e) {
      throw new BadInputException(source + ": not a readable DL4J model: " + HadoopFs.oneLine(e),
          e);
    }
  }
}
