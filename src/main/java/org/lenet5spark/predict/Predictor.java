package org.lenet5spark.predict;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.lenet5spark.data.DigitImage;
import org.lenet5spark.eval.Evaluator;
import org.lenet5spark.model.LeNet5;
import org.lenet5spark.model.ModelStore;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runs the network's forward pass on normalised 28x28 images in batches and turns the softmax
 * output into {@link Prediction}s. One instance per process or Spark task (DL4J networks are not
 * thread-safe); built from a loaded network or from the bytes of {@code model.zip}.
 */
public final class Predictor {
  /** Examples per forward pass. */
  public static final int BATCH = 256;
  private static final int SIZE = DigitImage.SIZE;
  private final MultiLayerNetwork net;

  public Predictor(MultiLayerNetwork net) {
    this.net = net;
  }

  /**
   * Restores the network (without updater state) from the bytes of {@code model.zip}, to run
   * with {@code kernels} (auto, fused or stock; auto as this JVM's ND4J backend decides).
   */
  public static Predictor fromModelBytes(byte[] modelZip, String kernels) {
    return new Predictor(ModelStore.fromBytes(modelZip, "model.zip", false,
        LeNet5.Kernels.parse(kernels)).network());
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
    for (int start = 0; start < n; start += BATCH) {
      int b = Math.min(BATCH, n - start);
      float[] batch = new float[b * size];
      System.arraycopy(features, (offset + start) * size, batch, 0, b * size);
      INDArray x = Nd4j.create(batch, new long[] {b, 1, SIZE, SIZE}, 'c');
      float[][] probs = net.output(x, false).toFloatMatrix();
      for (int i = 0; i < b; i++) {
        int k = offset + start + i;
        out.add(new Prediction(ids[k], labels[k], Evaluator.argmax(probs[i]), probs[i]));
      }
    }
    return out;
  }
}
