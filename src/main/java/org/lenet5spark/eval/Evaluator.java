package org.lenet5spark.eval;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.lenet5spark.data.ExampleBlock;
import org.lenet5spark.data.IdxReader;
import org.lenet5spark.data.ShardMinibatches;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Evaluates a network on an {@link ExampleBlock} in one process (the driver after each epoch, and
 * the {@code evaluate} command): a forward pass in batches, then accuracy, the mean cross-entropy
 * (computed from the softmax output, without regularisation terms) and the confusion matrix.
 */
public final class Evaluator {
  /** Probabilities are clipped here before the logarithm, as DL4J's MCXENT does. */
  private static final double EPS = 1e-10;

  private Evaluator() {
  }

  /** Evaluates {@code net} on every example of {@code block}. */
  public static EvalResult evaluate(MultiLayerNetwork net, ExampleBlock block, int batchSize) {
    int classes = IdxReader.NUM_CLASSES;
    long[][] confusion = new long[classes][classes];
    double lossSum = 0;
    long correct = 0;
    for (int start = 0; start < block.count(); start += batchSize) {
      int n = Math.min(batchSize, block.count() - start);
      INDArray out = net.output(ShardMinibatches.features(block.features(), start, n,
          block.rows(), block.cols()), false);
      float[][] probs = out.toFloatMatrix();
      for (int i = 0; i < n; i++) {
        int actual = block.labels()[start + i];
        int predicted = argmax(probs[i]);
        confusion[actual][predicted]++;
        if (actual == predicted) {
          correct++;
        }
        lossSum -= Math.log(Math.max(EPS, probs[i][actual]));
      }
    }
    long count = block.count();
    return new EvalResult(count, count == 0 ? 0 : (double) correct / count,
        count == 0 ? Double.NaN : lossSum / count, confusion);
  }

  /** Index of the largest value (the first on ties). */
  public static int argmax(float[] values) {
    int best = 0;
    for (int i = 1; i < values.length; i++) {
      if (values[i] > values[best]) {
        best = i;
      }
    }
    return best;
  }
}
