package org.lenet5spark.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.model.kernels.ConvStages;
import org.lenet5spark.model.kernels.ConvStagesLayer;
import org.lenet5spark.model.kernels.FusedAdam;
import org.lenet5spark.model.kernels.FusedDenseLayer;
import org.lenet5spark.model.kernels.FusedOutputLayer;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * The two forms of one LeNet-5 network and the one place that converts between them.
 *
 * <ul>
 *   <li>The <b>portable</b> form is DL4J's stock LeNet-5 ({@code ConvolutionLayer} c1,
 *       {@code SubsamplingLayer} s2, {@code ConvolutionLayer} c3, {@code SubsamplingLayer} s4,
 *       {@code DenseLayer} f5 and f6, {@code OutputLayer}) with DL4J's {@link Adam}: what every
 *       {@code model.zip} holds, so that DL4J alone restores it on either ND4J backend.</li>
 *   <li>The <b>fused</b> form ({@link LeNet5.Kernels#FUSED}) computes the same network with this
 *       project's CPU kernels: one {@link ConvStagesLayer} for C1-S2-C3-S4,
 *       {@link FusedDenseLayer}s, a {@link FusedOutputLayer} and {@link FusedAdam} for Adam. It is
 *       a way of executing the portable configuration, chosen when a model is built or loaded
 *       ({@code --kernels}), never something a saved file depends on.</li>
 * </ul>
 *
 * Both forms have the same flat parameter vector (each stage's biases then weights, as DL4J's
 * convolution layers; then the dense layers' weights and biases) and, since every layer has the
 * same updater, one updater block whose state is laid out the same way (all first moments, then
 * all second moments). A conversion therefore changes only the configuration: parameters and
 * updater state carry over as they are, and so do the iteration and epoch counts and every
 * per-layer setting (activation, weight initialisation, regularisation, updater
 * hyper-parameters and learning-rate schedule, dropout, gradient normalisation). Configurations
 * written by earlier versions (fused layer classes: one {@link ConvStagesLayer}, or a
 * {@code ConvPoolLayer} per stage) convert too. A configuration that is not LeNet-5-shaped is
 * refused with {@link BadInputException}.
 */
public final class ModelForms {
  private static final String PROJECT_PACKAGE = "org.lenet5spark.";

  private ModelForms() {
  }

  /** Whether {@code conf} names no class of this project (layers, updaters). */
  public static boolean isPortable(MultiLayerConfiguration conf) {
    for (NeuralNetConfiguration c : conf.getConfs()) {
      Layer l = c.getLayer();
      if (l.getClass().getName().startsWith(PROJECT_PACKAGE)) {
        return false;
      }
      if (l instanceof BaseLayer b && (isProjects(b.getIUpdater())
          || isProjects(b.getBiasUpdater()))) {
        return false;
      }
    }
    return true;
  }

  private static boolean isProjects(Object o) {
    return o != null && o.getClass().getName().startsWith(PROJECT_PACKAGE);
  }

  /** The kernels a configuration executes with as it is. */
  public static LeNet5.Kernels kernelsOf(MultiLayerConfiguration conf) {
    return isPortable(conf) ? LeNet5.Kernels.STOCK : LeNet5.Kernels.FUSED;
  }

  /** The configuration that executes {@code conf}'s network with {@code kernels}. */
  public static MultiLayerConfiguration forKernels(MultiLayerConfiguration conf,
      LeNet5.Kernels kernels) {
    MultiLayerConfiguration portable = portable(conf);
    return kernels == LeNet5.Kernels.STOCK ? portable : fused(portable);
  }

  /**
   * The portable (stock DL4J) form of {@code conf}; {@code conf} itself (not a copy) when it is
   * portable already.
   */
  public static MultiLayerConfiguration portable(MultiLayerConfiguration conf) {
    if (isPortable(conf)) {
      return conf;
    }
    List<Layer> layers = new ArrayList<>();
    List<Integer> from = new ArrayList<>();
    for (int i = 0; i < conf.getConfs().size(); i++) {
      Layer l = conf.getConf(i).getLayer();
      if (l instanceof ConvStages s) {
        for (int k = 0; k < s.stageCount(); k++) {
          String[] names = stageNames(s, k);
          ConvolutionLayer c = new ConvolutionLayer.Builder(s.kernelSize(k), s.kernelSize(k))
              .name(names[0]).nIn(s.channels(k)).nOut(s.filters(k)).stride(1, 1)
              .padding(s.padding(k), s.padding(k)).build();
          copyBaseLayer(s, c, false);
          layers.add(c);
          from.add(i);
          layers.add(new SubsamplingLayer.Builder(s.isMaxPooling() ? PoolingType.MAX
              : PoolingType.AVG).name(names[1]).kernelSize(2, 2).stride(2, 2).build());
          from.add(i);
        }
      } else if (l instanceof FusedDenseLayer d) {
        DenseLayer out = new DenseLayer.Builder().name(d.getLayerName()).nIn(d.getNIn())
            .nOut(d.getNOut()).build();
        copyBaseLayer(d, out, false);
        layers.add(out);
        from.add(i);
      } else if (l instanceof FusedOutputLayer o) {
        OutputLayer out = new OutputLayer.Builder(o.getLossFn()).name(o.getLayerName())
            .nIn(o.getNIn()).nOut(o.getNOut()).hasBias(o.hasBias()).build();
        copyBaseLayer(o, out, false);
        layers.add(out);
        from.add(i);
      } else if (l.getClass().getName().startsWith(PROJECT_PACKAGE)) {
        throw new BadInputException("model layer '" + l.getLayerName() + "' is a "
            + l.getClass().getSimpleName() + ", which has no stock DL4J form");
      } else {
        Layer copy = l.clone();
        if (copy instanceof BaseLayer b) {
          copyBaseLayer((BaseLayer) l, b, false);
        }
        layers.add(copy);
        from.add(i);
      }
    }
    return rebuild(conf, layers, from);
  }

  /** Stock names of stage {@code k} of a fused layer ("c1", "s2" for LeNet-5's first). */
  private static String[] stageNames(ConvStages s, int k) {
    String name = s.getLayerName();
    if (s instanceof ConvStagesLayer && name != null && name.length() == 4 * s.stageCount()) {
      // "c1s2c3s4": four characters per stage
      return new String[] {name.substring(4 * k, 4 * k + 2), name.substring(4 * k + 2,
          4 * k + 4)};
    }
    if (s.stageCount() == 1 && name != null && name.length() == 4) {
      // a legacy per-stage layer: "c1s2", "c3s4"
      return new String[] {name.substring(0, 2), name.substring(2)};
    }
    return new String[] {name + "-conv" + k, name + "-pool" + k};
  }

  /**
   * The fused form of a portable configuration: each convolution + 2x2 pooling pair becomes a
   * stage of one {@link ConvStagesLayer}, dense layers {@link FusedDenseLayer}s, the output layer
   * a {@link FusedOutputLayer}, and Adam {@link FusedAdam}. Refused unless every layer is one the
   * fused kernels compute.
   */
  static MultiLayerConfiguration fused(MultiLayerConfiguration portable) {
    List<Layer> layers = new ArrayList<>();
    List<Integer> from = new ArrayList<>();
    int n = portable.getConfs().size();
    int i = 0;
    ConvStagesLayer.Builder stages = null;
    ConvolutionLayer firstConv = null;
    PoolingType pooling = null;
    StringBuilder name = new StringBuilder();
    while (i + 1 < n && portable.getConf(i).getLayer() instanceof ConvolutionLayer c
        && portable.getConf(i + 1).getLayer() instanceof SubsamplingLayer p) {
      requireFusable(c, p);
      if (firstConv == null) {
        firstConv = c;
        pooling = p.getPoolingType();
        stages = new ConvStagesLayer.Builder().nIn(c.getNIn())
            .maxPooling(pooling == PoolingType.MAX).inputGradient(i != 0);
      } else if (p.getPoolingType() != pooling
          || !Objects.equals(c.getActivationFn(), firstConv.getActivationFn())) {
        throw notFusable(c, "its stages differ in pooling or activation");
      }
      stages.stage((int) c.getNOut(), c.getKernelSize()[0], c.getPadding()[0]);
      name.append(c.getLayerName()).append(p.getLayerName());
      i += 2;
    }
    if (stages == null) {
      throw new BadInputException("the model does not start with a convolution and a pooling "
          + "layer: the fused kernels cannot compute it (use --kernels stock)");
    }
    ConvStagesLayer conv = stages.name(name.toString()).build();
    copyBaseLayer(firstConv, conv, true);
    layers.add(conv);
    from.add(0);
    for (; i < n; i++) {
      Layer l = portable.getConf(i).getLayer();
      if (l.getClass() == DenseLayer.class && ((DenseLayer) l).hasBias()
          && !((DenseLayer) l).hasLayerNorm()) {
        DenseLayer d = (DenseLayer) l;
        FusedDenseLayer out = new FusedDenseLayer.Builder().name(d.getLayerName())
            .nIn(d.getNIn()).nOut(d.getNOut()).build();
        copyBaseLayer(d, out, true);
        layers.add(out);
      } else if (l.getClass() == OutputLayer.class && i == n - 1) {
        OutputLayer o = (OutputLayer) l;
        FusedOutputLayer.Builder ob = new FusedOutputLayer.Builder();
        ob.name(o.getLayerName()).nIn(o.getNIn()).nOut(o.getNOut());
        ob.lossFunction(o.getLossFn()).hasBias(o.hasBias());
        FusedOutputLayer out = ob.build();
        copyBaseLayer(o, out, true);
        layers.add(out);
      } else {
        throw notFusable(l, "the fused kernels compute no such layer here");
      }
      from.add(i);
    }
    return rebuild(portable, layers, from);
  }

  private static void requireFusable(ConvolutionLayer c, SubsamplingLayer p) {
    int[] k = c.getKernelSize();
    boolean ok = k[0] == k[1] && Arrays.equals(c.getStride(), new int[] {1, 1})
        && c.getPadding()[0] == c.getPadding()[1]
        && Arrays.equals(c.getDilation(), new int[] {1, 1}) && c.hasBias()
        && c.getConvolutionMode() == ConvolutionMode.Truncate
        && Arrays.equals(p.getKernelSize(), new int[] {2, 2})
        && Arrays.equals(p.getStride(), new int[] {2, 2})
        && Arrays.equals(p.getPadding(), new int[] {0, 0})
        && (p.getPoolingType() == PoolingType.MAX || p.getPoolingType() == PoolingType.AVG);
    if (!ok) {
      throw notFusable(c, "only square stride-1 convolutions with a bias followed by 2x2 "
          + "max or average pooling with stride 2 are fused");
    }
  }

  private static BadInputException notFusable(Layer l, String why) {
    return new BadInputException("model layer '" + l.getLayerName() + "' ("
        + l.getClass().getSimpleName() + ") cannot run with the fused kernels: " + why
        + " (use --kernels stock)");
  }

  /**
   * Copies everything a layer's training depends on from {@code src} to {@code dst}; the
   * updaters become {@link FusedAdam} ({@code fused}) or DL4J's {@link Adam} when they are Adam.
   */
  private static void copyBaseLayer(BaseLayer src, BaseLayer dst, boolean fused) {
    dst.setActivationFn(src.getActivationFn());
    dst.setWeightInitFn(src.getWeightInitFn());
    dst.setBiasInit(src.getBiasInit());
    dst.setGainInit(src.getGainInit());
    dst.setRegularization(src.getRegularization() == null ? null
        : new ArrayList<>(src.getRegularization()));
    dst.setRegularizationBias(src.getRegularizationBias() == null ? null
        : new ArrayList<>(src.getRegularizationBias()));
    dst.setIUpdater(updater(src.getIUpdater(), fused));
    dst.setBiasUpdater(updater(src.getBiasUpdater(), fused));
    dst.setWeightNoise(src.getWeightNoise());
    dst.setGradientNormalization(src.getGradientNormalization());
    dst.setGradientNormalizationThreshold(src.getGradientNormalizationThreshold());
    dst.setIDropout(src.getIDropout());
    dst.setConstraints(src.getConstraints());
  }

  /** Adam as {@link FusedAdam} or as DL4J's {@link Adam}: same hyper-parameters and schedule. */
  static IUpdater updater(IUpdater u, boolean fused) {
    if (!(u instanceof Adam a)) {
      return u == null ? null : u.clone();
    }
    Adam out = fused ? new FusedAdam(a.getLearningRate(), a.getBeta1(), a.getBeta2(),
        a.getEpsilon()) : new Adam(a.getLearningRate(), a.getBeta1(), a.getBeta2(),
        a.getEpsilon());
    out.setLearningRateSchedule(a.getLearningRateSchedule() == null ? null
        : a.getLearningRateSchedule().clone());
    return out;
  }

  /**
   * A configuration with {@code src}'s network-wide settings and counts and the given layers
   * ({@code from.get(j)}: the index in {@code src} of the layer that new layer {@code j} comes
   * from), with DL4J's input type inference for LeNet-5's 28x28 single-channel input. Refused
   * when the result does not have {@code src}'s number of parameters.
   */
  private static MultiLayerConfiguration rebuild(MultiLayerConfiguration src, List<Layer> layers,
      List<Integer> from) {
    NeuralNetConfiguration g = src.getConf(0);
    NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder()
        .seed(g.getSeed())
        .dataType(src.getDataType())
        .miniBatch(g.isMiniBatch())
        .minimize(g.isMinimize())
        .optimizationAlgo(g.getOptimizationAlgo())
        .stepFunction(g.getStepFunction())
        .maxNumLineSearchIterations(g.getMaxNumLineSearchIterations())
        .cacheMode(src.getCacheMode())
        .trainingWorkspaceMode(src.getTrainingWorkspaceMode())
        .inferenceWorkspaceMode(src.getInferenceWorkspaceMode())
        .list();
    for (Layer l : layers) {
      b.layer(l);
    }
    MultiLayerConfiguration out = b
        .setInputType(InputType.convolutional(LeNet5.SIZE, LeNet5.SIZE, 1))
        .backpropType(src.getBackpropType())
        .tBPTTForwardLength(src.getTbpttFwdLength())
        .tBPTTBackwardLength(src.getTbpttBackLength())
        .validateOutputLayerConfig(src.isValidateOutputLayerConfig())
        .build();
    out.setIterationCount(src.getIterationCount());
    out.setEpochCount(src.getEpochCount());
    for (int j = 0; j < layers.size(); j++) {
      NeuralNetConfiguration s = src.getConf(from.get(j));
      NeuralNetConfiguration t = out.getConf(j);
      t.setIterationCount(s.getIterationCount());
      t.setEpochCount(s.getEpochCount());
    }
    long before = numParams(src);
    long after = numParams(out);
    if (before != after) {
      throw new BadInputException("the model's configuration has " + before
          + " parameters, its converted form " + after + ": not a LeNet-5 this job converts");
    }
    return out;
  }

  /** Parameters of a configuration, from its layers' parameter initialisers. */
  static long numParams(MultiLayerConfiguration conf) {
    long n = 0;
    for (NeuralNetConfiguration c : conf.getConfs()) {
      n += c.getLayer().initializer().numParams(c);
    }
    return n;
  }
}
