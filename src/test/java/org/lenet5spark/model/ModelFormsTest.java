package org.lenet5spark.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.lenet5spark.compat.Dl4jWorkarounds;
import org.lenet5spark.data.Normalization;
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.model.kernels.ConvStagesLayer;
import org.lenet5spark.model.kernels.FusedAdam;
import org.lenet5spark.model.kernels.FusedDenseLayer;
import org.lenet5spark.model.kernels.FusedOutputLayer;
import org.lenet5spark.testing.RandomBatches;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Nesterovs;

/**
 * The portable model format: the stock and fused forms of LeNet-5 convert into each other
 * exactly (the conversion of the factory's fused configuration is the factory's stock one and
 * back, updater included), {@code model.zip} always holds the stock form, and a fused network
 * saved that way and loaded back as fused continues training bit for bit as the network in
 * memory does. Models written by earlier versions (a fused layer per convolution stage) load
 * with either kernels and are written back portable.
 */
class ModelFormsTest {
  @TempDir
  Path tmp;

  private static final Normalization NORM = new Normalization(0.1307, 0.3081);

  @ParameterizedTest
  @EnumSource(LeNet5.Variant.class)
  void fusedAndStockConfigurationsConvertIntoEachOtherExactly(LeNet5.Variant v) {
    for (double l2 : new double[] {0, 1e-4}) {
      MultiLayerConfiguration fused = LeNet5.configuration(v, LeNet5.Kernels.FUSED, 11,
          new FusedAdam(2e-3), l2);
      MultiLayerConfiguration stock = LeNet5.configuration(v, LeNet5.Kernels.STOCK, 11,
          new Adam(2e-3), l2);
      fused.setIterationCount(17);
      fused.setEpochCount(2);
      stock.setIterationCount(17);
      stock.setEpochCount(2);
      MultiLayerConfiguration portable = ModelForms.portable(fused);
      assertEquals(stock.toJson(), portable.toJson(), v + ", l2 " + l2);
      assertTrue(ModelForms.isPortable(portable));
      assertFalse(portable.toJson().contains("org.lenet5spark"));
      assertEquals(fused.toJson(), ModelForms.forKernels(stock, LeNet5.Kernels.FUSED).toJson(),
          v + ", l2 " + l2);
      assertEquals(LeNet5.Kernels.FUSED, ModelForms.kernelsOf(fused));
      assertEquals(LeNet5.Kernels.STOCK, ModelForms.kernelsOf(stock));
    }
  }

  @Test
  void otherUpdatersAndTheirSettingsCarryOver() {
    MultiLayerConfiguration fused = LeNet5.configuration(LeNet5.Variant.MODERN,
        LeNet5.Kernels.FUSED, 5, new Nesterovs(0.01, 0.9), 1e-3);
    MultiLayerConfiguration stock = LeNet5.configuration(LeNet5.Variant.MODERN,
        LeNet5.Kernels.STOCK, 5, new Nesterovs(0.01, 0.9), 1e-3);
    assertEquals(stock.toJson(), ModelForms.portable(fused).toJson());
    assertEquals(fused.toJson(), ModelForms.forKernels(stock, LeNet5.Kernels.FUSED).toJson());
  }

  @Test
  void aFusedCheckpointSavedPortableAndLoadedFusedContinuesBitForBit() throws IOException {
    Configuration conf = HadoopFs.newConfiguration();
    MultiLayerNetwork net = LeNet5.build(LeNet5.Variant.MODERN, LeNet5.Kernels.FUSED, 21,
        new FusedAdam(2e-3), 1e-4);
    for (int step = 0; step < 5; step++) {
      net.fit(RandomBatches.batch(32, step));
    }
    net.setLearningRate(1.6e-3);
    net.incrementEpochCount();
    Path file = tmp.resolve("model.zip");
    ModelStore.save(net, NORM, HadoopFs.resolve(file.toString()), conf);
    String json = configurationJson(file);
    assertFalse(json.contains("org.lenet5spark"), json);
    assertTrue(json.contains("org.nd4j.linalg.learning.config.Adam"), json);

    ModelStore.Loaded loaded = ModelStore.load(HadoopFs.resolve(file.toString()), conf, true,
        LeNet5.Kernels.FUSED);
    MultiLayerNetwork back = loaded.network();
    assertInstanceOf(ConvStagesLayer.class, back.getLayer(0).conf().getLayer());
    assertInstanceOf(FusedAdam.class, back.getLayerWiseConfigurations().getConf(0).getLayer()
        .getUpdaterByParam("W0"));
    assertEquals(net.getLayerWiseConfigurations().toJson(),
        back.getLayerWiseConfigurations().toJson());
    assertEquals(net.params(), back.params());
    assertEquals(net.getUpdater().getStateViewArray(), back.getUpdater().getStateViewArray());

    for (int step = 5; step < 8; step++) {
      net.fit(RandomBatches.batch(32, step));
      back.fit(RandomBatches.batch(32, step));
      assertArrayEquals(net.params().toFloatVector(), back.params().toFloatVector(),
          "parameters after step " + step);
      assertArrayEquals(net.getUpdater().getStateViewArray().toFloatVector(),
          back.getUpdater().getStateViewArray().toFloatVector(), "Adam state after " + step);
    }
  }

  @Test
  void aPortableModelComputesTheSameFunctionWithEitherKernels() throws IOException {
    Configuration conf = HadoopFs.newConfiguration();
    MultiLayerNetwork net = LeNet5.build(LeNet5.Variant.CLASSIC, LeNet5.Kernels.FUSED, 4,
        new FusedAdam(2e-3), 0);
    net.fit(RandomBatches.batch(16, 1));
    Path file = tmp.resolve("model.zip");
    ModelStore.save(net, NORM, HadoopFs.resolve(file.toString()), conf);
    MultiLayerNetwork stock = ModelStore.load(HadoopFs.resolve(file.toString()), conf, true,
        LeNet5.Kernels.STOCK).network();
    assertInstanceOf(ConvolutionLayer.class, stock.getLayer(0).conf().getLayer());
    assertEquals(7, stock.getnLayers());
    assertInstanceOf(Adam.class, stock.getLayerWiseConfigurations().getConf(0).getLayer()
        .getUpdaterByParam("W"));
    assertFalse(stock.getLayerWiseConfigurations().getConf(0).getLayer()
        .getUpdaterByParam("W") instanceof FusedAdam);
    assertEquals(net.params(), stock.params());
    assertEquals(net.getUpdater().getStateViewArray(), stock.getUpdater().getStateViewArray());
    INDArray x = RandomBatches.images(20, 3);
    assertTrue(RandomBatches.maxRelDiff(stock.output(x), net.output(x)) < 1e-5);
  }

  @ParameterizedTest
  @EnumSource(LeNet5.Variant.class)
  void legacyPerStageModelsLoadWithEitherKernelsAndAreWrittenBackPortable(LeNet5.Variant v)
      throws IOException {
    String name = "/legacy/fused-per-stage-" + v.name().toLowerCase(Locale.ROOT) + ".json";
    String legacyJson;
    try (InputStream in = ModelFormsTest.class.getResourceAsStream(name)) {
      legacyJson = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertTrue(legacyJson.contains("org.lenet5spark.model.kernels.ConvPoolLayer"));
    MultiLayerNetwork legacy = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(
        legacyJson));
    legacy.init();
    Dl4jWorkarounds.useFlatGradientUpdater(legacy);
    legacy.fit(RandomBatches.batch(16, 2));
    Path old = tmp.resolve("legacy.zip");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ModelSerializer.writeModel(legacy, bytes, true);
    Files.write(old, bytes.toByteArray());
    Configuration conf = HadoopFs.newConfiguration();
    INDArray x = RandomBatches.images(10, 5);
    INDArray expected = legacy.output(x);

    for (LeNet5.Kernels k : LeNet5.Kernels.values()) {
      MultiLayerNetwork net = ModelStore.load(HadoopFs.resolve(old.toString()), conf, true, k)
          .network();
      assertEquals(k == LeNet5.Kernels.FUSED ? 4 : 7, net.getnLayers(), k.name());
      assertEquals(legacy.params(), net.params(), k.name());
      assertEquals(legacy.getUpdater().getStateViewArray(),
          net.getUpdater().getStateViewArray(), k.name());
      assertTrue(RandomBatches.maxRelDiff(expected, net.output(x)) < 1e-5, k.name());

      Path again = tmp.resolve("again-" + k + ".zip");
      ModelStore.save(net, NORM, HadoopFs.resolve(again.toString()), conf);
      String json = configurationJson(again);
      assertFalse(json.contains("org.lenet5spark"), json);
      MultiLayerNetwork plain = ModelSerializer.restoreMultiLayerNetwork(again.toFile(), true);
      assertEquals(legacy.params(), plain.params());
      assertInstanceOf(SubsamplingLayer.class, plain.getLayer(1).conf().getLayer());
      assertInstanceOf(DenseLayer.class, plain.getLayer(4).conf().getLayer());
      assertInstanceOf(OutputLayer.class, plain.getLayer(6).conf().getLayer());
    }
    MultiLayerNetwork fused = ModelStore.load(HadoopFs.resolve(old.toString()), conf, false,
        LeNet5.Kernels.FUSED).network();
    assertInstanceOf(ConvStagesLayer.class, fused.getLayer(0).conf().getLayer());
    assertInstanceOf(FusedDenseLayer.class, fused.getLayer(1).conf().getLayer());
    assertInstanceOf(FusedOutputLayer.class, fused.getLayer(3).conf().getLayer());
  }

  @Test
  void aNetworkTheFusedKernelsCannotComputeIsRefusedAsBadInput() {
    MultiLayerConfiguration stock = LeNet5.configuration(LeNet5.Variant.MODERN,
        LeNet5.Kernels.STOCK, 5, new Adam(1e-3), 0);
    ((ConvolutionLayer) stock.getConf(2).getLayer()).setStride(new int[] {2, 2});
    BadInputException e = assertThrows(BadInputException.class,
        () -> ModelForms.forKernels(stock, LeNet5.Kernels.FUSED));
    assertTrue(e.getMessage().contains("--kernels stock"), e.getMessage());
  }

  private static String configurationJson(Path zip) throws IOException {
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(
        Files.readAllBytes(zip)))) {
      ZipEntry e;
      while ((e = in.getNextEntry()) != null) {
        if (e.getName().equals("configuration.json")) {
          return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
      }
    }
    throw new AssertionError("no configuration.json in " + zip);
  }
}
