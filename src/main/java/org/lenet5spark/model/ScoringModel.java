package org.lenet5spark.model;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.lenet5spark.compat.Dl4jWorkarounds;
import org.lenet5spark.io.Checksums;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one inference core of the job: the forward pass of a {@code model.zip} on minibatches of
 * normalised 28x28 images, giving the softmax probabilities. A model is deserialised once per JVM
 * (a Spark executor, or the driver) and kept in a small cache keyed by the SHA-256 of its bytes
 * and the kernels, so the tasks of a {@code transform}, a distributed {@code evaluate} or
 * {@code predict --engine spark} that run in the same executor share it: one load per executor,
 * not per task or row ({@link #loadsInThisJvm} counts them). DL4J networks are not thread-safe,
 * so concurrent tasks of one executor each borrow a network from a pool of clones of the loaded
 * one (a clone copies the parameters; nothing is read or parsed again). Used by
 * {@code predict.Predictor}, {@code eval.DistributedEvaluator} and {@code ml}.
 */
public final class ScoringModel {
  private static final Logger LOG = LoggerFactory.getLogger(ScoringModel.class);
  /** Models kept per JVM (least recently used dropped first). */
  static final int CACHE_SIZE = 4;
  private static final AtomicLong LOADS = new AtomicLong();
  private static final Map<String, ScoringModel> CACHE =
      new LinkedHashMap<>(CACHE_SIZE, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ScoringModel> eldest) {
          return size() > CACHE_SIZE;
        }
      };

  private final String key;
  private final MultiLayerNetwork template;
  private final DataNormalization normalizer;
  private final Queue<MultiLayerNetwork> idle = new ConcurrentLinkedQueue<>();

  private ScoringModel(String key, ModelStore.Loaded loaded) {
    this.key = key;
    this.template = loaded.network();
    this.normalizer = loaded.normalizer();
    idle.add(template);
  }

  /**
   * The model of {@code modelZip} run with {@code kernels}, deserialised on the first call in
   * this JVM and cached. A corrupt or foreign file is bad input ({@link ModelStore#fromBytes}).
   */
  public static ScoringModel of(byte[] modelZip, LeNet5.Kernels kernels) {
    return of(modelZip, "model.zip", kernels);
  }

  /** {@link #of(byte[], LeNet5.Kernels)}; {@code source} names the model in errors. */
  public static ScoringModel of(byte[] modelZip, String source, LeNet5.Kernels kernels) {
    return of(modelZip, source, kernels, null);
  }

  /**
   * {@link #of(byte[], String, LeNet5.Kernels)}, adding 1 to {@code loads} (a Spark accumulator,
   * or null) when this call deserialised the model: summed over a job's tasks, the number of
   * executors that had to load it.
   */
  public static ScoringModel of(byte[] modelZip, String source, LeNet5.Kernels kernels,
      LongAccumulator loads) {
    String key = Checksums.sha256(modelZip) + "/" + kernels;
    synchronized (CACHE) {
      ScoringModel cached = CACHE.get(key);
      if (cached != null) {
        return cached;
      }
      Dl4jWorkarounds.apply();
      ScoringModel loaded = new ScoringModel(key,
          ModelStore.fromBytes(modelZip, source, false, kernels));
      long n = LOADS.incrementAndGet();
      LOG.info("model {} deserialised in this JVM (load {} of this JVM)", key, n);
      CACHE.put(key, loaded);
      if (loads != null) {
        loads.add(1);
      }
      return loaded;
    }
  }

  /** How many times a model was deserialised by {@link #of} in this JVM. */
  public static long loadsInThisJvm() {
    return LOADS.get();
  }

  /** SHA-256 of the model's bytes and the kernels. */
  public String key() {
    return key;
  }

  /** The model's own input normaliser (raw 0-255 pixels to the network's input). */
  public DataNormalization normalizer() {
    return normalizer;
  }

  /**
   * The softmax output of {@code n} examples of normalised pixels (784 per example, row-major,
   * from index 0 of {@code features}) in one forward pass: {@code n * 10} probabilities, example
   * after example. Callers cut their input into minibatches (one array per minibatch, never one
   * per example).
   */
  public float[] probabilities(float[] features, int n) {
    int size = LeNet5.SIZE * LeNet5.SIZE;
    float[] f = features;
    if (features.length != n * size) {
      f = new float[n * size];
      System.arraycopy(features, 0, f, 0, n * size);
    }
    INDArray x = Nd4j.create(f, new long[] {n, 1, LeNet5.SIZE, LeNet5.SIZE}, 'c');
    MultiLayerNetwork net = borrow();
    try {
      return net.output(x, false).ravel().toFloatVector();
    } finally {
      idle.add(net);
    }
  }

  /** An idle network, or a clone of the loaded one when every network is in use. */
  private MultiLayerNetwork borrow() {
    MultiLayerNetwork net = idle.poll();
    if (net != null) {
      return net;
    }
    synchronized (template) {
      return template.clone();
    }
  }
}
