package org.lenet5spark.train;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.AccumulatorV2;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * A DL4J training hook that runs on the workers after every minibatch and adds the minibatch's
 * loss (DL4J's score, weighted by the number of examples) to Spark accumulators, so the driver
 * gets the mean training loss of each epoch over all workers and minibatches. It travels inside
 * the task closure, which is what makes Spark register its accumulators with each task. Each
 * minibatch's weighted loss is kept apart (stage, partition, minibatch) and the driver adds them
 * in that order: a Spark double accumulator would add the tasks' sums in completion order, which
 * changes the last digits of the loss from one run of the same seed to the next.
 *
 * <p>It also watches for divergence: each task (one worker's share of one averaging round)
 * reports its Spark stage and the first minibatch whose loss is not finite, from which the driver
 * names the averaging round (rank of the stage among the epoch's training stages) and the
 * minibatch within the worker's share of it.
 *
 * <p>It also counts the correctly classified training examples of every minibatch: before each
 * minibatch it makes sure the worker's network has a {@link TrainAccuracyListener} and resets
 * it, after it adds the listener's counts to two long accumulators (integers: exact in any
 * order).
 *
 * <p>The three collection accumulators (losses, stages, non-finite reports) are unnamed
 * ({@link #unnamed}), so Spark's task-end events do not carry the epoch's growing lists; the
 * long counters (examples, correct, counted) keep their names and show in Spark's UI.
 */
public final class TrainLossHook implements TrainingHook {
  private static final long serialVersionUID = 1L;
  private final CollectionAccumulator<MinibatchLoss> losses;
  private final LongAccumulator examples;
  private final CollectionAccumulator<Integer> stages;
  private final CollectionAccumulator<String> nonFinite;
  private final LongAccumulator correct;
  private final LongAccumulator counted;
  /** This task's listener on the worker's network (set by {@link #preUpdate}). */
  private transient TrainAccuracyListener accuracy;
  /** Minibatches seen by this copy of the hook: the copy of one task. */
  private int minibatchesInTask;
  private int stage = -1;
  private int partition = -1;
  private boolean reported;

  public TrainLossHook(JavaSparkContext sc) {
    this.losses = unnamed(sc, new CollectionAccumulator<>());
    this.examples = sc.sc().longAccumulator("lenet5.train.examples");
    this.stages = unnamed(sc, new CollectionAccumulator<>());
    this.nonFinite = unnamed(sc, new CollectionAccumulator<>());
    this.correct = sc.sc().longAccumulator("lenet5.train.correct");
    this.counted = sc.sc().longAccumulator("lenet5.train.counted");
  }

  /**
   * Registers {@code acc} with Spark without a name. Spark puts the value of every named
   * accumulator a task updated into that task's end event and its stage's completed event, and
   * its listeners (status store, event log) turn it into a string: for a collection that grows
   * with the epoch, the whole list so far at every task's end (docs/performance.md, round 6).
   * The driver reads an unnamed accumulator's value all the same.
   */
  static <A extends AccumulatorV2<?, ?>> A unnamed(JavaSparkContext sc, A acc) {
    sc.sc().register(acc);
    return acc;
  }

  /** Clears the totals (call on the driver before each epoch). */
  public void reset() {
    losses.reset();
    examples.reset();
    stages.reset();
    nonFinite.reset();
    correct.reset();
    counted.reset();
  }

  /**
   * Training accuracy since the last reset, measured on each minibatch as it was fitted; NaN
   * when nothing was counted.
   */
  public double accuracy() {
    long n = counted.value();
    return n == 0 ? Double.NaN : (double) correct.value() / n;
  }

  /** One minibatch's loss times its number of examples, and where it was computed. */
  record MinibatchLoss(int stage, int partition, int minibatch, double weightedLoss)
      implements Serializable {
    private static final Comparator<MinibatchLoss> ORDER = Comparator
        .comparingInt(MinibatchLoss::stage)
        .thenComparingInt(MinibatchLoss::partition)
        .thenComparingInt(MinibatchLoss::minibatch);
  }

  /** Where the first non-finite minibatch loss since the last reset was, if there was one. */
  public record NonFinite(double loss, int round, int minibatch) {
  }

  /** The earliest non-finite minibatch loss since the last reset (earliest round first). */
  public Optional<NonFinite> firstNonFinite() {
    long[] best = null;
    double loss = Double.NaN;
    for (String s : nonFinite.value()) {
      String[] f = s.split(":", 3);
      long[] at = {Long.parseLong(f[0]), Long.parseLong(f[1])};
      if (best == null || at[0] < best[0] || at[0] == best[0] && at[1] < best[1]) {
        best = at;
        loss = Double.parseDouble(f[2]);
      }
    }
    if (best == null) {
      return Optional.empty();
    }
    long stageOfNaN = best[0];
    int round = new TreeSet<>(stages.value()).headSet((int) stageOfNaN, true).size();
    return Optional.of(new NonFinite(loss, round, (int) best[1]));
  }

  /** Mean training loss since the last reset; NaN when nothing was trained. */
  public double meanLoss() {
    long n = examples.value();
    if (n == 0) {
      return Double.NaN;
    }
    List<MinibatchLoss> all = new ArrayList<>(losses.value());
    all.sort(MinibatchLoss.ORDER);
    double sum = 0;
    for (MinibatchLoss l : all) {
      sum += l.weightedLoss();
    }
    return sum / n;
  }

  /**
   * Averaging rounds since the last reset: the distinct Spark stages in which a worker fitted a
   * minibatch (each round runs its workers in one stage).
   */
  public int rounds() {
    return new TreeSet<>(stages.value()).size();
  }

  /** Examples trained since the last reset. */
  public long examples() {
    return examples.value();
  }

  @Override
  public void preUpdate(DataSet minibatch, Model model) {
    if (model instanceof MultiLayerNetwork net) {
      accuracy = TrainAccuracyListener.of(net);
      accuracy.reset();
    }
  }

  @Override
  public void postUpdate(DataSet minibatch, Model model) {
    int n = minibatch.numExamples();
    double loss = model.score();
    if (minibatchesInTask++ == 0) {
      TaskContext task = TaskContext.get();
      stage = task == null ? -1 : task.stageId();
      partition = task == null ? -1 : task.partitionId();
      stages.add(stage);
    }
    if (!Double.isFinite(loss) && !reported) {
      reported = true;
      nonFinite.add(stage + ":" + minibatchesInTask + ":" + loss);
    }
    losses.add(new MinibatchLoss(stage, partition, minibatchesInTask, loss * n));
    examples.add(n);
    if (accuracy != null) {
      correct.add(accuracy.correct());
      counted.add(accuracy.examples());
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
