package org.lenet5spark.model.kernels;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.weights.WeightInitUtil;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Parameters of a {@link ConvStages} layer, stage after stage, each laid out as DL4J lays out a
 * convolution layer's: the {@code nOut} biases first, then the weights (C order
 * [nOut, nIn, k, k]); weights initialised with the layer's weight initialiser and the same
 * fan-in and fan-out as DL4J's convolution layers, stage by stage.
 */
final class ConvStagesParams implements ParamInitializer {
  static final ConvStagesParams INSTANCE = new ConvStagesParams();

  private ConvStagesParams() {
  }

  private static ConvStages conf(Layer l) {
    return (ConvStages) l;
  }

  private static long[] weightShape(ConvStages c, int i) {
    return new long[] {c.filters(i), c.channels(i), c.kernelSize(i), c.kernelSize(i)};
  }

  private static long weightCount(ConvStages c, int i) {
    return (long) c.filters(i) * c.channels(i) * c.kernelSize(i) * c.kernelSize(i);
  }

  @Override
  public long numParams(NeuralNetConfiguration conf) {
    return numParams(conf.getLayer());
  }

  @Override
  public long numParams(Layer l) {
    ConvStages c = conf(l);
    long n = 0;
    for (int i = 0; i < c.stageCount(); i++) {
      n += weightCount(c, i) + c.filters(i);
    }
    return n;
  }

  /** Stage by stage, the weights' and (or) the biases' keys. */
  private static List<String> keys(Layer layer, boolean weights, boolean biases) {
    ConvStages c = conf(layer);
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < c.stageCount(); i++) {
      if (weights) {
        keys.add(c.weightKey(i));
      }
      if (biases) {
        keys.add(c.biasKey(i));
      }
    }
    return keys;
  }

  @Override
  public List<String> paramKeys(Layer layer) {
    return keys(layer, true, true);
  }

  @Override
  public List<String> weightKeys(Layer layer) {
    return keys(layer, true, false);
  }

  @Override
  public List<String> biasKeys(Layer layer) {
    return keys(layer, false, true);
  }

  @Override
  public boolean isWeightParam(Layer layer, String key) {
    return weightKeys(layer).contains(key);
  }

  @Override
  public boolean isBiasParam(Layer layer, String key) {
    return biasKeys(layer).contains(key);
  }

  @Override
  public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray view, boolean init) {
    ConvStages c = conf(conf.getLayer());
    Map<String, INDArray> params = Collections.synchronizedMap(new LinkedHashMap<>());
    long at = 0;
    for (int i = 0; i < c.stageCount(); i++) {
      long nOut = c.filters(i);
      INDArray bias = segment(view, at, at + nOut);
      INDArray weights = segment(view, at + nOut, at + nOut + weightCount(c, i));
      at += nOut + weightCount(c, i);
      long[] shape = weightShape(c, i);
      double area = (double) c.kernelSize(i) * c.kernelSize(i);
      if (init) {
        bias.assign(c.getBiasInit());
        weights = c.getWeightInitFn().init(c.channels(i) * area, nOut * area, shape, 'c',
            weights);
      } else {
        weights = WeightInitUtil.reshapeWeights(shape, weights, 'c');
      }
      params.put(c.biasKey(i), bias);
      params.put(c.weightKey(i), weights);
      conf.addVariable(c.weightKey(i));
      conf.addVariable(c.biasKey(i));
    }
    return params;
  }

  @Override
  public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf,
      INDArray view) {
    ConvStages c = conf(conf.getLayer());
    Map<String, INDArray> out = new LinkedHashMap<>();
    long at = 0;
    for (int i = 0; i < c.stageCount(); i++) {
      long nOut = c.filters(i);
      out.put(c.biasKey(i), segment(view, at, at + nOut));
      out.put(c.weightKey(i), segment(view, at + nOut, at + nOut + weightCount(c, i))
          .reshape('c', weightShape(c, i)));
      at += nOut + weightCount(c, i);
    }
    return out;
  }

  /** Elements [from, to) of a flat parameter or gradient view (rank 1, or [1, n]). */
  private static INDArray segment(INDArray view, long from, long to) {
    INDArray flat = view.rank() == 1 ? view : view.reshape(view.length());
    return flat.get(NDArrayIndex.interval(from, to));
  }
}
