package org.lenet5spark.compat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.dataset.api.preprocessor.Normalizer;
import org.nd4j.linalg.dataset.api.preprocessor.serializer.NormalizerSerializer;

/**
 * Workaround for an upstream defect (DL4J 1.0.0-M2/M2.1 with Spark 3.5's commons-io 2.16):
 * {@code ModelSerializer.writeModel(model, stream, saveUpdater, normalizer)} lets the normaliser
 * serializer close the zip stream and then flushes it again; since commons-io 2.12 a closed
 * {@code CloseShieldOutputStream} throws on flush, so the call always fails ("flush() failed:
 * stream is closed"). This class lets DL4J write the model without the normaliser, then adds the
 * normaliser entry that DL4J itself would have written ({@link ModelSerializer#NORMALIZER_BIN},
 * bytes from DL4J's {@link NormalizerSerializer}). The result is byte-for-byte the format DL4J
 * reads with {@code restoreMultiLayerNetwork} and {@code restoreNormalizerFromInputStream}.
 */
public final class ModelZipWriter {
  private ModelZipWriter() {
  }

  /** Writes {@code model} (with updater state when asked) and {@code normalizer} to {@code out}. */
  public static void write(Model model, boolean saveUpdater, Normalizer<?> normalizer,
      OutputStream out) throws IOException {
    ByteArrayOutputStream modelBytes = new ByteArrayOutputStream();
    ModelSerializer.writeModel(model, modelBytes, saveUpdater);
    ByteArrayOutputStream normalizerBytes = new ByteArrayOutputStream();
    NormalizerSerializer.getDefault().write(normalizer, normalizerBytes);

    ZipOutputStream zip = new ZipOutputStream(out);
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(
        modelBytes.toByteArray()))) {
      ZipEntry e;
      while ((e = in.getNextEntry()) != null) {
        if (ModelSerializer.NORMALIZER_BIN.equals(e.getName())) {
          continue;
        }
        zip.putNextEntry(new ZipEntry(e.getName()));
        in.transferTo(zip);
        zip.closeEntry();
      }
    }
    zip.putNextEntry(new ZipEntry(ModelSerializer.NORMALIZER_BIN));
    zip.write(normalizerBytes.toByteArray());
    zip.closeEntry();
    zip.finish();
    zip.flush();
  }
}
