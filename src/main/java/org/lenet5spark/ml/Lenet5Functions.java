package org.lenet5spark.ml;

import java.io.IOException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;
import org.lenet5spark.eval.Evaluator;
import org.lenet5spark.model.LeNet5;
import org.lenet5spark.model.ScoringModel;

/**
 * Spark SQL functions of a {@code model.zip}: {@link #register} adds {@code lenet5_predict(pixels)}
 * (the digit, an {@code int}) and {@code lenet5_probabilities(pixels)} (the 10 softmax outputs,
 * {@code array<double>}) to a session, so that {@code SELECT lenet5_predict(pixels) FROM shards}
 * works in Spark SQL. The argument is a features value as {@link Lenet5ClassificationModel} reads
 * it (the shards' {@code pixels}, arrays, vectors). The model's bytes are broadcast once and
 * deserialised once per executor ({@link ScoringModel}); a SQL function is called row by row, so
 * each call is a forward pass of one image: for large tables the model's {@code transform},
 * which scores minibatches, is the faster path.
 */
public final class Lenet5Functions {
  /** Name of the function that returns the predicted digit. */
  public static final String PREDICT = "lenet5_predict";
  /** Name of the function that returns the class probabilities. */
  public static final String PROBABILITIES = "lenet5_probabilities";

  private Lenet5Functions() {
  }

  /**
   * Registers both functions for the {@code model.zip} at {@code modelUri} (any Hadoop URI), on
   * normalised features (the shards' {@code pixels}).
   */
  public static void register(SparkSession spark, String modelUri) throws IOException {
    register(spark, modelUri, false);
  }

  /**
   * Registers both functions; {@code rawPixels} says that the features are raw 0-255 pixels
   * (normalised with the model's own normaliser).
   */
  public static void register(SparkSession spark, String modelUri, boolean rawPixels)
      throws IOException {
    Lenet5ClassificationModel model = Lenet5ClassificationModel.fromModelZip(modelUri,
        spark.sparkContext().hadoopConfiguration());
    Broadcast<byte[]> bytes = JavaSparkContext.fromSparkContext(spark.sparkContext())
        .broadcast(model.modelZip());
    Scorer scorer = new Scorer(bytes, new PixelColumn("argument of " + PREDICT, rawPixels,
        model.normalization()));
    spark.udf().register(PREDICT, (UDF1<Object, Integer>) px -> {
      return Evaluator.argmax(scorer.probabilities(px));
    }, DataTypes.IntegerType);
    spark.udf().register(PROBABILITIES, (UDF1<Object, double[]>) px -> {
      float[] p = scorer.probabilities(px);
      double[] out = new double[p.length];
      for (int i = 0; i < p.length; i++) {
        out[i] = p[i];
      }
      return out;
    }, DataTypes.createArrayType(DataTypes.DoubleType, false));
  }

  /** One image at a time through the cached model. */
  static final class Scorer implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private final Broadcast<byte[]> bytes;
    private final PixelColumn pixels;
    private transient ScoringModel model;

    Scorer(Broadcast<byte[]> bytes, PixelColumn pixels) {
      this.bytes = bytes;
      this.pixels = pixels;
    }

    float[] probabilities(Object value) {
      if (model == null) {
        model = ScoringModel.of(bytes.value(), LeNet5.Kernels.parse("auto"));
      }
      float[] f = new float[PixelColumn.SIZE];
      pixels.read(value, f, 0);
      return model.probabilities(f, 1);
    }
  }
}
