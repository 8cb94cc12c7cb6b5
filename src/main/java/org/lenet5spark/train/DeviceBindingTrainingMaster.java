package org.lenet5spark.train;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.CollectionAccumulator;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.WorkerConfiguration;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingWorker;

/**
 * DL4J's {@link ParameterAveragingTrainingMaster} whose workers are {@link DeviceBindingWorker}s:
 * each worker binds its Spark task to the GPU Spark assigned before it builds its network.
 * Built only by {@link TrainingMasters#create}; runs on the driver, where it also collects the
 * bindings the workers report ({@link #bindings()}).
 */
public final class DeviceBindingTrainingMaster extends ParameterAveragingTrainingMaster {
  private static final long serialVersionUID = 1L;

  private final DeviceBinder binder;
  private final CollectionAccumulator<DeviceBinding> bindings;

  DeviceBindingTrainingMaster(Builder builder, JavaSparkContext sc, DeviceBinder binder) {
    super(builder);
    this.binder = binder;
    this.bindings = sc.sc().collectionAccumulator("lenet5.deviceBindings");
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
