package org.lenet5spark.model;

import java.util.Locale;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.lenet5spark.compat.Dl4jWorkarounds;
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.model.kernels.ConvStagesLayer;
import org.lenet5spark.model.kernels.FusedDenseLayer;
import org.lenet5spark.model.kernels.FusedOutputLayer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * LeNet-5 as a pure factory (no Spark, no I/O): 28x28 input padded by 2 (as LeCun's 32x32), then
 * C1 6@5x5, S2 2x2, C3 16@5x5, S4 2x2, F5 120, F6 84, output 10 (softmax, cross-entropy): 61,706
 * parameters. Two variants: {@link Variant#MODERN} (ReLU, max pooling; the default) and
 * {@link Variant#CLASSIC} (tanh, average pooling as LeCun et al. 1998's subsampling; C3 is fully
 * connected to S2 and the output is softmax rather than the paper's RBF units). Two ways to compute
 * the convolution stages ({@link Kernels}): the project's fused Java kernels (default) or DL4J's
 * stock layers; both have the same parameters in the same order.
 */
public final class LeNet5 {
  /** Input height and width. */
  public static final int SIZE = 28;
  /** Number of classes. */
  public static final int CLASSES = 10;
  /** Layer names of the stock network, in order (checkpoints and reports refer to them). */
  public static final String[] LAYER_NAMES = {"c1", "s2", "c3", "s4", "f5", "f6", "output"};
  /** Layer names of the fused network, in order. */
  public static final String[] FUSED_LAYER_NAMES = {"c1s2c3s4", "f5", "f6", "output"};

  private LeNet5() {
  }

  /** The two architectures. */
  public enum Variant {
    /** ReLU and max pooling. */
    MODERN,
    /** tanh and average pooling. */
    CLASSIC;

    /** Parses a variant name (case-insensitive). */
    public static Variant parse(String value) {
      try {
        return valueOf(value.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new BadInputException("unknown model variant '" + value
            + "' (expected modern or classic)");
      }
    }
  }

  /** How the two convolution + pooling stages are computed. */
  public enum Kernels {
    /**
     * One {@link ConvStagesLayer} for C1-S2 and C3-S4 (convolution, bias, activation and
     * pooling of both stages in this project's Java kernels), {@link FusedDenseLayer}s for F5 and
     * F6 and a {@link FusedOutputLayer}; the default on the CPU.
     */
    FUSED,
    /** DL4J's own ConvolutionLayer, SubsamplingLayer and DenseLayer (oneDNN where available). */
    STOCK;

    /**
     * Parses a kernels name (case-insensitive); "auto" is {@link #FUSED} on ND4J's CPU backend
     * and {@link #STOCK} on any other (CUDA: cuDNN computes the stock layers on the GPU, while
     * the fused kernels are Java code that runs on the CPU).
     */
    public static Kernels parse(String value) {
      if (value.equalsIgnoreCase("auto")) {
        return Nd4j.getEnvironment().isCPU() ? FUSED : STOCK;
      }
      try {
        return valueOf(value.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new BadInputException("unknown kernels '" + value
            + "' (expected auto, fused or stock)");
      }
    }
  }

  /** The network configuration with the default (fused) kernels. */
  public static MultiLayerConfiguration configuration(Variant variant, long seed,
      IUpdater updater, double l2) {
    return configuration(variant, Kernels.FUSED, seed, updater, l2);
  }

  /** The network configuration. */
  public static MultiLayerConfiguration configuration(Variant variant, Kernels kernels,
      long seed, IUpdater updater, double l2) {
    Activation act = variant == Variant.MODERN ? Activation.RELU : Activation.TANH;
    PoolingType pool = variant == Variant.MODERN ? PoolingType.MAX : PoolingType.AVG;
    WeightInit init = variant == Variant.MODERN ? WeightInit.RELU : WeightInit.XAVIER;
    NeuralNetConfiguration.Builder b = new NeuralNetConfiguration.Builder()
        .seed(seed)
        .dataType(DataType.FLOAT)
        .updater(updater)
        .weightInit(init);
    if (l2 > 0) {
      b.l2(l2);
    }
    NeuralNetConfiguration.ListBuilder layers = b.list();
    if (kernels == Kernels.FUSED) {
      boolean max = variant == Variant.MODERN;
      layers.layer(new ConvStagesLayer.Builder().name("c1s2c3s4").nIn(1).stage(6, 5, 2)
          .stage(16, 5, 0).maxPooling(max).inputGradient(false).activation(act).build());
    } else {
      layers.layer(new ConvolutionLayer.Builder(5, 5).name("c1").nIn(1).nOut(6)
              .stride(1, 1).padding(2, 2).activation(act).build())
          .layer(new SubsamplingLayer.Builder(pool).name("s2").kernelSize(2, 2).stride(2, 2)
              .build())
          .layer(new ConvolutionLayer.Builder(5, 5).name("c3").nOut(16).stride(1, 1)
              .activation(act).build())
          .layer(new SubsamplingLayer.Builder(pool).name("s4").kernelSize(2, 2).stride(2, 2)
              .build());
    }
    return layers
        .layer(kernels == Kernels.FUSED
            ? new FusedDenseLayer.Builder().name("f5").nOut(120).activation(act).build()
            : new DenseLayer.Builder().name("f5").nOut(120).activation(act).build())
        .layer(kernels == Kernels.FUSED
            ? new FusedDenseLayer.Builder().name("f6").nOut(84).activation(act).build()
            : new DenseLayer.Builder().name("f6").nOut(84).activation(act).build())
        .layer(kernels == Kernels.FUSED
            ? new FusedOutputLayer.Builder().name("output").nOut(CLASSES)
                .weightInit(WeightInit.XAVIER).build()
            : new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("output")
                .nOut(CLASSES).activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build())
        .setInputType(InputType.convolutional(SIZE, SIZE, 1))
        .build();
  }

  /** A new, initialised network with the default (fused) kernels. */
  public static MultiLayerNetwork build(Variant variant, long seed, IUpdater updater, double l2) {
    return build(variant, Kernels.FUSED, seed, updater, l2);
  }

  /**
   * A new, initialised network, with DL4J's updater replaced by
   * {@link Dl4jWorkarounds#useFlatGradientUpdater its fixed version}.
   */
  public static MultiLayerNetwork build(Variant variant, Kernels kernels, long seed,
      IUpdater updater, double l2) {
    MultiLayerNetwork net = new MultiLayerNetwork(configuration(variant, kernels, seed, updater,
        l2));
    net.init();
    Dl4jWorkarounds.useFlatGradientUpdater(net);
    return net;
  }
}
