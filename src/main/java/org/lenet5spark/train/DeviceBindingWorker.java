package org.lenet5spark.train;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.util.CollectionAccumulator;
import org.deeplearning4j.core.storage.StatsStorageRouterProvider;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.spark.api.TrainingHook;
import org.deeplearning4j.spark.api.WorkerConfiguration;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingWorker;
import org.lenet5spark.compat.Dl4jWorkarounds;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DL4J's parameter-averaging worker that first binds its task's thread to the GPU Spark assigned
 * to the task ({@code TaskContext.resourcesJMap().get("gpu")}) through a {@link DeviceBinder},
 * then builds the network as DL4J does (with {@link Dl4jWorkarounds#useFlatGradientUpdater}).
 * Created on the driver by {@link DeviceBindingTrainingMaster} and shipped to the executors in the
 * task closure; every
 * binding is logged on the executor and added to a {@link CollectionAccumulator} the driver reads.
 */
public final class DeviceBindingWorker extends ParameterAveragingTrainingWorker {
  private static final long serialVersionUID = 1L;
  private static final java.util.Set<String> LOGGED =
      java.util.concurrent.ConcurrentHashMap.newKeySet();
  private static final Logger LOG = LoggerFactory.getLogger(DeviceBindingWorker.class);
  /** Spark's resource name for GPUs. */
  public static final String GPU = "gpu";

  private final DeviceBinder binder;
  private final CollectionAccumulator<DeviceBinding> bindings;

  DeviceBindingWorker(Broadcast<NetBroadcastTuple> broadcast, boolean saveUpdater,
      WorkerConfiguration configuration, Collection<TrainingHook> hooks,
      Collection<TrainingListener> listeners, StatsStorageRouterProvider routerProvider,
      DeviceBinder binder, CollectionAccumulator<DeviceBinding> bindings) {
    super(broadcast, saveUpdater, configuration, hooks, listeners, routerProvider);
    this.binder = binder;
    this.bindings = bindings;
  }

  @Override
  public MultiLayerNetwork getInitialModel() {
    bindCurrentTask();
    MultiLayerNetwork net = super.getInitialModel();
    Dl4jWorkarounds.useFlatGradientUpdater(net);
    return net;
  }

  @Override
  public ComputationGraph getInitialModelGraph() {
    bindCurrentTask();
    return super.getInitialModelGraph();
  }

  private void bindCurrentTask() {
    TaskContext task = TaskContext.get();
    if (task == null) {
      throw new IllegalStateException("DL4J worker started outside a Spark task");
    }
    List<String> addresses = gpuAddresses(task.resourcesJMap());
    DeviceBinder.Decision d = binder.bind(addresses);
    SparkEnv env = SparkEnv.get();
    DeviceBinding b = new DeviceBinding(task.taskAttemptId(), task.stageId(),
        task.partitionId(), env == null ? "unknown" : env.executorId(), addresses, d.backend(),
        d.bound());
    // Every binding goes to devices.jsonl; the log gets each decision once per executor JVM.
    if (LOGGED.add(b.decision())) {
      LOG.info("task {} (partition {}) on executor {}: {}", b.taskAttemptId(), b.partitionId(),
          b.executorId(), b.decision());
    } else {
      LOG.debug("task {} (partition {}) on executor {}: {}", b.taskAttemptId(),
          b.partitionId(), b.executorId(), b.decision());
    }
    bindings.add(b);
  }

  /** The GPU addresses among a task's resources (empty when the task has none). */
  static List<String> gpuAddresses(Map<String, ResourceInformation> resources) {
    ResourceInformation gpu = resources == null ? null : resources.get(GPU);
    return gpu == null ? List.of() : List.of(gpu.addresses());
  }
}
