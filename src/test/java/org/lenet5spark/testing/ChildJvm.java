package org.lenet5spark.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.lenet5spark.cli.Lenet5Cli;

/** Starts the CLI in a separate JVM (with the test classpath), for tests that kill processes. */
public final class ChildJvm {
  private ChildJvm() {
  }

  /** Starts {@code lenet5-spark args...}, output to {@code log}. */
  public static Process start(File log, List<String> args) throws IOException {
    return start(log, args, Map.of());
  }

  /** Starts {@code lenet5-spark args...} with extra environment variables; output to log. */
  public static Process start(File log, List<String> args, Map<String, String> env)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(Java17Flags.read());
    cmd.addAll(List.of("-Xmx2g", "-cp", System.getProperty("java.class.path"),
        Lenet5Cli.class.getName()));
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log);
    pb.environment().put("OMP_NUM_THREADS", "1");
    pb.environment().putAll(env);
    return pb.start();
  }
}
