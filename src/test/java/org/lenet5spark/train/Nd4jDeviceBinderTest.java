package org.lenet5spark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Test;

/**
 * The binder's decision without CUDA: a fake backend probe and a fake affinity setter stand in
 * for ND4J, so the CUDA path (bind the Spark-assigned ordinal) and the CPU fallbacks are both
 * checked here; the real binder is exercised on executors by LocalClusterGpuBindingIT.
 */
class Nd4jDeviceBinderTest {
  /** Devices the fake setter was asked for (static: the binder holds a serializable lambda). */
  private static final List<Integer> SET = new ArrayList<>();

  private static Nd4jDeviceBinder binder(String backend) {
    SET.clear();
    return new Nd4jDeviceBinder(() -> backend, SET::add);
  }

  @Test
  void cudaBackendBindsTheAssignedAddress() {
    DeviceBinder.Decision d = binder(Nd4jDeviceBinder.CUDA).bind(List.of("1"));
    assertEquals(new DeviceBinder.Decision("CUDA", "cuda:1"), d);
    assertEquals(List.of(1), SET);
  }

  @Test
  void cudaBackendWithSeveralAddressesBindsTheFirst() {
    DeviceBinder.Decision d = binder(Nd4jDeviceBinder.CUDA).bind(List.of("3", "2"));
    assertEquals("cuda:3", d.bound());
    assertEquals(List.of(3), SET);
  }

  @Test
  void cudaBackendWithoutAssignmentKeepsTheDefaultDevice() {
    assertEquals("cuda:default", binder(Nd4jDeviceBinder.CUDA).bind(List.of()).bound());
    assertTrue(SET.isEmpty());
  }

  @Test
  void cpuBackendFallsBackToCpuWhateverSparkAssigned() {
    assertEquals(new DeviceBinder.Decision("CPU", "cpu"),
        binder(Nd4jDeviceBinder.CPU).bind(List.of("0")));
    assertEquals("cpu", binder(Nd4jDeviceBinder.CPU).bind(List.of()).bound());
    assertTrue(SET.isEmpty());
  }

  @Test
  void nonOrdinalAddressIsRefused() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> binder(Nd4jDeviceBinder.CUDA).bind(List.of("GPU-8f2c")));
    assertTrue(e.getMessage().contains("GPU-8f2c"), e.getMessage());
    assertTrue(SET.isEmpty());
  }

  @Test
  void realBackendOfThisMachineIsCpu() {
    assertEquals(Nd4jDeviceBinder.CPU, Nd4jDeviceBinder.nd4jBackend());
    assertEquals("cpu", Nd4jDeviceBinder.forNd4j().bind(List.of("0")).bound());
  }

  @Test
  void bindingRecordDescribesTheDecision() {
    DeviceBinding b = new DeviceBinding(7, 1, 0, "1", List.of("1"), "CPU", "cpu");
    assertEquals("gpu address 1 assigned, backend CPU, bound cpu", b.decision());
    assertEquals("no gpu assigned, backend CUDA, bound cuda:default",
        new DeviceBinding(8, 1, 1, "0", List.of(), "CUDA", "cuda:default").decision());
    assertEquals(List.of("1"), b.toMap().get("gpu_addresses"));
  }

  @Test
  void gpuAddressesComeFromTheTaskResources() {
    ResourceInformation gpu = new ResourceInformation("gpu", new String[] {"1"});
    assertEquals(List.of("1"), DeviceBindingWorker.gpuAddresses(Map.of("gpu", gpu)));
    assertEquals(List.of(), DeviceBindingWorker.gpuAddresses(Map.of()));
  }
}
