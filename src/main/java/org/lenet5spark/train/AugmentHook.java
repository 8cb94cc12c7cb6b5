package org.lenet5spark.train;

import java.util.SplittableRandom;
import org.apache.spark.TaskContext;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Applies {@link Augmenter} on the workers, on the fly: right before DL4J fits a minibatch, its
 * features are replaced by a freshly distorted copy, so every epoch sees new distortions while the
 * stored (exported or cached) minibatches stay untouched. Used with {@code --augment}; the random
 * stream of each task is seeded from the run's seed and the task's attempt id.
 */
public final class AugmentHook implements TrainingHook {
  private static final long serialVersionUID = 1L;
  private final Augmenter augmenter;
  private final long seed;
  private transient SplittableRandom random;
  private transient long randomTask = -1;
  private transient INDArray original;

  public AugmentHook(Augmenter augmenter, long seed) {
    this.augmenter = augmenter;
    this.seed = seed;
  }

  @Override
  public void preUpdate(DataSet minibatch, Model model) {
    original = minibatch.getFeatures();
    minibatch.setFeatures(distort(original, randomForTask()));
  }

  /** A distorted copy of {@code features} ({@code [n, 1, rows, cols]}). */
  public INDArray distort(INDArray features, SplittableRandom r) {
    long[] shape = features.shape();
    int n = (int) shape[0];
    float[] src = features.dup('c').data().asFloat();
    float[] dst = new float[src.length];
    augmenter.distort(src, dst, n, r);
    return Nd4j.create(dst, shape, 'c');
  }

  private SplittableRandom randomForTask() {
    TaskContext tc = TaskContext.get();
    long task = tc == null ? 0 : tc.taskAttemptId();
    if (random == null || task != randomTask) {
      random = new SplittableRandom(seed * 1_000_003L + task);
      randomTask = task;
    }
    return random;
  }

  /**
   * Puts the undistorted features back: with a deserialised storage level the minibatch is the
   * cached object itself, which must stay as it was for the next epoch.
   */
  @Override
  public void postUpdate(DataSet minibatch, Model model) {
    if (original != null) {
      minibatch.setFeatures(original);
      original = null;
    }
  }

  @Override
  public void preUpdate(MultiDataSet minibatch, Model model) {
    // LeNet-5 trains on DataSets only
  }

  @Override
  public void postUpdate(MultiDataSet minibatch, Model model) {
    // LeNet-5 trains on DataSets only
  }
}
