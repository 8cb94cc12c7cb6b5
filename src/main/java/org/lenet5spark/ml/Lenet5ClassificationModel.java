package org.lenet5spark.ml;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsReader$;
import org.apache.spark.ml.util.DefaultParamsWriter$;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.lenet5spark.data.Normalization;
import org.lenet5spark.eval.Evaluator;
import org.lenet5spark.eval.InputNormalization;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.model.LeNet5;
import org.lenet5spark.model.ModelStore;
import org.lenet5spark.model.ScoringModel;
import org.lenet5spark.spark.StageResources;
import scala.Option;

/**
 * A trained LeNet-5 as a Spark ML {@code Transformer}: adds {@code prediction} (the digit, as a
 * double), {@code probability} (a Spark ML {@code Vector} of the 10 softmax outputs) and, when
 * {@link #setRawPredictionCol} names it, {@code rawPrediction} (their natural logarithms) to a
 * DataFrame whose features column holds 28x28 images ({@link PixelColumn}: the shards'
 * {@code pixels} as {@code spark.read().parquet} gives them, arrays or vectors; raw 0-255 pixels
 * with {@code rawPixels}, normalised with the model's own normaliser). It holds the bytes of this
 * job's portable {@code model.zip}: {@code transform} broadcasts them once and scores each
 * partition in minibatches of {@link #BATCH} rows with the job's inference core
 * ({@link ScoringModel}, deserialised once per executor). Saved in Spark ML's folder layout with
 * the model as {@code data/model.zip}, so a {@code PipelineModel} holding it reloads anywhere the
 * jar is.
 */
public final class Lenet5ClassificationModel extends Model<Lenet5ClassificationModel>
    implements MLWritable {
  private static final long serialVersionUID = 1L;
  /** Rows per forward pass. */
  public static final int BATCH = 256;
  /** Where the model's bytes are in a saved stage's folder. */
  static final String MODEL_FILE = "data/model.zip";

  private final String uid;
  private final byte[] modelZip;
  private final Normalization normalization;
  private final Param<String> featuresCol;
  private final Param<String> predictionCol;
  private final Param<String> probabilityCol;
  private final Param<String> rawPredictionCol;
  private final BooleanParam rawPixels;
  private final Param<String> kernels;
  private double validationAccuracy = Double.NaN;

  /** A model of the bytes of a {@code model.zip} written by {@code train} or this module. */
  public Lenet5ClassificationModel(byte[] modelZip) {
    this((String) Identifiable$.MODULE$.randomUID("lenet5Model"), modelZip);
  }

  /** A model with a given uid (Spark ML's readers use this). */
  public Lenet5ClassificationModel(String uid, byte[] modelZip) {
    this.uid = uid;
    this.modelZip = modelZip.clone();
    this.normalization = InputNormalization.of(ModelStore.fromBytes(modelZip, "model.zip",
        false, LeNet5.Kernels.parse("auto")).normalizer(), "model.zip");
    featuresCol = new Param<>(uid, "featuresCol", "features column: 784 pixels");
    predictionCol = new Param<>(uid, "predictionCol", "prediction column name");
    probabilityCol = new Param<>(uid, "probabilityCol", "column of the class probabilities");
    rawPredictionCol = new Param<>(uid, "rawPredictionCol",
        "column of the log-probabilities (empty: not added)");
    rawPixels = new BooleanParam(uid, "rawPixels",
        "whether the features are raw 0-255 pixels (else already normalised, as in shards)");
    kernels = new Param<>(uid, "kernels", "how the network runs: auto, fused or stock");
    setDefault(featuresCol, "pixels");
    setDefault(predictionCol, "prediction");
    setDefault(probabilityCol, "probability");
    setDefault(rawPredictionCol, "");
    setDefault(rawPixels, false);
    setDefault(kernels, "auto");
  }

  /** Loads a model from {@code modelUri} (any Hadoop URI of a {@code model.zip}). */
  public static Lenet5ClassificationModel fromModelZip(String modelUri, Configuration conf)
      throws IOException {
    return new Lenet5ClassificationModel(HadoopFs.readAll(HadoopFs.resolve(modelUri), conf,
        ModelStore.MAX_MODEL_BYTES));
  }

  @Override
  public String uid() {
    return uid;
  }

  /** The bytes of the model's {@code model.zip} (a copy). */
  public byte[] modelZip() {
    return modelZip.clone();
  }

  /**
   * Writes the model's {@code model.zip} to {@code uri} (any Hadoop URI; atomically), for
   * {@code evaluate}, {@code predict}, {@link Lenet5Functions} or plain DL4J.
   */
  public void saveModelZip(String uri) throws IOException {
    HadoopFs.writeAtomically(HadoopFs.resolve(uri),
        SparkSession.active().sparkContext().hadoopConfiguration(), out -> out.write(modelZip));
  }

  /** The model's input normalisation. */
  public Normalization normalization() {
    return normalization;
  }

  /**
   * Accuracy on the rows the estimator held out ({@code validation}), or NaN when it held out
   * none (not saved with the model).
   */
  public double validationAccuracy() {
    return validationAccuracy;
  }

  void setValidationAccuracy(double value) {
    validationAccuracy = value;
  }

  /** The features column param. */
  public Param<String> featuresCol() {
    return featuresCol;
  }

  /** The prediction column param. */
  public Param<String> predictionCol() {
    return predictionCol;
  }

  /** The probability column param. */
  public Param<String> probabilityCol() {
    return probabilityCol;
  }

  /** The raw prediction column param (empty: not added). */
  public Param<String> rawPredictionCol() {
    return rawPredictionCol;
  }

  /** Whether the features are raw 0-255 pixels. */
  public BooleanParam rawPixels() {
    return rawPixels;
  }

  /** The kernels param. */
  public Param<String> kernels() {
    return kernels;
  }

  /** Sets the features column. */
  public Lenet5ClassificationModel setFeaturesCol(String value) {
    return (Lenet5ClassificationModel) set(featuresCol, value);
  }

  /** Sets the prediction column. */
  public Lenet5ClassificationModel setPredictionCol(String value) {
    return (Lenet5ClassificationModel) set(predictionCol, value);
  }

  /** Sets the probability column (empty: not added). */
  public Lenet5ClassificationModel setProbabilityCol(String value) {
    return (Lenet5ClassificationModel) set(probabilityCol, value);
  }

  /** Sets the raw prediction column (empty: not added). */
  public Lenet5ClassificationModel setRawPredictionCol(String value) {
    return (Lenet5ClassificationModel) set(rawPredictionCol, value);
  }

  /** Says whether the features are raw 0-255 pixels. */
  public Lenet5ClassificationModel setRawPixels(boolean value) {
    return (Lenet5ClassificationModel) set(rawPixels, value);
  }

  /** Sets how the network runs on the executors (auto, fused or stock). */
  public Lenet5ClassificationModel setKernels(String value) {
    LeNet5.Kernels.parse(value);
    return (Lenet5ClassificationModel) set(kernels, value);
  }

  String str(Param<String> p) {
    return (String) $(p);
  }

  @Override
  public StructType transformSchema(StructType schema) {
    PixelColumn.checkFeatures(schema, str(featuresCol));
    StructType out = schema;
    if (!str(predictionCol).isEmpty()) {
      PixelColumn.checkAbsent(schema, str(predictionCol));
      out = out.add(str(predictionCol), DataTypes.DoubleType, false);
    }
    if (!str(probabilityCol).isEmpty()) {
      PixelColumn.checkAbsent(schema, str(probabilityCol));
      out = out.add(str(probabilityCol), new VectorUDT(), false);
    }
    if (!str(rawPredictionCol).isEmpty()) {
      PixelColumn.checkAbsent(schema, str(rawPredictionCol));
      out = out.add(str(rawPredictionCol), new VectorUDT(), false);
    }
    return out;
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType outSchema = transformSchema(dataset.schema());
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(
        dataset.sparkSession().sparkContext());
    Broadcast<byte[]> model = sc.broadcast(modelZip);
    Scoring scoring = new Scoring(dataset.schema().fieldIndex(str(featuresCol)),
        new PixelColumn(str(featuresCol), (Boolean) $(rawPixels), normalization),
        LeNet5.Kernels.parse(str(kernels)), !str(predictionCol).isEmpty(),
        !str(probabilityCol).isEmpty(), !str(rawPredictionCol).isEmpty());
    JavaRDD<Row> rows = StageResources.forGpuTasks(JavaSparkContext.fromSparkContext(
        dataset.sparkSession().sparkContext()), dataset.toDF().javaRDD())
        .mapPartitions(scoring.function(model));
    return dataset.sparkSession().createDataFrame(rows, outSchema);
  }

  /**
   * Times {@code transform} of every row of the Parquet shards folder {@code split} with the
   * model of {@code modelZip}, every output column computed (Spark's {@code noop} sink): the
   * {@code inference} suite of {@code bench}. Returns the seconds and the rows.
   */
  public static double[] timeTransform(JavaSparkContext sc, String split, byte[] modelZip) {
    SparkSession spark = SparkSession.builder().sparkContext(sc.sc()).getOrCreate();
    Dataset<Row> df = spark.read().parquet(split);
    Lenet5ClassificationModel model = new Lenet5ClassificationModel(modelZip);
    org.apache.spark.util.LongAccumulator rows = sc.sc().longAccumulator("rows");
    long t0 = System.nanoTime();
    model.transform(df).foreachPartition(
        (org.apache.spark.api.java.function.ForeachPartitionFunction<Row>) it -> {
          while (it.hasNext()) {
            it.next();
            rows.add(1);
          }
        });
    return new double[] {(System.nanoTime() - t0) / 1e9, rows.value()};
  }

  @Override
  public Lenet5ClassificationModel copy(ParamMap extra) {
    Lenet5ClassificationModel copied = new Lenet5ClassificationModel(uid, modelZip);
    copied.validationAccuracy = validationAccuracy;
    return copyValues(copied, extra).setParent(parent());
  }

  @Override
  public MLWriter write() {
    return new Writer(this);
  }

  /** Spark ML's reader of a saved model (used by {@code PipelineModel.load}). */
  public static MLReader<Lenet5ClassificationModel> read() {
    return new Reader();
  }

  /** Loads a model saved with {@code save(path)} (any Hadoop URI). */
  public static Lenet5ClassificationModel load(String path) {
    return read().load(path);
  }

  /** What a task needs to score its partition; serialised with the task, without the model. */
  record Scoring(int featuresIndex, PixelColumn pixels, LeNet5.Kernels kernels,
      boolean prediction, boolean probability, boolean raw) implements java.io.Serializable {

    FlatMapFunction<Iterator<Row>, Row> function(Broadcast<byte[]> model) {
      Scoring s = this;
      return rows -> new ScoredRows(rows, ScoringModel.of(model.value(), kernels), s);
    }

    /** The output row of {@code in} with the probabilities at {@code offset} of {@code p}. */
    Row row(Row in, float[] p, int offset) {
      int classes = LeNet5.CLASSES;
      List<Object> values = new ArrayList<>(in.size() + 3);
      for (int i = 0; i < in.size(); i++) {
        values.add(in.get(i));
      }
      float[] mine = new float[classes];
      System.arraycopy(p, offset, mine, 0, classes);
      if (prediction) {
        values.add((double) Evaluator.argmax(mine));
      }
      if (probability) {
        double[] v = new double[classes];
        for (int c = 0; c < classes; c++) {
          v[c] = mine[c];
        }
        values.add(Vectors.dense(v));
      }
      if (raw) {
        double[] v = new double[classes];
        for (int c = 0; c < classes; c++) {
          v[c] = Math.log(mine[c]);
        }
        values.add(Vectors.dense(v));
      }
      return RowFactory.create(values.toArray());
    }
  }

  /** A partition's rows, scored {@link #BATCH} at a time: one input array per minibatch. */
  static final class ScoredRows implements Iterator<Row> {
    private final Iterator<Row> in;
    private final ScoringModel model;
    private final Scoring scoring;
    private final float[] features = new float[BATCH * PixelColumn.SIZE];
    private final Row[] batch = new Row[BATCH];
    private float[] probs;
    private int size;
    private int next;

    ScoredRows(Iterator<Row> in, ScoringModel model, Scoring scoring) {
      this.in = in;
      this.model = model;
      this.scoring = scoring;
    }

    @Override
    public boolean hasNext() {
      if (next < size) {
        return true;
      }
      size = 0;
      next = 0;
      while (size < BATCH && in.hasNext()) {
        Row r = in.next();
        scoring.pixels().read(r.get(scoring.featuresIndex()), features,
            size * PixelColumn.SIZE);
        batch[size++] = r;
      }
      if (size > 0) {
        probs = model.probabilities(features, size);
      }
      return size > 0;
    }

    @Override
    public Row next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      Row out = scoring.row(batch[next], probs, next * LeNet5.CLASSES);
      batch[next++] = null;
      return out;
    }
  }

  /** Spark ML's metadata plus the model as {@code data/model.zip}. */
  static final class Writer extends MLWriter {
    private final Lenet5ClassificationModel instance;

    Writer(Lenet5ClassificationModel instance) {
      this.instance = instance;
    }

    @Override
    public void saveImpl(String path) {
      DefaultParamsWriter$.MODULE$.saveMetadata(instance, path, sc(), Option.empty(),
          Option.empty());
      Path file = new Path(path, MODEL_FILE);
      try {
        HadoopFs.writeAtomically(file, sc().hadoopConfiguration(),
            out -> out.write(instance.modelZip));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write " + file, e);
      }
    }
  }

  /** Reads what {@link Writer} wrote. */
  static final class Reader extends MLReader<Lenet5ClassificationModel> {
    @Override
    public Lenet5ClassificationModel load(String path) {
      DefaultParamsReader.Metadata metadata = DefaultParamsReader$.MODULE$.loadMetadata(path,
          sc(), Lenet5ClassificationModel.class.getName());
      Path file = new Path(path, MODEL_FILE);
      byte[] bytes;
      try {
        bytes = HadoopFs.readAll(file, sc().hadoopConfiguration(), ModelStore.MAX_MODEL_BYTES);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file, e);
      }
      Lenet5ClassificationModel model = new Lenet5ClassificationModel(metadata.uid(), bytes);
      metadata.getAndSetParams(model, Option.empty());
      return model;
    }
  }
}
