package org.lenet5spark.train;

import java.util.SplittableRandom;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.lenet5spark.data.ExampleBlock;
import org.lenet5spark.data.IdxReader;
import org.lenet5spark.data.Normalization;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The honest baseline ({@code train --engine local}): the same LeNet-5 on the same shards, fitted
 * by plain DL4J in one process without Spark. Every epoch visits every training example once in a
 * fresh order (seeded by the run's seed and the epoch), in minibatches of {@code --batch-size}.
 * The block it is given holds the training examples only (the validation split is dropped by
 * {@link TrainingRun} first). The training accuracy is counted on the fly
 * ({@link TrainAccuracyListener}).
 * A minibatch whose loss is not finite stops the epoch with a {@link DivergedException} that
 * names it.
 */
public final class LocalEngine implements TrainingEngine {
  private final MultiLayerNetwork net;
  private final ExampleBlock train;
  private final int batchSize;
  private final long seed;
  private final AugmentHook augment;
  private final MinibatchBuffer batches = new MinibatchBuffer();
  private final TrainAccuracyListener accuracy;

  public LocalEngine(TrainOptions o, MultiLayerNetwork net, ExampleBlock train,
      Normalization normalization) {
    this.net = net;
    this.train = train;
    this.batchSize = o.data().batchSize();
    this.seed = o.seed();
    this.augment = o.data().augment() ? new AugmentHook(new Augmenter(train.rows(), train.cols(),
        normalization.lookupTable()[0]), o.seed()) : null;
    this.accuracy = TrainAccuracyListener.of(net);
  }

  @Override
  public String name() {
    return TrainOptions.Engine.LOCAL.spelling();
  }

  @Override
  public MultiLayerNetwork network() {
    return net;
  }

  @Override
  public EpochFit fitEpoch(int epoch, double learningRate) {
    net.setLearningRate(learningRate);
    int[] order = permutation(train.count(), new SplittableRandom(seed * 31 + epoch));
    SplittableRandom distortions = new SplittableRandom(seed * 17 + epoch);
    long t0 = System.nanoTime();
    accuracy.reset();
    double lossSum = 0;
    long examples = 0;
    for (int start = 0; start < order.length; start += batchSize) {
      int n = Math.min(batchSize, order.length - start);
      DataSet batch = batches.gather(train, order, start, n);
      if (augment != null) {
        batch.setFeatures(augment.distort(batch.getFeatures(), distortions));
      }
      net.fit(batch);
      double loss = net.score();
      if (!Double.isFinite(loss)) {
        throw new DivergedException("loss", loss,
            "epoch " + epoch + ", minibatch " + (start / batchSize + 1));
      }
      lossSum += loss * n;
      examples += n;
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    double acc = accuracy.examples() == 0 ? Double.NaN
        : (double) accuracy.correct() / accuracy.examples();
    return new EpochFit(examples, examples == 0 ? Double.NaN : lossSum / examples, seconds, acc);
  }

  /** A random permutation of {@code 0..n-1}. */
  static int[] permutation(int n, SplittableRandom random) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /** The examples {@code order[start..start+n)} of a block as one minibatch. */
  public static DataSet gatherBatch(ExampleBlock block, int[] order, int start, int n) {
    int size = block.imageSize();
    float[] f = new float[n * size];
    float[] y = new float[n * IdxReader.NUM_CLASSES];
    for (int i = 0; i < n; i++) {
      int e = order[start + i];
      System.arraycopy(block.features(), e * size, f, i * size, size);
      y[i * IdxReader.NUM_CLASSES + block.labels()[e]] = 1f;
    }
    INDArray x = Nd4j.create(f, new long[] {n, 1, block.rows(), block.cols()}, 'c');
    return new DataSet(x, Nd4j.create(y, new long[] {n, IdxReader.NUM_CLASSES}, 'c'));
  }

  @Override
  public void close() {
    // nothing held beyond the heap
  }
}
