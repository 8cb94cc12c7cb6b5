package org.lenet5spark.eval;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.lenet5spark.data.ExampleBlock;
import org.lenet5spark.data.ShardMinibatches;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Evaluates a network on an {@link ExampleBlock} in one process (the driver after each epoch, and
 * the {@code evaluate} command): a forward pass in batches, then accuracy, the mean cross-entropy
 * (computed from the softmax output, without regularisation terms) and the confusion matrix.
 */
public final class Evaluator {
  private Evaluator() {
  }

  /** Evaluates {@code net} on every example of {@code block}. */
  public static EvalResult evaluate(MultiLayerNetwork net, ExampleBlock block, int batchSize) {
    EvalCounts counts = new EvalCounts();
    int[] labels = new int[batchSize];
    for (int start = 0; start < block.count(); start += batchSize) {
      int n = Math.min(batchSize, block.count() - start);
      INDArray out = net.output(ShardMinibatches.features(block.features(), start, n,
          block.rows(), block.cols()), false);
      System.arraycopy(block.labels(), start, labels, 0, n);
      counts.addAll(labels, out.ravel().toFloatVector(), n);
    }
    return counts.result();
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
