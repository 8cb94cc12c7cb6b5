package org.lenet5spark.ml;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.lenet5spark.compat.Dl4jWorkarounds;
import org.lenet5spark.data.Normalization;
import org.lenet5spark.data.ShardMinibatches;
import org.lenet5spark.model.LeNet5;
import org.lenet5spark.model.ModelStore;
import org.lenet5spark.train.SparkEngine;
import org.lenet5spark.train.TrainOptions;
import org.lenet5spark.train.TrainingEngine;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * LeNet-5 as a Spark ML {@code Estimator}: {@code fit} trains on a DataFrame of 28x28 images and
 * labels 0-9 with the same engine as {@code train} (DL4J parameter averaging on the DataFrame's
 * executors: {@link SparkEngine} with the training master of {@code train.TrainingMasters}, the
 * same learning-rate schedule, seed and augmentation) and returns a
 * {@link Lenet5ClassificationModel}. The features column is read as by the model
 * ({@link PixelColumn}). The input normalisation stored in the model is the one of the data:
 * for raw pixels ({@code rawPixels}) the mean and standard deviation of every pixel / 255, for
 * normalised values (the shards' {@code pixels}) the one that maps pixel 0 and 255 to the
 * smallest and largest value seen. {@code validation} rows (a seeded sample) are held out of
 * training and scored after it ({@link Lenet5ClassificationModel#validationAccuracy}).
 * Its schedule defaults are the ones {@code train} had before issue 19 (Adam 2e-3, x0.8 per
 * epoch, averaging every 10 minibatches): an estimator is fitted on data of
 * any size, often small, where the CLI's period of 20 leaves few averaging rounds (3 in an epoch
 * of 3,600 images, where the README example then learns only 80%).
 */
public final class Lenet5Classifier extends Estimator<Lenet5ClassificationModel>
    implements DefaultParamsWritable {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(Lenet5Classifier.class);
  /** Default averaging period of the estimator (see the class comment). */
  public static final int ESTIMATOR_AVERAGING_FREQUENCY = 10;
  /** Default initial learning rate of the estimator. */
  public static final double ESTIMATOR_LEARNING_RATE = 2e-3;
  /** Default per-epoch learning-rate decay of the estimator. */
  public static final double ESTIMATOR_LR_DECAY = 0.8;

  private final String uid;
  private final Param<String> featuresCol;
  private final Param<String> labelCol;
  private final Param<String> predictionCol;
  private final Param<String> probabilityCol;
  private final BooleanParam rawPixels;
  private final IntParam epochs;
  private final IntParam workers;
  private final IntParam batchSize;
  private final IntParam averagingFrequency;
  private final DoubleParam learningRate;
  private final DoubleParam lrDecay;
  private final LongParam seed;
  private final BooleanParam augment;
  private final IntParam validation;
  private final Param<String> kernels;

  /** An estimator with the defaults of {@code train}. */
  public Lenet5Classifier() {
    this((String) Identifiable$.MODULE$.randomUID("lenet5Classifier"));
  }

  /** An estimator with a given uid (Spark ML's readers use this). */
  public Lenet5Classifier(String uid) {
    this.uid = uid;
    featuresCol = new Param<>(uid, "featuresCol", "features column: 784 pixels");
    labelCol = new Param<>(uid, "labelCol", "label column: the digit 0-9");
    predictionCol = new Param<>(uid, "predictionCol", "prediction column name");
    probabilityCol = new Param<>(uid, "probabilityCol", "column of the class probabilities");
    rawPixels = new BooleanParam(uid, "rawPixels",
        "whether the features are raw 0-255 pixels (else already normalised, as in shards)");
    epochs = new IntParam(uid, "epochs", "epochs to train", ParamValidators.gtEq(1));
    workers = new IntParam(uid, "workers", "parameter-averaging workers",
        ParamValidators.gtEq(1));
    batchSize = new IntParam(uid, "batchSize", "minibatch size per worker",
        ParamValidators.inRange(1, TrainOptions.MAX_BATCH_SIZE));
    averagingFrequency = new IntParam(uid, "averagingFrequency",
        "minibatches each worker fits between two averagings", ParamValidators.gtEq(1));
    learningRate = new DoubleParam(uid, "learningRate", "initial learning rate",
        ParamValidators.gt(0));
    lrDecay = new DoubleParam(uid, "lrDecay",
        "factor applied to the learning rate after every epoch (1: constant)",
        ParamValidators.inRange(0, 1, false, true));
    seed = new LongParam(uid, "seed", "random seed (weights, averaging splits, validation)");
    augment = new BooleanParam(uid, "augment", "random affine distortions while training");
    validation = new IntParam(uid, "validation",
        "rows held out of training and scored after it (0: none)", ParamValidators.gtEq(0));
    kernels = new Param<>(uid, "kernels", "how the network runs: auto, fused or stock");
    setDefault(featuresCol, "pixels");
    setDefault(labelCol, "label");
    setDefault(predictionCol, "prediction");
    setDefault(probabilityCol, "probability");
    setDefault(rawPixels, false);
    setDefault(epochs, TrainOptions.DEFAULT_EPOCHS);
    setDefault(workers, TrainOptions.DEFAULT_WORKERS);
    setDefault(batchSize, TrainOptions.DEFAULT_BATCH_SIZE);
    setDefault(averagingFrequency, ESTIMATOR_AVERAGING_FREQUENCY);
    setDefault(learningRate, ESTIMATOR_LEARNING_RATE);
    setDefault(lrDecay, ESTIMATOR_LR_DECAY);
    setDefault(seed, TrainOptions.DEFAULT_SEED);
    setDefault(augment, false);
    setDefault(validation, 0);
    setDefault(kernels, TrainOptions.DEFAULT_KERNELS);
  }

  @Override
  public String uid() {
    return uid;
  }

  /** The features column param. */
  public Param<String> featuresCol() {
    return featuresCol;
  }

  /** The label column param. */
  public Param<String> labelCol() {
    return labelCol;
  }

  /** The prediction column param (passed to the model). */
  public Param<String> predictionCol() {
    return predictionCol;
  }

  /** The probability column param (passed to the model). */
  public Param<String> probabilityCol() {
    return probabilityCol;
  }

  /** Whether the features are raw 0-255 pixels. */
  public BooleanParam rawPixels() {
    return rawPixels;
  }

  /** Epochs ({@code train --epochs}). */
  public IntParam epochs() {
    return epochs;
  }

  /** Workers ({@code train --workers}). */
  public IntParam workers() {
    return workers;
  }

  /** Minibatch size ({@code train --batch-size}). */
  public IntParam batchSize() {
    return batchSize;
  }

  /** Averaging frequency ({@code train --averaging-frequency}). */
  public IntParam averagingFrequency() {
    return averagingFrequency;
  }

  /** Initial learning rate ({@code train --learning-rate}). */
  public DoubleParam learningRate() {
    return learningRate;
  }

  /** Learning-rate decay per epoch ({@code train --lr-decay}). */
  public DoubleParam lrDecay() {
    return lrDecay;
  }

  /** Seed ({@code train --seed}). */
  public LongParam seed() {
    return seed;
  }

  /** Augmentation ({@code train --augment}). */
  public BooleanParam augment() {
    return augment;
  }

  /** Rows held out for validation. */
  public IntParam validation() {
    return validation;
  }

  /** Kernels ({@code train --kernels}). */
  public Param<String> kernels() {
    return kernels;
  }

  /** Sets the features column. */
  public Lenet5Classifier setFeaturesCol(String value) {
    return (Lenet5Classifier) set(featuresCol, value);
  }

  /** Sets the label column. */
  public Lenet5Classifier setLabelCol(String value) {
    return (Lenet5Classifier) set(labelCol, value);
  }

  /** Sets the model's prediction column. */
  public Lenet5Classifier setPredictionCol(String value) {
    return (Lenet5Classifier) set(predictionCol, value);
  }

  /** Sets the model's probability column. */
  public Lenet5Classifier setProbabilityCol(String value) {
    return (Lenet5Classifier) set(probabilityCol, value);
  }

  /** Says whether the features are raw 0-255 pixels. */
  public Lenet5Classifier setRawPixels(boolean value) {
    return (Lenet5Classifier) set(rawPixels, value);
  }

  /** Sets the epochs. */
  public Lenet5Classifier setEpochs(int value) {
    return (Lenet5Classifier) set(epochs, value);
  }

  /** Sets the workers. */
  public Lenet5Classifier setWorkers(int value) {
    return (Lenet5Classifier) set(workers, value);
  }

  /** Sets the minibatch size. */
  public Lenet5Classifier setBatchSize(int value) {
    return (Lenet5Classifier) set(batchSize, value);
  }

  /** Sets the averaging frequency. */
  public Lenet5Classifier setAveragingFrequency(int value) {
    return (Lenet5Classifier) set(averagingFrequency, value);
  }

  /** Sets the initial learning rate. */
  public Lenet5Classifier setLearningRate(double value) {
    return (Lenet5Classifier) set(learningRate, value);
  }

  /** Sets the learning-rate decay per epoch. */
  public Lenet5Classifier setLrDecay(double value) {
    return (Lenet5Classifier) set(lrDecay, value);
  }

  /** Sets the seed. */
  public Lenet5Classifier setSeed(long value) {
    return (Lenet5Classifier) set(seed, value);
  }

  /** Turns augmentation on or off. */
  public Lenet5Classifier setAugment(boolean value) {
    return (Lenet5Classifier) set(augment, value);
  }

  /** Sets the rows held out for validation. */
  public Lenet5Classifier setValidation(int value) {
    return (Lenet5Classifier) set(validation, value);
  }

  /** Sets the kernels (auto, fused or stock). */
  public Lenet5Classifier setKernels(String value) {
    LeNet5.Kernels.parse(value);
    return (Lenet5Classifier) set(kernels, value);
  }

  private String str(Param<String> p) {
    return (String) $(p);
  }

  private int integer(IntParam p) {
    return (Integer) $(p);
  }

  @Override
  public StructType transformSchema(StructType schema) {
    PixelColumn.checkLabel(schema, str(labelCol));
    PixelColumn.checkFeatures(schema, str(featuresCol));
    PixelColumn.checkAbsent(schema, str(predictionCol));
    PixelColumn.checkAbsent(schema, str(probabilityCol));
    return schema.add(str(predictionCol), org.apache.spark.sql.types.DataTypes.DoubleType, false)
        .add(str(probabilityCol), new org.apache.spark.ml.linalg.VectorUDT(), false);
  }

  @Override
  public Lenet5ClassificationModel fit(Dataset<?> dataset) {
    transformSchema(dataset.schema());
    Dl4jWorkarounds.apply();
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(
        dataset.sparkSession().sparkContext());
    Dataset<Row> df = dataset.toDF().select(str(featuresCol), str(labelCol));
    boolean raw = (Boolean) $(rawPixels);
    long sd = (Long) $(seed);
    Normalization norm = normalizationOf(df, raw);
    LOG.info("input normalisation mean={} std={} ({})", norm.mean(), norm.std(),
        raw ? "of the raw pixels" : "recovered from the normalised values");
    PixelColumn pixels = new PixelColumn(str(featuresCol), raw, norm);
    String label = str(labelCol);

    long count = df.count();
    int held = integer(validation);
    if (held >= count) {
      throw new IllegalArgumentException("validation (" + held + ") must be smaller than the "
          + count + " rows");
    }
    JavaRDD<Tuple2<Row, Long>> indexed = df.javaRDD().zipWithIndex().map(t -> t);
    Broadcast<Set<Long>> heldOut = sc.broadcast(sample(count, held, sd));
    JavaRDD<Row> trainRows = indexed.filter(t -> !heldOut.value().contains(t._2())).map(
        Tuple2::_1);
    TrainOptions o = options(sc);
    JavaRDD<DataSet> batches = trainRows.mapPartitions(minibatches(pixels, label,
        o.data().batchSize()));
    MultiLayerNetwork net = LeNet5.build(o.variant(), o.kernels(), o.seed(), o.newUpdater(),
        o.optimiser().l2());
    Path exportDir = new Path(org.apache.hadoop.fs.FileSystem.getDefaultUri(
        sc.hadoopConfiguration()).toString(), "/tmp/lenet5-ml-" + UUID.randomUUID());
    byte[] bytes;
    try (TrainingEngine engine = new SparkEngine(sc, o, net, batches, norm, LeNet5.SIZE,
        LeNet5.SIZE, exportDir, 0)) {
      for (int epoch = 1; epoch <= o.epochs(); epoch++) {
        TrainingEngine.EpochFit fit = engine.fitEpoch(epoch,
            o.optimiser().learningRateAt(epoch));
        LOG.info("epoch {}/{}: {} examples, mean loss {} ({} s)", epoch, o.epochs(),
            fit.examples(), fit.meanLoss(), String.format("%.1f", fit.seconds()));
      }
      bytes = ModelStore.toBytes(engine.network(), norm);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      heldOut.destroy(false);
    }
    Lenet5ClassificationModel model = copyValues(new Lenet5ClassificationModel(uid, bytes),
        ParamMap.empty()).setParent(this);
    model.setFeaturesCol(str(featuresCol)).setPredictionCol(str(predictionCol))
        .setProbabilityCol(str(probabilityCol)).setRawPixels(raw).setKernels(str(kernels));
    if (held > 0) {
      Set<Long> chosen = sample(count, held, sd);
      Broadcast<Set<Long>> v = sc.broadcast(chosen);
      JavaRDD<Row> valRows = indexed.filter(t -> v.value().contains(t._2())).map(Tuple2::_1);
      Dataset<Row> valDf = dataset.sparkSession().createDataFrame(valRows, df.schema());
      String pred = str(predictionCol);
      long correct = model.transform(valDf).javaRDD()
          .filter(r -> ((Number) r.getAs(label)).intValue()
              == (int) (double) r.<Double>getAs(pred)).count();
      model.setValidationAccuracy((double) correct / held);
      LOG.info("validation accuracy on {} held-out rows: {}", held, model.validationAccuracy());
      v.destroy(false);
    }
    return model;
  }

  /** The training options of {@code train} that these params set (the rest: its defaults). */
  private TrainOptions options(JavaSparkContext sc) {
    Path nowhere = new Path("ml-estimator");
    return TrainOptions.builder(nowhere, nowhere).engine(TrainOptions.Engine.SPARK)
        .epochs(integer(epochs)).seed((Long) $(seed)).kernels(LeNet5.Kernels.parse(str(kernels)))
        .batchSize(integer(batchSize)).augment((Boolean) $(augment)).workers(integer(workers))
        .averagingFrequency(integer(averagingFrequency))
        .learningRate((Double) $(learningRate)).lrDecay((Double) $(lrDecay)).build();
  }

  /** {@code k} distinct row numbers below {@code n}, drawn with {@code seed} (Floyd). */
  static Set<Long> sample(long n, int k, long seed) {
    Random r = new Random(seed);
    Set<Long> out = new HashSet<>();
    for (long j = n - k; j < n; j++) {
      long t = (long) (r.nextDouble() * (j + 1));
      out.add(out.contains(t) ? j : t);
    }
    return out;
  }

  /** The normalisation the model stores (see the class comment). */
  private static Normalization normalizationOf(Dataset<Row> df, boolean raw) {
    PixelColumn identity = new PixelColumn(df.columns()[0], false, new Normalization(0, 1));
    // sum, sum of squares, count, min, max of the values as they are
    double[] s = df.javaRDD().mapPartitions((FlatMapFunction<Iterator<Row>, double[]>) it -> {
      double[] acc = {0, 0, 0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
      float[] f = new float[PixelColumn.SIZE];
      while (it.hasNext()) {
        identity.read(it.next().get(0), f, 0);
        for (float v : f) {
          acc[0] += v;
          acc[1] += (double) v * v;
          acc[3] = Math.min(acc[3], v);
          acc[4] = Math.max(acc[4], v);
        }
        acc[2] += f.length;
      }
      return List.of(acc).iterator();
    }).reduce((a, b) -> new double[] {a[0] + b[0], a[1] + b[1], a[2] + b[2],
        Math.min(a[3], b[3]), Math.max(a[4], b[4])});
    if (s[2] == 0) {
      throw new IllegalArgumentException("no rows to train on");
    }
    if (raw) {
      double mean = s[0] / s[2] / 255.0;
      double var = s[1] / s[2] / (255.0 * 255.0) - mean * mean;
      return new Normalization(mean, Math.sqrt(Math.max(var, 0)));
    }
    if (!(s[4] > s[3])) {
      throw new IllegalArgumentException("the features are constant; no normalisation to "
          + "recover (set rawPixels for 0-255 pixels)");
    }
    double std = 1.0 / (s[4] - s[3]);
    return new Normalization(-s[3] * std, std);
  }

  /** A partition's rows cut into minibatches of {@code batchSize} (one array per minibatch). */
  private static FlatMapFunction<Iterator<Row>, DataSet> minibatches(PixelColumn pixels,
      String labelCol, int batchSize) {
    return rows -> {
      Dl4jWorkarounds.apply();
      List<DataSet> out = new ArrayList<>();
      float[] f = new float[batchSize * PixelColumn.SIZE];
      int[] labels = new int[batchSize];
      int n = 0;
      while (rows.hasNext()) {
        Row r = rows.next();
        pixels.read(r.get(0), f, n * PixelColumn.SIZE);
        Object l = r.get(1);
        double d = l == null ? -1 : ((Number) l).doubleValue();
        if (d != Math.rint(d) || d < 0 || d > LeNet5.CLASSES - 1) {
          throw new IllegalArgumentException("label column '" + labelCol + "' holds " + l
              + "; expected a digit 0-9");
        }
        labels[n++] = (int) d;
        if (n == batchSize) {
          // ND4J copies the floats: the arrays are reused for the next minibatch
          out.add(ShardMinibatches.toDataSet(f, labels, 0, n, LeNet5.SIZE, LeNet5.SIZE));
          n = 0;
        }
      }
      if (n > 0) {
        out.add(ShardMinibatches.toDataSet(f, labels, 0, n, LeNet5.SIZE, LeNet5.SIZE));
      }
      return out.iterator();
    };
  }

  @Override
  public Lenet5Classifier copy(ParamMap extra) {
    return (Lenet5Classifier) defaultCopy(extra);
  }

  /** Spark ML's reader (used by {@code Pipeline.load}). */
  public static MLReader<Lenet5Classifier> read() {
    return new DefaultParamsReader<>();
  }

  /** Loads an estimator saved with {@code save(path)} (any Hadoop URI). */
  public static Lenet5Classifier load(String path) {
    return read().load(path);
  }
}
