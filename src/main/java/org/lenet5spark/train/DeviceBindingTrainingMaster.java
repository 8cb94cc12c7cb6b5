package org.lenet5spark.train;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.resource.ResourceProfile;
import org.apache.spark.util.CollectionAccumulator;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.WorkerConfiguration;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingResult;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingWorker;

/**
 * DL4J's {@link ParameterAveragingTrainingMaster} whose workers are {@link DeviceBindingWorker}s:
 * each worker binds its Spark task to the GPU Spark assigned before it builds its network.
 * With stage-level GPU scheduling ({@link org.lenet5spark.spark.StageResources}) it also gives
 * each averaging round's training stage the GPU task profile: DL4J hands every round's worker
 * results to {@link #processResults}, which aggregates them; the profile is attached to that RDD
 * of results, so it applies to the stage that runs the workers (after any repartitioning DL4J
 * did, with either training approach) and to no other stage.
 * Built only by {@link TrainingMasters#create}; runs on the driver, where it also collects the
 * bindings the workers report ({@link #bindings()}).
 */
public final class DeviceBindingTrainingMaster extends ParameterAveragingTrainingMaster {
  private static final long serialVersionUID = 1L;

  private final DeviceBinder binder;
  private final CollectionAccumulator<DeviceBinding> bindings;
  private final transient ResourceProfile gpuProfile;

  /** @param gpuProfile the task profile of the training stages, null for the default one */
  DeviceBindingTrainingMaster(Builder builder, JavaSparkContext sc, DeviceBinder binder,
      ResourceProfile gpuProfile) {
    super(builder);
    this.binder = binder;
    this.bindings = sc.sc().collectionAccumulator("lenet5.deviceBindings");
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
