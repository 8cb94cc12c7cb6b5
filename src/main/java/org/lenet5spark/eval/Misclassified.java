package org.lenet5spark.eval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.lenet5spark.data.ExampleBlock;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Finds the worst misclassified examples of a block: those the network assigns the highest
 * probability to a wrong class (the most confident mistakes). Used by {@code report} for its grid
 * of digits; runs after training, on the driver, in one forward pass per batch.
 */
public final class Misclassified {
  private Misclassified() {
  }

  /**
   * One mistake.
   *
   * @param index the example's position in its source IDX file
   * @param label the true digit
   * @param predicted the predicted digit
   * @param probability the probability given to {@code predicted}
   * @param pixels the example's normalised pixels, row-major
   */
  public record Mistake(int index, int label, int predicted, float probability, float[] pixels) {
  }

  /** The {@code limit} most confident mistakes, most confident first. */
  public static List<Mistake> worst(MultiLayerNetwork net, ExampleBlock block, int limit,
      int batchSize) {
    Comparator<Mistake> byProbability = Comparator.comparingDouble(Mistake::probability);
    PriorityQueue<Mistake> heap = new PriorityQueue<>(byProbability);
    int size = block.imageSize();
    for (int start = 0; start < block.count(); start += batchSize) {
      int n = Math.min(batchSize, block.count() - start);
      float[] f = new float[n * size];
      System.arraycopy(block.features(), start * size, f, 0, n * size);
      INDArray x = Nd4j.create(f, new long[] {n, 1, block.rows(), block.cols()}, 'c');
      float[][] probs = net.output(x, false).toFloatMatrix();
      for (int i = 0; i < n; i++) {
        int k = start + i;
        int predicted = Evaluator.argmax(probs[i]);
        int label = block.labels()[k];
        if (predicted == label || label < 0) {
          continue;
        }
        float p = probs[i][predicted];
        if (heap.size() < limit || p > heap.peek().probability()) {
          float[] px = new float[size];
          System.arraycopy(block.features(), k * size, px, 0, size);
          heap.add(new Mistake(block.indices()[k], label, predicted, p, px));
          if (heap.size() > limit) {
            heap.poll();
          }
        }
      }
    }
    List<Mistake> out = new ArrayList<>(heap);
    out.sort(byProbability.reversed());
    return out;
  }
}
