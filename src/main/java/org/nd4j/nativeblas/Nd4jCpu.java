package org.nd4j.nativeblas;

import java.lang.reflect.Method;

/**
 * Workaround for an upstream defect (DL4J 1.0.0-M2 and M2.1), documented in
 * {@link org.lenet5spark.compat.Dl4jWorkarounds}: DL4J's {@code BaseMKLDNNHelper} asks for the
 * class {@code org.nd4j.nativeblas.Nd4jCpu$Environment} by reflection to learn whether oneDNN is
 * on, but nd4j-native ships that class under another package, so the check always fails and the
 * fast oneDNN convolution helpers are never used. This class has the name DL4J looks for and
 * answers with the real environment's value. It holds no state and does nothing else.
 */
public final class Nd4jCpu {
  private static final String REAL_ENVIRONMENT =
      "org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment";

  private Nd4jCpu() {
  }

  /** The stand-in for the environment class DL4J expects. */
  public static final class Environment {
    private static final Environment INSTANCE = new Environment();

    private Environment() {
    }

    /** Called by DL4J through reflection. */
    public static Environment getInstance() {
      return INSTANCE;
    }

    /**
     * Whether the native CPU backend uses oneDNN; false when the CPU backend is not the one in
     * use (for example with the CUDA backend), so DL4J then keeps its built-in path.
     */
    public boolean isUseMKLDNN() {
      try {
        Class<?> real = Class.forName(REAL_ENVIRONMENT);
        Object env = real.getMethod("getInstance").invoke(null);
        Method useOneDnn = real.getMethod("isUseONEDNN");
        return (Boolean) useOneDnn.invoke(env);
      } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
        return false;
      }
    }
  }
}
