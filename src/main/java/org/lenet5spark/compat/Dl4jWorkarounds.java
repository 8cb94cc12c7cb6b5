package org.lenet5spark.compat;

import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;

/**
 * The one place where this project works around defects in DL4J 1.0.0-M2/M2.1 (DL4J is in
 * maintenance; none of these is fixed upstream). Each is explained in docs/performance.md.
 *
 * <ol>
 *   <li>{@code HelperUtils} reads the system property
 *       {@value #HELPERS_DISABLE_PROPERTY} with the default {@code true}, so DL4J never creates
 *       its oneDNN (CPU) or cuDNN (GPU) layer helpers. {@link #apply()} sets it to {@code false}
 *       unless the user set it; the Spark session factory passes it to executors too.</li>
 *   <li>{@code BaseMKLDNNHelper.mklDnnEnabled()} looks for
 *       {@code org.nd4j.nativeblas.Nd4jCpu$Environment}, a class nd4j-native ships under another
 *       package; the project provides a class of that name ({@link org.nd4j.nativeblas.Nd4jCpu})
 *       that delegates to the real one.</li>
 *   <li>{@code ModelSerializer.writeModel(..., normalizer)} fails with Spark 3.5's commons-io;
 *       {@link ModelZipWriter} writes the same zip another way.</li>
 *   <li>{@code BaseMultiLayerUpdater.update} takes its slow "external gradient" path on every
 *       step of a {@code MultiLayerNetwork}; {@link #useFlatGradientUpdater} installs
 *       {@link FlatGradientUpdater}, which takes the standard path with the same arithmetic.</li>
 *   <li>ND4J's Kryo serializer ({@code org.nd4j.kryo.Nd4jSerializer}) writes and reads an array
 *       one element at a time (a boxed {@code Float} per element when reading), which made the
 *       broadcast and the worker results of every parameter-averaging round cost milliseconds;
 *       {@link NdArrayKryoSerializer}, registered by {@code io.Lenet5KryoRegistrator}, copies
 *       the bytes in blocks.</li>
 * </ol>
 *
 * Call {@link #apply()} before any DL4J network is built in a JVM (the CLI and the Spark task
 * code do).
 */
public final class Dl4jWorkarounds {
  /** DL4J's switch for its layer helpers; "true" (DL4J's default) disables oneDNN and cuDNN. */
  public static final String HELPERS_DISABLE_PROPERTY =
      "org.eclipse.deeplearning4j.helpers.disable";

  /** The JVM option that executors need for the same effect. */
  public static final String EXECUTOR_JAVA_OPTION = "-D" + HELPERS_DISABLE_PROPERTY + "=false";

  private Dl4jWorkarounds() {
  }

  /** Enables DL4J's layer helpers in this JVM unless the user decided otherwise. Idempotent. */
  public static void apply() {
    if (System.getProperty(HELPERS_DISABLE_PROPERTY) == null) {
      System.setProperty(HELPERS_DISABLE_PROPERTY, "false");
    }
  }

  /**
   * Gives {@code net} a {@link FlatGradientUpdater} over its current updater state (kept, not
   * copied). Idempotent; call after the network's parameters and updater state are in place.
   */
  public static void useFlatGradientUpdater(MultiLayerNetwork net) {
    Updater current = net.getUpdater();
    if (current instanceof FlatGradientUpdater) {
      return;
    }
    if (current instanceof BaseMultiLayerUpdater<?> base) {
      // the updater initialises (zeroes) a new state lazily, block by block: do it now, since
      // the new updater takes the state as it is
      for (Object block : base.getUpdaterBlocks()) {
        ((UpdaterBlock) block).getGradientUpdater();
      }
    }
    net.setUpdater(new FlatGradientUpdater(net,
        current == null ? null : current.getStateViewArray()));
  }

  /** Whether DL4J will create its layer helpers in this JVM. */
  public static boolean helpersEnabled() {
    return !Boolean.parseBoolean(System.getProperty(HELPERS_DISABLE_PROPERTY, "true"));
  }
}
