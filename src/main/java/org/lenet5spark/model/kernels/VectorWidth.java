package org.lenet5spark.model.kernels;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/**
 * The SIMD width the fused kernels are tuned for: HotSpot's C2 compiles their row loops with
 * 512-bit vectors by default on AVX-512 CPUs, and then runs the ends of each row (C3's rows are
 * 320 floats) in scalar pre- and post-loops; with at most 256-bit vectors the whole training step
 * measured about 6% faster on an AMD Zen 4 (docs/performance.md, round 4). On AVX2-only CPUs 256
 * bits is already the default and the option changes nothing. The option must be given when a JVM
 * starts: the launch scripts, the configuration templates and the test runs set it, and
 * {@code SparkContexts} adds it to the executors' options unless they name MaxVectorSize.
 */
public final class VectorWidth {
  /** HotSpot's option name. */
  public static final String FLAG = "MaxVectorSize";
  /** Vector width, in bytes, the kernels are tuned for. */
  public static final int TUNED_BYTES = 32;
  /** The JVM option that sets it. */
  public static final String JAVA_OPTION = "-XX:" + FLAG + "=" + TUNED_BYTES;

  private VectorWidth() {
  }

  /** This JVM's maximum vector size in bytes, or -1 when the JVM does not report one. */
  public static int current() {
    try {
      HotSpotDiagnosticMXBean hs = ManagementFactory.getPlatformMXBean(
          HotSpotDiagnosticMXBean.class);
      return hs == null ? -1 : Integer.parseInt(hs.getVMOption(FLAG).getValue());
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      return -1;
    }
  }
}
