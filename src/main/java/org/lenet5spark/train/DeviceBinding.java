package org.lenet5spark.train;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The record of one task's device binding, made on the executor by {@link DeviceBindingWorker}
 * and carried to the driver in a Spark accumulator: which task, on which executor, which GPU
 * addresses Spark assigned, and what {@link DeviceBinder} bound. The trainer logs these and writes
 * them to {@code run.json} under {@code "devices"}.
 *
 * @param taskAttemptId Spark's task attempt id
 * @param stageId the stage of the task
 * @param partitionId the partition (DL4J worker) the task trained
 * @param executorId the executor that ran the task
 * @param gpuAddresses the GPU addresses Spark assigned to the task (empty: none)
 * @param backend ND4J's backend on the executor
 * @param bound the device the task's thread was bound to
 */
public record DeviceBinding(long taskAttemptId, int stageId, int partitionId, String executorId,
    List<String> gpuAddresses, String backend, String bound) implements Serializable {

  public DeviceBinding {
    gpuAddresses = List.copyOf(gpuAddresses);
  }

  /** One line: "gpu address 1 assigned, backend CPU, bound cpu". */
  public String decision() {
    String assigned = gpuAddresses.isEmpty() ? "no gpu assigned"
        : (gpuAddresses.size() == 1 ? "gpu address " : "gpu addresses ")
            + String.join(",", gpuAddresses) + " assigned";
    return assigned + ", backend " + backend + ", bound " + bound;
  }

  /** The record as a JSON-friendly map (for {@code run.json}). */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("task_attempt_id", taskAttemptId);
    m.put("stage_id", stageId);
    m.put("partition_id", partitionId);
    m.put("executor_id", executorId);
    m.put("gpu_addresses", gpuAddresses);
    m.put("backend", backend);
    m.put("bound", bound);
    m.put("decision", decision());
    return m;
  }
}
