package org.lenet5spark.train;

import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.Map;
import org.lenet5spark.data.ExampleBlock;
import org.lenet5spark.data.IdxReader;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Minibatches gathered from an {@link ExampleBlock} into off-heap arrays that are kept and
 * refilled, one pair (features, one-hot labels) per minibatch size: allocating a new ND4J array
 * per minibatch cost about 0.2 ms of a 4 ms training step (docs/performance.md, round 4). A
 * returned {@link DataSet} is valid until the next call with the same size, which suits a
 * synchronous training loop; not thread-safe.
 */
public final class MinibatchBuffer {
  private final Map<Integer, Slot> slots = new HashMap<>();

  /** One kept minibatch: its ND4J arrays and their off-heap memory. */
  private record Slot(INDArray features, INDArray labels, FloatBuffer featureMemory,
      FloatBuffer labelMemory) {
  }

  /** The examples {@code order[start..start+n)} of {@code block} as one minibatch. */
  public DataSet gather(ExampleBlock block, int[] order, int start, int n) {
    int size = block.imageSize();
    Slot s = slots.computeIfAbsent(n, k -> {
      INDArray x = Nd4j.create(DataType.FLOAT, k, 1, block.rows(), block.cols());
      INDArray y = Nd4j.create(DataType.FLOAT, k, IdxReader.NUM_CLASSES);
      return new Slot(x, y, x.data().asNioFloat(), y.data().asNioFloat());
    });
    if (s.features().length() != (long) n * size) {
      throw new IllegalStateException("minibatch buffer for " + n + " images of " + size
          + " pixels holds " + s.features().length() + " values");
    }
    float[] pixels = block.features();
    int[] labels = block.labels();
    float[] oneHot = new float[n * IdxReader.NUM_CLASSES];
    for (int i = 0; i < n; i++) {
      int e = order[start + i];
      s.featureMemory().put(i * size, pixels, e * size, size);
      oneHot[i * IdxReader.NUM_CLASSES + labels[e]] = 1f;
    }
    s.labelMemory().put(0, oneHot);
    return new DataSet(s.features(), s.labels());
  }
}
