package org.lenet5spark.compat;

import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.MultiLayerUpdater;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DL4J's {@link MultiLayerUpdater} with a fix for how it recognises the network's own gradient.
 * In DL4J 1.0.0-M2.1, {@code DefaultGradient.gradient()} returns a new reshaped view of the
 * flattened gradient on every call, so {@code BaseMultiLayerUpdater.update} never finds the
 * network's gradient array and takes its "external gradient" path on every step: for every
 * parameter it builds fresh views of the parameters and gradients (twice, before and after the
 * updater, even with no regularisation) and recomputes the minibatch-division views, about 90%
 * of the updater's time (docs/performance.md). When the gradient handed in is the network's
 * flattened gradient (same memory, same length), this updater passes the network's array itself,
 * so DL4J takes its standard path over the views it cached; the arithmetic is the same.
 *
 * <p>Being the one per-step hook that every engine's network trains through (the local engine,
 * Spark's workers, the warm-up), it also flushes subnormal parameters and updater state to zero
 * every {@link Subnormals#PERIOD} iterations, before the update, on ND4J's CPU backend
 * ({@link Subnormals}: Java cannot set the CPU's flush-to-zero mode, and subnormal weights slow
 * every step down).
 */
public class FlatGradientUpdater extends MultiLayerUpdater {
  private static final long serialVersionUID = 1L;
  private long standardUpdates;
  private transient Subnormals subnormals;

  /**
   * An updater for {@code net} over the updater state {@code state} (shared, not copied; null
   * for a new, zero state).
   */
  public FlatGradientUpdater(MultiLayerNetwork net, INDArray state) {
    super(net, state);
  }

  @Override
  public synchronized void update(Gradient gradient, int iteration, int epoch, int batchSize,
      LayerWorkspaceMgr workspaceMgr) {
    if (iteration % Subnormals.PERIOD == 0 && subnormals() != null) {
      subnormals.flush(getParams());
      subnormals.flush(getStateViewArray());
    }
    INDArray flat = getFlattenedGradientsView();
    Gradient g = gradient;
    if (flat != null && gradient instanceof DefaultGradient
        && sameVector(gradient.gradient(), flat)) {
      g = new NetworkGradient(gradient, flat);
      standardUpdates++;
    }
    super.update(g, iteration, epoch, batchSize, workspaceMgr);
  }

  /**
   * The flush, on ND4J's CPU backend only: the CUDA backend's arrays live on the GPU, which
   * computes with subnormal float32 values at full speed, and the flush reads through host memory.
   */
  private Subnormals subnormals() {
    if (subnormals == null && Nd4j.getEnvironment().isCPU()) {
      subnormals = new Subnormals();
    }
    return subnormals;
  }

  /** Updates that went through DL4J's standard path (for tests). */
  public synchronized long standardUpdates() {
    return standardUpdates;
  }

  /** Whether {@code a} and {@code b} are the same contiguous memory, element for element. */
  static boolean sameVector(INDArray a, INDArray b) {
    return a.length() == b.length() && a.dataType() == b.dataType() && contiguous(a)
        && contiguous(b) && start(a) == start(b);
  }

  private static boolean contiguous(INDArray a) {
    return a.isVectorOrScalar() && a.elementWiseStride() == 1;
  }

  private static long start(INDArray a) {
    return a.data().address() + (a.offset() - a.data().offset()) * a.data().getElementSize();
  }

  /** The caller's gradient, whose flattened array is the network's own. */
  private static final class NetworkGradient extends DefaultGradient {
    private static final long serialVersionUID = 1L;
    private final INDArray flat;

    NetworkGradient(Gradient of, INDArray flat) {
      super(flat);
      this.flat = flat;
      gradientForVariable().putAll(of.gradientForVariable());
    }

    @Override
    public INDArray gradient() {
      return flat;
    }
  }
}
