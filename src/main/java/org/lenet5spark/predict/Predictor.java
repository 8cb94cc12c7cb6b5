package org.lenet5spark.predict;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.util.LongAccumulator;
import org.lenet5spark.data.DigitImage;
import org.lenet5spark.eval.Evaluator;
import org.lenet5spark.model.LeNet5;
import org.lenet5spark.model.ScoringModel;

/**
 * Turns the softmax output of the job's one inference core ({@link ScoringModel}: the model
 * deserialised once per JVM, the forward pass on minibatches) into {@link Prediction}s of
 * normalised 28x28 images. Used in this process and in every Spark task of {@code predict}.
 */
public final class Predictor {
  /** Examples per forward pass. */
  public static final int BATCH = 256;
  private static final int SIZE = DigitImage.SIZE;
  private final ScoringModel model;

  public Predictor(ScoringModel model) {
    this.model = model;
  }

  /**
   * The predictor of the bytes of {@code model.zip}, run with {@code kernels} (auto, fused or
   * stock; auto as this JVM's ND4J backend decides); the network is restored (without updater
   * state) once per JVM.
   */
  public static Predictor fromModelBytes(byte[] modelZip, String kernels) {
    return fromModelBytes(modelZip, kernels, null);
  }

  /** {@link #fromModelBytes(byte[], String)}, counting a load in {@code loads} (or null). */
  public static Predictor fromModelBytes(byte[] modelZip, String kernels,
      LongAccumulator loads) {
    return new Predictor(ScoringModel.of(modelZip, "model.zip", LeNet5.Kernels.parse(kernels),
        loads));
  }

  /**
   * Predicts {@code n} examples of normalised pixels starting at example {@code offset}.
   *
   * @param features normalised pixels, 784 per example, row-major
   * @param labels true labels (-1 when unknown), indexed like the examples
   * @param ids the id of each example, indexed like the examples
   */
  public List<Prediction> predict(float[] features, int[] labels, String[] ids, int offset,
      int n) {
    List<Prediction> out = new ArrayList<>(n);
    int size = SIZE * SIZE;
    int classes = LeNet5.CLASSES;
    for (int start = 0; start < n; start += BATCH) {
      int b = Math.min(BATCH, n - start);
      float[] batch = new float[b * size];
      System.arraycopy(features, (offset + start) * size, batch, 0, b * size);
      float[] probs = model.probabilities(batch, b);
      for (int i = 0; i < b; i++) {
        int k = offset + start + i;
        float[] p = new float[classes];
        System.arraycopy(probs, i * classes, p, 0, classes);
        out.add(new Prediction(ids[k], labels[k], Evaluator.argmax(p), p));
      }
    }
    return out;
  }
}
