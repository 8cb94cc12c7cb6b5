package org.lenet5spark.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.SQLTransformer;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.eval.EvaluateRequest;
import org.lenet5spark.eval.EvaluationRun;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.model.LeNet5;
import org.lenet5spark.model.ScoringModel;
import org.lenet5spark.testing.CliRun;
import org.lenet5spark.testing.MiniHdfs;
import org.lenet5spark.testing.SmallData;

/**
 * Spark ML and SQL on real MNIST (4,000 training and 2,000 test images prepared as Parquet
 * shards, read with a plain {@code spark.read().parquet}): a {@code Pipeline} of Spark's
 * {@code SQLTransformer} and {@link Lenet5Classifier} fits (one epoch on the parameter-averaging
 * engine of {@code train}, 400 rows held out for validation), Spark's
 * {@code MulticlassClassificationEvaluator} gives exactly the accuracy of this job's
 * {@code evaluate} on the same {@code model.zip}; {@code transform} equals {@code predict} row by
 * row; the SQL functions equal {@code transform}; raw-pixel arrays and vectors give the shards'
 * predictions; Estimator, Model and PipelineModel survive save and load on the local file system
 * and on HDFS (MiniDFSCluster) with identical predictions, and a saved unfitted Pipeline, reloaded,
 * fits a model with identical predictions (same seed, same data); wrong or missing columns fail in
 * {@code transformSchema} naming the column. The README's "Spark ML and SQL" example is the code
 * between the BEGIN and END lines below.
 */
class SparkMlPipelineTest {
  @TempDir
  static Path tmp;
  static Path idx;
  static String data;
  static SparkSession spark;
  static PipelineModel fitted;
  static Pipeline unfitted;
  static Dataset<Row> scored;
  static double accuracy;
  static String modelZip;
  static Map<Integer, Row> byIndex;

  @BeforeAll
  static void fitOnce() throws IOException {
    idx = SmallData.realSubset(tmp.resolve("idx"), 4000, 2000);
    data = SmallData.prepare(idx, tmp.resolve("shards"), "parquet", 4).toUri().toString();
    String dir = tmp.toUri().toString();
    spark = SparkSession.builder().master("local[2]").appName("lenet5-ml-test")
        .config("spark.ui.enabled", "false").getOrCreate();
    // BEGIN README example (Spark ML and SQL)
    Dataset<Row> train = spark.read().parquet(data + "/train");
    Dataset<Row> test = spark.read().parquet(data + "/test");
    // any Spark stage can come first; here one renames the shards' pixel column
    SQLTransformer rename = new SQLTransformer()
        .setStatement("SELECT index, pixels AS image, label FROM __THIS__");
    Lenet5Classifier lenet5 = new Lenet5Classifier().setFeaturesCol("image")
        .setLabelCol("label").setEpochs(1).setWorkers(2).setBatchSize(32).setSeed(7)
        .setValidation(400);
    PipelineModel model = new Pipeline()
        .setStages(new PipelineStage[] {rename, lenet5}).fit(train);
    Dataset<Row> predictions = model.transform(test);
    double testAccuracy = new MulticlassClassificationEvaluator().setLabelCol("label")
        .setPredictionCol("prediction").setMetricName("accuracy").evaluate(predictions);

    model.write().overwrite().save(dir + "/pipeline");
    PipelineModel reloaded = PipelineModel.load(dir + "/pipeline");

    Lenet5ClassificationModel stage = (Lenet5ClassificationModel) reloaded.stages()[1];
    stage.saveModelZip(dir + "/model.zip");
    Lenet5Functions.register(spark, dir + "/model.zip");
    test.createOrReplaceTempView("digits");
    Dataset<Row> sql = spark.sql("SELECT index, lenet5_predict(pixels) AS digit, "
        + "lenet5_probabilities(pixels) AS p FROM digits");
    // END README example
    fitted = model;
    unfitted = new Pipeline().setStages(new PipelineStage[] {rename, lenet5});
    scored = predictions.cache();
    accuracy = testAccuracy;
    modelZip = dir + "/model.zip";
    sql.createOrReplaceTempView("sql_predictions");
    byIndex = new HashMap<>();
    for (Row r : scored.collectAsList()) {
      byIndex.put(r.getInt(r.fieldIndex("index")), r);
    }
    assertEquals(2000, byIndex.size());
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  @Test
  void sparksEvaluatorGivesTheAccuracyOfEvaluateToTheLastDigit() throws IOException {
    EvaluationRun.Outcome o = EvaluationRun.run(new EvaluateRequest(
        HadoopFs.resolve(modelZip), HadoopFs.resolve(data), "test", null, null,
        LeNet5.Kernels.parse("auto")));
    assertEquals(2000, o.result().count());
    assertEquals(o.result().accuracy(), accuracy);
    assertTrue(accuracy > 0.8, "one epoch on 3,600 images learns: " + accuracy);
    Lenet5ClassificationModel m = (Lenet5ClassificationModel) fitted.stages()[1];
    assertTrue(m.validationAccuracy() > 0.8, "validation: " + m.validationAccuracy());
  }

  @Test
  void transformEqualsPredictRowByRow() throws IOException {
    Path csv = tmp.resolve("predict.csv");
    CliRun r = CliRun.of("predict", "--engine", "local", "--model", modelZip, "--input", data,
        "--split", "test", "--output", csv.toString());
    assertEquals(0, r.code(), r.err());
    List<String> lines = Files.readAllLines(csv);
    assertEquals(2001, lines.size());
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      Row row = byIndex.get(Integer.parseInt(f[0]));
      assertEquals(Integer.parseInt(f[2]), row.<Double>getAs("prediction"), 0.0, line);
      Vector p = row.getAs("probability");
      for (int c = 0; c < 10; c++) {
        assertEquals(Float.parseFloat(f[3 + c]), p.apply(c), 1e-6, line);
      }
    }
  }

  /**
   * The SQL functions score one image per call, {@code transform} 256 per forward pass: float32
   * sums then run in another order, so probabilities agree to about 1e-6, predictions exactly.
   */
  @Test
  void sqlFunctionsEqualTransform() {
    List<Row> rows = spark.sql("SELECT * FROM sql_predictions").collectAsList();
    assertEquals(2000, rows.size());
    for (Row r : rows) {
      Row t = byIndex.get(r.getInt(0));
      assertEquals(t.<Double>getAs("prediction"), r.getInt(1), 0.0);
      List<Double> p = r.getList(2);
      Vector v = t.getAs("probability");
      for (int c = 0; c < 10; c++) {
        assertEquals(v.apply(c), p.get(c), 1e-5);
      }
    }
  }

  /**
   * Raw pixels are normalised with the normaliser stored in the model (float32 mean and
   * standard deviation, as {@code evaluate} and {@code predict} do for IDX files), the shards
   * with the manifest's; with the other minibatch composition that moves probabilities by about
   * 1e-6.
   */
  @Test
  void rawPixelArraysAndVectorsGiveTheShardsPredictions() throws IOException {
    byte[] images = Files.readAllBytes(idx.resolve("t10k-images-idx3-ubyte"));
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      double[] px = new double[784];
      int[] ints = new int[784];
      for (int k = 0; k < 784; k++) {
        ints[k] = images[16 + i * 784 + k] & 0xff;
        px[k] = ints[k];
      }
      List<Integer> boxed = new ArrayList<>();
      for (int v : ints) {
        boxed.add(v);
      }
      rows.add(RowFactory.create(i, boxed, Vectors.dense(px)));
    }
    StructType schema = new StructType().add("index", DataTypes.IntegerType)
        .add("ints", DataTypes.createArrayType(DataTypes.IntegerType))
        .add("vec", new VectorUDT());
    Dataset<Row> raw = spark.createDataFrame(rows, schema);
    Lenet5ClassificationModel m = ((Lenet5ClassificationModel) fitted.stages()[1]).copy(
        new org.apache.spark.ml.param.ParamMap()).setRawPixels(true);
    for (String col : List.of("ints", "vec")) {
      for (Row r : m.setFeaturesCol(col).transform(raw).collectAsList()) {
        Row expected = byIndex.get(r.getInt(0));
        assertEquals(expected.<Double>getAs("prediction"), r.<Double>getAs("prediction"), 0.0);
        assertArrayEquals(expected.<Vector>getAs("probability").toArray(),
            r.<Vector>getAs("probability").toArray(), 1e-5, col);
      }
    }
  }

  @Test
  void transformDeserialisesTheModelOncePerJvmNotPerTaskOrRow() {
    Lenet5ClassificationModel m = ((Lenet5ClassificationModel) fitted.stages()[1]).copy(
        new org.apache.spark.ml.param.ParamMap()).setKernels("stock");
    Dataset<Row> test = spark.read().parquet(data + "/test").withColumnRenamed("pixels", "image")
        .repartition(8);
    long before = ScoringModel.loadsInThisJvm();
    assertEquals(2000, m.transform(test).count());
    assertEquals(1, ScoringModel.loadsInThisJvm() - before, "8 tasks, 2,000 rows, one load");
    assertEquals(2000, m.transform(test).count());
    assertEquals(1, ScoringModel.loadsInThisJvm() - before, "a second transform loads nothing");
  }

  @Test
  void estimatorModelAndPipelineModelSaveAndLoadLocallyAndOnHdfs() throws IOException {
    try (MiniHdfs hdfs = MiniHdfs.start(tmp.resolve("hdfs"), 0)) {
      for (String root : List.of(tmp.toUri().toString() + "/saved", hdfs.root() + "/saved")) {
        Lenet5Classifier est = new Lenet5Classifier().setEpochs(3).setLearningRate(0.01)
            .setFeaturesCol("image").setAugment(true);
        est.write().overwrite().save(root + "/estimator");
        Lenet5Classifier est2 = Lenet5Classifier.load(root + "/estimator");
        assertEquals(est.uid(), est2.uid());
        assertEquals(3, (int) est2.getOrDefault(est2.epochs()));
        assertEquals(0.01, (double) est2.getOrDefault(est2.learningRate()));
        assertEquals("image", est2.getOrDefault(est2.featuresCol()));
        assertEquals(true, est2.getOrDefault(est2.augment()));

        Lenet5ClassificationModel m = (Lenet5ClassificationModel) fitted.stages()[1];
        m.write().overwrite().save(root + "/model");
        Lenet5ClassificationModel m2 = Lenet5ClassificationModel.load(root + "/model");
        assertEquals("image", m2.getOrDefault(m2.featuresCol()));
        assertArrayEquals(m.modelZip(), m2.modelZip());
        fitted.write().overwrite().save(root + "/pipeline");
        PipelineModel p2 = PipelineModel.load(root + "/pipeline");
        Dataset<Row> test = spark.read().parquet(data + "/test");
        assertSamePredictions(m.transform(test.withColumnRenamed("pixels", "image")),
            m2.transform(test.withColumnRenamed("pixels", "image")));
        assertSamePredictions(scored, p2.transform(test));
      }
    }
  }

  @Test
  void aSavedAndReloadedPipelineFitsTheSameModel() throws IOException {
    String path = tmp.toUri() + "/unfitted-pipeline";
    unfitted.write().overwrite().save(path);
    PipelineModel refitted = Pipeline.load(path).fit(spark.read().parquet(data + "/train"));
    Lenet5ClassificationModel a = (Lenet5ClassificationModel) fitted.stages()[1];
    Lenet5ClassificationModel b = (Lenet5ClassificationModel) refitted.stages()[1];
    assertEquals(a.uid(), b.uid());
    assertSamePredictions(scored, refitted.transform(spark.read().parquet(data + "/test")));
  }

  @Test
  void wrongOrMissingColumnsFailInTransformSchemaNamingTheColumn() {
    Lenet5ClassificationModel m = (Lenet5ClassificationModel) fitted.stages()[1];
    StructType strings = new StructType().add("image", DataTypes.StringType)
        .add("label", DataTypes.IntegerType);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> m.transformSchema(strings));
    assertEquals("features column 'image' has type string; expected binary (784 float32, the "
        + "shards' pixels), array<float>, array<double>, array<int> or vector", e.getMessage());
    StructType none = new StructType().add("pixels", DataTypes.BinaryType);
    e = assertThrows(IllegalArgumentException.class, () -> m.transformSchema(none));
    assertTrue(e.getMessage().startsWith("features column 'image' does not exist"),
        e.getMessage());
    StructType badLabel = new StructType().add("pixels", DataTypes.BinaryType)
        .add("label", DataTypes.StringType);
    e = assertThrows(IllegalArgumentException.class,
        () -> new Lenet5Classifier().transformSchema(badLabel));
    assertTrue(e.getMessage().startsWith("label column 'label' has type string"),
        e.getMessage());
  }

  private static void assertSamePredictions(Dataset<Row> a, Dataset<Row> b) {
    Map<Integer, Row> first = new HashMap<>();
    for (Row r : a.collectAsList()) {
      first.put(r.getInt(r.fieldIndex("index")), r);
    }
    List<Row> second = b.collectAsList();
    assertEquals(first.size(), second.size());
    for (Row r : second) {
      Row x = first.get(r.getInt(r.fieldIndex("index")));
      assertEquals(x.<Double>getAs("prediction"), r.<Double>getAs("prediction"));
      assertArrayEquals(x.<Vector>getAs("probability").toArray(),
          r.<Vector>getAs("probability").toArray(), 0.0);
    }
  }
}
