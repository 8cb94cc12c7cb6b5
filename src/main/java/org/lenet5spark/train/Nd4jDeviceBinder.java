package org.lenet5spark.train;

import java.io.Serializable;
import java.util.List;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link DeviceBinder} of real runs. With ND4J's CUDA backend it binds the task's thread to
 * the first GPU address Spark assigned ({@code Nd4j.getAffinityManager().unsafeSetDevice}); with
 * the CPU backend, or when Spark assigned no GPU, it leaves the thread where it is (CPU fallback).
 * The backend and the affinity call are injected so the decision can be tested without CUDA
 * ({@link #forNd4j()} wires the real ones). Used by {@link TrainingMasters}.
 */
public final class Nd4jDeviceBinder implements DeviceBinder {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(Nd4jDeviceBinder.class);
  /** Backend name for ND4J's CPU backend. */
  public static final String CPU = "CPU";
  /** Backend name for ND4J's CUDA backend. */
  public static final String CUDA = "CUDA";

  /** Tells which ND4J backend the executor runs ("CPU" or "CUDA"). */
  @FunctionalInterface
  public interface BackendProbe extends Serializable {
    String backend();
  }

  /** Binds the current thread to a CUDA device ordinal. */
  @FunctionalInterface
  public interface AffinitySetter extends Serializable {
    void setDevice(int device);
  }

  private final BackendProbe probe;
  private final AffinitySetter setter;

  public Nd4jDeviceBinder(BackendProbe probe, AffinitySetter setter) {
    this.probe = probe;
    this.setter = setter;
  }

  /** The binder backed by ND4J itself. */
  public static Nd4jDeviceBinder forNd4j() {
    return new Nd4jDeviceBinder(Nd4jDeviceBinder::nd4jBackend,
        device -> Nd4j.getAffinityManager().unsafeSetDevice(device));
  }

  /** "CPU" or "CUDA" for the ND4J backend loaded in this JVM. */
  public static String nd4jBackend() {
    return Nd4j.getEnvironment().isCPU() ? CPU : CUDA;
  }

  @Override
  public Decision bind(List<String> gpuAddresses) {
    String backend = probe.backend();
    if (!CUDA.equals(backend)) {
      return new Decision(backend, "cpu");
    }
    if (gpuAddresses.isEmpty()) {
      return new Decision(backend, "cuda:default");
    }
    String address = gpuAddresses.get(0).trim();
    int device;
    try {
      device = Integer.parseInt(address);
    } catch (NumberFormatException e) {
      throw new IllegalStateException("Spark assigned GPU address '" + address
          + "', which is not a CUDA device ordinal; the discovery script must print ordinals");
    }
    if (gpuAddresses.size() > 1) {
      LOG.warn("task got GPU addresses {}; one DL4J worker uses one device: binding {}",
          gpuAddresses, device);
    }
    setter.setDevice(device);
    return new Decision(backend, "cuda:" + device);
  }
}
