package org.lenet5spark.train;

import java.io.Serializable;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.SparkContext;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.rdd.RDD;
import org.apache.spark.rdd.UnionRDD;
import org.apache.spark.resource.ResourceProfile;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingResult;
import org.deeplearning4j.spark.impl.paramavg.aggregator.ParameterAveragingAggregationTuple;
import org.deeplearning4j.spark.impl.paramavg.aggregator.ParameterAveragingElementAddFunction;
import org.deeplearning4j.spark.impl.paramavg.aggregator.ParameterAveragingElementCombineFunction;
import scala.collection.JavaConverters;
import scala.collection.immutable.Range;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction2;
import scala.runtime.BoxedUnit;

/**
 * One parameter-averaging round as ONE Spark job: every partition of the round's split runs
 * DL4J's worker function (the same {@code ExecuteWorkerFlatMap} or
 * {@code ExecuteWorkerPathFlatMap} object DL4J would hand to {@code mapPartitions}) in a task of
 * {@link SparkContext#runJob}, the task returns its {@link ParameterAveragingTrainingResult} as
 * DL4J's aggregation tuple (made by DL4J's element-add function, as {@code treeAggregate} does on
 * the executor; the tuple is serializable with any Spark serializer, the result is not), and the
 * driver adds the tuples up in partition order with DL4J's own combine function.
 * {@link DeviceBindingTrainingMaster#doIteration} uses it instead of DL4J's
 * {@code mapPartitions} + {@code treeAggregate}; what the master then does with the sum
 * (divide, set the parameters and updater state, score, statistics) is DL4J's.
 *
 * <p>Why it exists (docs/performance.md, rounds 5 and 6):
 * <ul>
 *   <li>Spark's {@code ClosureCleaner} parses the class files of {@code RDD} and
 *       {@code JavaRDDLike} with ASM for every Scala lambda that {@code mapPartitions},
 *       {@code treeAggregate} and {@code fold} pass through it, in every round: about 4 ms of
 *       driver CPU per round. The function and the result handler here are named classes, not
 *       closures, so the cleaner returns at once.</li>
 *   <li>{@code treeAggregate} adds the workers' results on the driver in the order the tasks
 *       finish; here they are added in partition order. With two workers both give the same
 *       bits (adding two numbers commutes); with three or more the sum no longer depends on
 *       which task finished first, so a run is reproducible to the bit.</li>
 * </ul>
 *
 * <p>With a GPU task profile ({@link org.lenet5spark.spark.StageResources}) the job runs over a
 * one-parent {@link UnionRDD} of the split that carries the profile, so the stage that runs the
 * workers gets it and the split itself (possibly the cached training RDD) stays on the default
 * profile.
 */
final class AveragingRound {
  private static final ClassTag<ParameterAveragingAggregationTuple> TUPLE =
      ClassTag$.MODULE$.apply(ParameterAveragingAggregationTuple.class);

  private AveragingRound() {
  }

  /**
   * Whether Spark's {@code treeAggregate} of {@code partitions} results at {@code depth} is flat:
   * the same test as Spark's (its loop adds a level of partial sums on the executors while
   * {@code n > scale + ceil(n / scale)}, {@code scale = max(ceil(n^(1/depth)), 2)}). When it is,
   * DL4J's round already sends every worker's result to the driver, so this one-job round sends
   * the same bytes; when it is not (from 6 workers at the default depth 2), the tree's level
   * spares the driver most of the results (docs/SCALING.md), and DL4J's round is kept.
   */
  static boolean flat(int partitions, int depth) {
    int scale = Math.max((int) Math.ceil(Math.pow(partitions, 1.0 / depth)), 2);
    return partitions <= scale + Math.ceil((double) partitions / scale);
  }

  /**
   * Runs {@code workerFunction} on every partition of {@code split} in one Spark job and adds
   * the partitions' results in partition order.
   *
   * @param workerFunction DL4J's worker function for the round (serialized into the tasks)
   * @param profile the task profile of the stage that runs the workers, null for the default
   * @return DL4J's aggregation tuple of the partitions that trained (an empty partition's
   *     result holds no parameters and is left out, as DL4J's aggregation leaves it out); null
   *     when no partition trained
   */
  static <T> ParameterAveragingAggregationTuple run(RDD<T> split,
      FlatMapFunction<Iterator<T>, ParameterAveragingTrainingResult> workerFunction,
      ResourceProfile profile) throws Exception {
    RDD<T> stage = split;
    if (profile != null) {
      stage = new UnionRDD<>(split.context(),
          JavaConverters.asScalaBuffer(List.<RDD<T>>of(split)), split.elementClassTag());
      stage.withResources(profile);
    }
    int n = stage.getNumPartitions();
    Results results = new Results(n);
    split.context().runJob(stage, new RunWorker<>(workerFunction), new Range(0, n, 1), results,
        TUPLE);
    return results.sum();
  }

  /**
   * The task function: runs DL4J's worker function on the partition's minibatches and returns
   * its result as DL4J's aggregation tuple of one result; null when the partition did not train
   * (no result, or a result without parameters: an empty partition). A named class, so Spark's
   * closure cleaner has nothing to do.
   */
  static final class RunWorker<T> extends AbstractFunction2<TaskContext,
      scala.collection.Iterator<T>, ParameterAveragingAggregationTuple> implements Serializable {
    private static final long serialVersionUID = 1L;
    private final FlatMapFunction<Iterator<T>, ParameterAveragingTrainingResult> workerFunction;

    RunWorker(FlatMapFunction<Iterator<T>, ParameterAveragingTrainingResult> workerFunction) {
      this.workerFunction = workerFunction;
    }

    @Override
    public ParameterAveragingAggregationTuple apply(TaskContext task,
        scala.collection.Iterator<T> partition) {
      try {
        Iterator<ParameterAveragingTrainingResult> out =
            workerFunction.call(JavaConverters.asJavaIterator(partition));
        ParameterAveragingTrainingResult r = out.hasNext() ? out.next() : null;
        if (r == null || r.getParameters() == null) {
          return null;
        }
        return new ParameterAveragingElementAddFunction().call(null, r);
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException("DL4J worker failed: " + e.getMessage(), e);
      }
    }
  }

  /**
   * The job's result handler, on the driver: keeps each partition's tuple at its partition
   * index (Spark calls it once per partition, under the job's lock).
   */
  static final class Results extends AbstractFunction2<Object, ParameterAveragingAggregationTuple,
      BoxedUnit> {
    private final ParameterAveragingAggregationTuple[] byPartition;

    Results(int partitions) {
      this.byPartition = new ParameterAveragingAggregationTuple[partitions];
    }

    @Override
    public BoxedUnit apply(Object index, ParameterAveragingAggregationTuple tuple) {
      byPartition[(Integer) index] = tuple;
      return BoxedUnit.UNIT;
    }

    /** The partitions' tuples added in partition order with DL4J's combine function. */
    ParameterAveragingAggregationTuple sum() throws Exception {
      ParameterAveragingElementCombineFunction combine =
          new ParameterAveragingElementCombineFunction();
      ParameterAveragingAggregationTuple sum = null;
      for (ParameterAveragingAggregationTuple t : byPartition) {
        if (t != null) {
          sum = combine.call(sum, t);
        }
      }
      return sum;
    }
  }
}
