package org.lenet5spark.train;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.resource.ResourceProfile;
import org.apache.spark.util.CollectionAccumulator;
import org.datavec.spark.util.BroadcastHadoopConfigHolder;
import org.deeplearning4j.core.loader.DataSetLoader;
import org.deeplearning4j.core.loader.MultiDataSetLoader;
import org.deeplearning4j.core.storage.Persistable;
import org.deeplearning4j.core.storage.StorageMetaData;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.api.WorkerConfiguration;
import org.deeplearning4j.spark.api.worker.ExecuteWorkerFlatMap;
import org.deeplearning4j.spark.api.worker.ExecuteWorkerPathFlatMap;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingResult;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingWorker;
import org.deeplearning4j.spark.impl.paramavg.aggregator.ParameterAveragingAggregationTuple;
import org.deeplearning4j.spark.util.SparkUtils;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DL4J's {@link ParameterAveragingTrainingMaster} whose workers are {@link DeviceBindingWorker}s:
 * each worker binds its Spark task to the GPU Spark assigned before it builds its network.
 * With stage-level GPU scheduling ({@link org.lenet5spark.spark.StageResources}) it also gives
 * each averaging round's training stage the GPU task profile: it goes on the RDD whose stage
 * runs the workers (after any repartitioning DL4J did, with either training approach) and on no
 * other stage.
 * Built only by {@link TrainingMasters#create}; runs on the driver, where it also collects the
 * bindings the workers report ({@link #bindings()}).
 *
 * <p>A round of a {@code MultiLayerNetwork} (DL4J's Direct approach, {@link #doIteration}, and
 * its Export approach, {@link #doIterationPaths}) runs as one Spark job through
 * {@link AveragingRound} instead of DL4J's {@code mapPartitions} + {@code treeAggregate}: no
 * closure cleaning per round, the results added in partition order, and then exactly DL4J's
 * steps after its aggregation ({@link #applyAverage}); as long as DL4J's tree would be flat
 * anyway (up to 5 workers at the default depth 2; {@link AveragingRound#flat}), beyond which
 * DL4J's tree aggregation is kept; {@link AveragingRound} attaches the GPU
 * profile. A {@code ComputationGraph} or MultiDataSets keep DL4J's own round, which hands the
 * workers' results to {@link #processResults}: the profile is attached to that RDD of results.
 */
public final class DeviceBindingTrainingMaster extends ParameterAveragingTrainingMaster {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(DeviceBindingTrainingMaster.class);

  private final DeviceBinder binder;
  private final CollectionAccumulator<DeviceBinding> bindings;
  private final transient ResourceProfile gpuProfile;

  /** @param gpuProfile the task profile of the training stages, null for the default one */
  DeviceBindingTrainingMaster(Builder builder, JavaSparkContext sc, DeviceBinder binder,
      ResourceProfile gpuProfile) {
    super(builder);
    this.binder = binder;
    // unnamed: a named one would ride, with every binding of the run so far, on every task's
    // end event (TrainLossHook#unnamed)
    this.bindings = TrainLossHook.unnamed(sc, new CollectionAccumulator<>());
    this.gpuProfile = gpuProfile;
  }

  /** The task profile of the training stages, null when they use the default profile. */
  public ResourceProfile gpuProfile() {
    return gpuProfile;
  }

  @Override
  protected void processResults(SparkDl4jMultiLayer network, SparkComputationGraph graph,
      JavaRDD<ParameterAveragingTrainingResult> results, int splitNum, int totalSplits) {
    super.processResults(network, graph,
        gpuProfile == null ? results : results.withResources(gpuProfile), splitNum, totalSplits);
  }

  /**
   * One averaging round on a split of DataSets (Direct approach), as DL4J's does it, but as one
   * Spark job ({@link AveragingRound}): repartition as configured, broadcast the network and
   * build the worker ({@link #getWorkerInstance}), run DL4J's {@code ExecuteWorkerFlatMap} on
   * every partition, add the results in partition order and average them into the network.
   */
  @Override
  protected void doIteration(SparkDl4jMultiLayer network, JavaRDD<DataSet> split, int splitNum,
      int numSplits) {
    logRoundStart(splitNum, numSplits);
    JavaRDD<DataSet> data = repartitioned(split, rddDataSetNumExamples);
    int partitions = data.partitions().size();
    averageRound(network, data, new ExecuteWorkerFlatMap<>(getWorkerInstance(network)),
        splitNum, numSplits);
    if (collectTrainingStats) {
      stats.logMapPartitionsEnd(partitions);
    }
  }

  /**
   * One averaging round on a split of exported minibatch paths (Export approach) of a
   * {@code MultiLayerNetwork} with a DataSet loader, as one Spark job ({@link #doIteration});
   * any other case (a {@code ComputationGraph}, MultiDataSets) is DL4J's own round.
   */
  @Override
  protected void doIterationPaths(SparkDl4jMultiLayer network, SparkComputationGraph graph,
      JavaRDD<String> split, int splitNum, int numSplits, int dataSetObjectNumExamples,
      DataSetLoader dsLoader, MultiDataSetLoader mdsLoader) {
    if (network == null || dsLoader == null) {
      super.doIterationPaths(network, graph, split, splitNum, numSplits,
          dataSetObjectNumExamples, dsLoader, mdsLoader);
      return;
    }
    logRoundStart(splitNum, numSplits);
    JavaRDD<String> data = repartitioned(split, dataSetObjectNumExamples);
    int partitions = data.partitions().size();
    averageRound(network, data, new ExecuteWorkerPathFlatMap<>(getWorkerInstance(network),
        dsLoader, BroadcastHadoopConfigHolder.get(network.getSparkContext())), splitNum,
        numSplits);
    if (collectTrainingStats) {
      stats.logMapPartitionsEnd(partitions);
    }
  }

  /**
   * DL4J's log line (at debug here: one per round) and statistics at the start of a round.
   */
  private void logRoundStart(int splitNum, int numSplits) {
    LOG.debug("Starting training of split {} of {}. workerMiniBatchSize={}, averagingFreq={}, "
        + "Configured for {} workers", splitNum, numSplits, batchSizePerWorker,
        averagingFrequency, numWorkers);
    if (collectTrainingStats) {
      stats.logMapPartitionsStart();
    }
  }

  /** The split repartitioned as DL4J does before a round ({@code --repartition}). */
  private <T> JavaRDD<T> repartitioned(JavaRDD<T> split, int objectNumExamples) {
    if (collectTrainingStats) {
      stats.logRepartitionStart();
    }
    JavaRDD<T> data = SparkUtils.repartition(split, repartition, repartitionStrategy,
        numObjectsEachWorker(objectNumExamples), numWorkers);
    if (collectTrainingStats && repartition != Repartition.Never) {
      stats.logRepartitionEnd();
    }
    return data;
  }

  /**
   * Runs the round's job, then averages its sum into the network; with more workers than a flat
   * tree aggregation takes ({@link AveragingRound#flat}), DL4J's own aggregation of the same
   * worker function instead.
   */
  private <T> void averageRound(SparkDl4jMultiLayer network, JavaRDD<T> data,
      FlatMapFunction<Iterator<T>, ParameterAveragingTrainingResult> workerFunction,
      int splitNum, int numSplits) {
    if (!AveragingRound.flat(data.getNumPartitions(), aggregationDepth)) {
      processResults(network, null, data.mapPartitions(workerFunction), splitNum, numSplits);
      return;
    }
    if (collectTrainingStats) {
      stats.logAggregateStartTime();
    }
    ParameterAveragingAggregationTuple sum;
    try {
      sum = AveragingRound.run(data.rdd(), workerFunction, gpuProfile);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("averaging round failed: " + e.getMessage(), e);
    }
    if (collectTrainingStats) {
      stats.logAggregationEndTime();
    }
    applyAverage(network, sum, splitNum, numSplits);
  }

  /**
   * What DL4J's {@code processResults} does after its aggregation, for a
   * {@code MultiLayerNetwork}: divide the summed parameters and updater state by the number of
   * workers that trained, set them on the network, set the mean score, merge the workers'
   * training statistics, pass their listener records to the stats storage, log the split's end
   * and advance the configuration's iteration count by the averaging period.
   *
   * @param sum the workers' results added up, null when no worker trained
   */
  private void applyAverage(SparkDl4jMultiLayer network, ParameterAveragingAggregationTuple sum,
      int splitNum, int numSplits) {
    if (collectTrainingStats) {
      stats.logProcessParamsUpdaterStart();
    }
    INDArray params = sum == null ? null : sum.getParametersSum();
    if (params != null) {
      int count = sum.getAggregationsCount();
      params.divi(count);
      INDArray updaterState = sum.getUpdaterStateSum();
      if (updaterState != null) {
        updaterState.divi(count);
      }
      MultiLayerNetwork net = network.getNetwork();
      net.setParameters(params);
      if (updaterState != null) {
        net.getUpdater().setStateViewArray(null, updaterState, false);
      }
      network.setScore(sum.getScoreSum() / count);
    } else {
      LOG.info("Skipping imbalanced split with no data for all executors");
    }
    if (collectTrainingStats) {
      stats.logProcessParamsUpdaterEnd();
      stats.addWorkerStats(sum == null ? null : sum.getSparkTrainingStats());
    }
    if (statsStorage != null && sum != null) {
      Collection<StorageMetaData> meta = sum.getListenerMetaData();
      if (meta != null && !meta.isEmpty()) {
        statsStorage.putStorageMetaData(meta);
      }
      Collection<Persistable> staticInfo = sum.getListenerStaticInfo();
      if (staticInfo != null && !staticInfo.isEmpty()) {
        statsStorage.putStaticInfo(staticInfo);
      }
      Collection<Persistable> updates = sum.getListenerUpdates();
      if (updates != null && !updates.isEmpty()) {
        statsStorage.putUpdate(updates);
      }
    }
    Nd4j.getExecutioner().commit();
    LOG.debug("Completed training of split {} of {}", splitNum, numSplits);
    if (params != null) {
      var conf = network.getNetwork().getLayerWiseConfigurations();
      conf.setIterationCount(conf.getIterationCount() + averagingFrequency);
    }
  }

  /** The binder the workers use. */
  public DeviceBinder binder() {
    return binder;
  }

  @Override
  public ParameterAveragingTrainingWorker getWorkerInstance(SparkDl4jMultiLayer network) {
    // The same broadcast and worker configuration as DL4J's own getWorkerInstance.
    MultiLayerNetwork net = network.getNetwork();
    NetBroadcastTuple tuple = new NetBroadcastTuple(net.getLayerWiseConfigurations(),
        net.params(), net.getUpdater().getStateViewArray());
    if (collectTrainingStats) {
      stats.logBroadcastStart();
    }
    Broadcast<NetBroadcastTuple> broadcast = network.getSparkContext().broadcast(tuple);
    if (collectTrainingStats) {
      stats.logBroadcastEnd();
    }
    WorkerConfiguration configuration = new WorkerConfiguration(false, rddDataSetNumExamples,
        batchSizePerWorker, averagingFrequency, prefetchNumBatches, collectTrainingStats);
    return new DeviceBindingWorker(broadcast, saveUpdater, configuration, trainingHookList,
        listeners, getRouterProvider(), binder, bindings);
  }

  /**
   * Every binding reported so far, one per task attempt, ordered by task attempt id. DL4J runs one
   * task per worker and averaging split, so a run reports many.
   */
  public List<DeviceBinding> bindings() {
    Map<Long, DeviceBinding> byTask = new LinkedHashMap<>();
    for (DeviceBinding b : bindings.value()) {
      byTask.put(b.taskAttemptId(), b);
    }
    List<DeviceBinding> out = new ArrayList<>(byTask.values());
    out.sort(Comparator.comparingLong(DeviceBinding::taskAttemptId));
    return out;
  }
}
