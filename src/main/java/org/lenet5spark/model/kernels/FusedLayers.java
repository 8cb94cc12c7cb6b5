package org.lenet5spark.model.kernels;

import java.util.Collection;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What the fused layers have in common: the checks made when DL4J instantiates them (float32,
 * ND4J's CPU backend, ReLU or tanh), the wiring of a runtime layer to its parameters, and how a
 * minibatch is cut into one slice per kernel thread.
 */
final class FusedLayers {
  private FusedLayers() {
  }

  /** True for ReLU, false for tanh; anything else is refused. */
  static boolean relu(IActivation a, String layerName) {
    if (a instanceof ActivationReLU r && r.equals(new ActivationReLU())) {
      return true;
    }
    if (a instanceof ActivationTanH) {
      return false;
    }
    throw new IllegalStateException("layer '" + layerName
        + "': the fused kernels support ReLU and tanh activations, not " + a);
  }

  /** Refuses anything but float32 on ND4J's CPU backend. */
  static void requireCpuFloat(DataType dataType, String layerName) {
    if (dataType != DataType.FLOAT || !Nd4j.getEnvironment().isCPU()) {
      throw new IllegalStateException("layer '" + layerName + "': the fused kernels run on the "
          + "CPU in float32 (network " + dataType + ", backend "
          + (Nd4j.getEnvironment().isCPU() ? "CPU" : "not CPU")
          + "); use --kernels stock (or auto) on GPUs");
    }
  }

  /** Connects a new runtime layer to its listeners, index and parameter view, as DL4J does. */
  static <L extends BaseLayer<?>> L wire(L layer, NeuralNetConfiguration conf,
      Collection<TrainingListener> listeners, int index, INDArray view, boolean initialize,
      ParamInitializer params) {
    layer.setListeners(listeners);
    layer.setIndex(index);
    layer.setParamsViewArray(view);
    layer.setParamTable(params.init(conf, view, initialize));
    layer.setConf(conf);
    return layer;
  }

  /** Slices a layer call cuts a minibatch of {@code n} examples into. */
  static int threads(int n) {
    return Math.max(1, Math.min(KernelThreads.count(), n));
  }

  /** First example of slice {@code i} of {@code parts}. */
  static int sliceStart(int n, int parts, int i) {
    return (int) ((long) n * i / parts);
  }
}
