package org.lenet5spark.model.kernels;

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
 * Parameters of a {@link ConvPoolLayer}, laid out as DL4J lays out a convolution layer's: the
 * {@code nOut} biases ("b") first, then the weights ("W", C order [nOut, nIn, k, k]); weights
 * initialised with the layer's weight initialiser and the same fan-in and fan-out as DL4J's
 * convolution layers.
 */
final class ConvPoolParams implements ParamInitializer {
  static final ConvPoolParams INSTANCE = new ConvPoolParams();
  static final String WEIGHTS = "W";
  static final String BIAS = "b";

  private ConvPoolParams() {
  }

  private static ConvPoolLayer conf(Layer l) {
    return (ConvPoolLayer) l;
  }

  private static long[] weightShape(ConvPoolLayer c) {
    return new long[] {c.getNOut(), c.getNIn(), c.getKernelSize(), c.getKernelSize()};
  }

  @Override
  public long numParams(NeuralNetConfiguration conf) {
    return numParams(conf.getLayer());
  }

  @Override
  public long numParams(Layer l) {
    ConvPoolLayer c = conf(l);
    return c.getNOut() * c.getNIn() * c.getKernelSize() * c.getKernelSize() + c.getNOut();
  }

  @Override
  public List<String> paramKeys(Layer layer) {
    return List.of(WEIGHTS, BIAS);
  }

  @Override
  public List<String> weightKeys(Layer layer) {
    return Collections.singletonList(WEIGHTS);
  }

  @Override
  public List<String> biasKeys(Layer layer) {
    return Collections.singletonList(BIAS);
  }

  @Override
  public boolean isWeightParam(Layer layer, String key) {
    return WEIGHTS.equals(key);
  }

  @Override
  public boolean isBiasParam(Layer layer, String key) {
    return BIAS.equals(key);
  }

  @Override
  public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray view, boolean init) {
    ConvPoolLayer c = conf(conf.getLayer());
    long nOut = c.getNOut();
    INDArray bias = segment(view, 0, nOut);
    INDArray weights = segment(view, nOut, numParams(c));
    long[] shape = weightShape(c);
    double area = (double) c.getKernelSize() * c.getKernelSize();
    if (init) {
      bias.assign(c.getBiasInit());
      weights = c.getWeightInitFn().init(c.getNIn() * area, nOut * area, shape, 'c', weights);
    } else {
      weights = WeightInitUtil.reshapeWeights(shape, weights, 'c');
    }
    Map<String, INDArray> params = Collections.synchronizedMap(new LinkedHashMap<>());
    params.put(BIAS, bias);
    params.put(WEIGHTS, weights);
    conf.addVariable(WEIGHTS);
    conf.addVariable(BIAS);
    return params;
  }

  @Override
  public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf,
      INDArray view) {
    ConvPoolLayer c = conf(conf.getLayer());
    long nOut = c.getNOut();
    Map<String, INDArray> out = new LinkedHashMap<>();
    out.put(BIAS, segment(view, 0, nOut));
    out.put(WEIGHTS, segment(view, nOut, numParams(c)).reshape('c', weightShape(c)));
    return out;
  }

  /** Elements [from, to) of a flat parameter or gradient view (rank 1, or [1, n]). */
  private static INDArray segment(INDArray view, long from, long to) {
    INDArray flat = view.rank() == 1 ? view : view.reshape(view.length());
    return flat.get(NDArrayIndex.interval(from, to));
  }
}
