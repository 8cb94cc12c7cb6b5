package org.lenet5spark.train;

import java.io.Serializable;
import java.util.List;

/**
 * Binds the calling thread (a Spark task training one DL4J worker) to the compute device Spark
 * assigned to the task. Runs on the executors inside {@link DeviceBindingWorker#getInitialModel()},
 * before the worker builds its network, so every array of the worker lives on that device.
 * Implementations travel inside the task closure and must be serializable.
 */
public interface DeviceBinder extends Serializable {

  /**
   * Binds the current thread for a task that Spark gave the GPU addresses {@code gpuAddresses}
   * (empty when the task has no GPU) and says what was decided.
   *
   * @return the decision: backend, device bound
   */
  Decision bind(List<String> gpuAddresses);

  /**
   * What a binder decided for one task.
   *
   * @param backend ND4J's backend as seen by the binder ("CPU" or "CUDA")
   * @param bound the device the thread now uses: "cpu", "cuda:N", or "cuda:default" when a CUDA
   *     backend got no address from Spark
   */
  record Decision(String backend, String bound) implements Serializable {
  }
}
