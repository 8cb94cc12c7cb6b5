package org.lenet5spark.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.data.Normalization;
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.io.HadoopFs;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * {@code model.zip} is plain DL4J: {@link ModelSerializer} restores the network and its
 * normaliser without our code, and raw 0-255 pixels through that normaliser give the same output
 * as normalised pixels fed directly. Corrupt files are refused as bad input.
 */
class ModelStoreTest {
  @TempDir
  Path tmp;

  @Test
  void savedModelRestoresWithPlainDl4jAndPredictsFromRawPixels() throws IOException {
    Configuration conf = HadoopFs.newConfiguration();
    MultiLayerNetwork net = LeNet5.build(LeNet5.Variant.MODERN, 7, new Adam(1e-3), 0);
    Normalization norm = new Normalization(0.1307, 0.3081);
    Path file = tmp.resolve("model.zip");
    ModelStore.save(net, norm, HadoopFs.resolve(file.toString()), conf);

    MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file.toFile(), true);
    DataNormalization normalizer = ModelSerializer.restoreNormalizerFromFile(file.toFile());
    assertEquals(net.params(), restored.params());

    float[] raw = new float[784];
    float[] normalised = new float[784];
    float[] lut = norm.lookupTable();
    for (int i = 0; i < 784; i++) {
      int px = (i * 37) % 256;
      raw[i] = px;
      normalised[i] = lut[px];
    }
    INDArray rawInput = Nd4j.create(raw, new long[] {1, 1, 28, 28}, 'c');
    normalizer.transform(rawInput);
    INDArray a = restored.output(rawInput);
    INDArray b = net.output(Nd4j.create(normalised, new long[] {1, 1, 28, 28}, 'c'));
    assertTrue(a.equalsWithEps(b, 1e-5), a + " vs " + b);

    ModelStore.Loaded loaded = ModelStore.load(HadoopFs.resolve(file.toString()), conf, false);
    assertEquals(net.params(), loaded.network().params());
    try (var s = Files.list(tmp)) {
      assertEquals(1, s.count(), "only model.zip, no temporary file left");
    }
  }

  @Test
  void corruptModelIsBadInput() throws IOException {
    Path file = tmp.resolve("model.zip");
    Files.writeString(file, "this is not a zip");
    BadInputException e = assertThrows(BadInputException.class,
        () -> ModelStore.load(HadoopFs.resolve(file.toString()), HadoopFs.newConfiguration(),
            false));
    assertTrue(e.getMessage().contains("not a readable DL4J model"), e.getMessage());
  }

  @Test
  void modelZipWithAJavaSerializedEntryIsRefusedBeforeDl4jReadsIt() throws IOException {
    Configuration conf = HadoopFs.newConfiguration();
    Path good = tmp.resolve("good.zip");
    ModelStore.save(LeNet5.build(LeNet5.Variant.MODERN, 1, new Adam(1e-3), 0),
        new Normalization(0.1, 0.3), HadoopFs.resolve(good.toString()), conf);
    Path hostile = tmp.resolve("hostile.zip");
    try (var in = new java.util.zip.ZipInputStream(Files.newInputStream(good));
        var out = new java.util.zip.ZipOutputStream(Files.newOutputStream(hostile))) {
      java.util.zip.ZipEntry e;
      while ((e = in.getNextEntry()) != null) {
        out.putNextEntry(new java.util.zip.ZipEntry(e.getName()));
        in.transferTo(out);
      }
      out.putNextEntry(new java.util.zip.ZipEntry("preprocessor.bin"));
      try (var oos = new java.io.ObjectOutputStream(java.io.OutputStream.nullOutputStream())) {
        oos.writeObject("not trusted");
      }
      out.write(new byte[] {(byte) 0xac, (byte) 0xed, 0, 5});
    }
    BadInputException e = assertThrows(BadInputException.class,
        () -> ModelStore.load(HadoopFs.resolve(hostile.toString()), conf, false));
    assertTrue(e.getMessage().contains("Java serialization"), e.getMessage());
  }
}
