package org.lenet5spark.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.lenet5spark.cli.Lenet5Cli;

/**
 * Starts a job on Spark {@code local-cluster} (a Master, Workers and executor JVMs on loopback)
 * without a Spark installation: a child driver JVM with the Java 17 flags, executors with the
 * same flags, ND4J's off-heap limits and DL4J's helper switch, and the environment Spark's
 * launcher needs ({@code SPARK_HOME} from {@link SparkHome}, {@code SPARK_SCALA_VERSION}).
 */
public final class LocalClusterJob {
  private LocalClusterJob() {
  }

  /** The executors' JVM options. */
  public static String executorJavaOptions() throws IOException {
    return String.join(" ", Java17Flags.read())
        + " -Dorg.bytedeco.javacpp.maxbytes=1G -Dorg.bytedeco.javacpp.maxphysicalbytes=2G "
        + String.join(" ", JobJvmFlags.read());
  }

  /** A java command line: the Java 17 flags, 2 GB of heap, then {@code rest}. */
  public static List<String> java(List<String> rest) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(Java17Flags.read());
    cmd.add("-Xmx2g");
    cmd.addAll(rest);
    return cmd;
  }

  /**
   * The embedded CLI as a driver: Spark settings as {@code -D} system properties (the common
   * ones plus {@code sparkProperties}), the project's thin jar and runtime classpath, then the
   * CLI arguments.
   */
  public static List<String> embeddedCli(List<String> sparkProperties, List<String> cliArgs)
      throws IOException {
    List<String> rest = new ArrayList<>(JobJvmFlags.read());
    rest.addAll(List.of(
        "-Dspark.executor.memory=1g",
        "-Dspark.executor.extraJavaOptions=" + executorJavaOptions(),
        "-Dspark.executorEnv.OMP_NUM_THREADS=1",
        "-Dspark.locality.wait=0s",
        "-Dspark.ui.enabled=false",
        "-Dspark.driver.host=127.0.0.1"));
    rest.addAll(sparkProperties);
    rest.addAll(List.of("-cp", Path.of("target", "lenet5-spark.jar").toAbsolutePath()
        + File.pathSeparator + Files.readString(Path.of("target", "classpath.txt")).trim(),
        Lenet5Cli.class.getName()));
    rest.addAll(cliArgs);
    return java(rest);
  }

  /** Starts {@code cmd} with {@code home} as SPARK_HOME, output to {@code log}. */
  public static Process start(List<String> cmd, Path home, File log) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log);
    pb.environment().put("SPARK_HOME", home.toString());
    // Spark's launcher guesses the Scala version from a build tree unless told.
    pb.environment().put("SPARK_SCALA_VERSION", "2.12");
    pb.environment().put("OMP_NUM_THREADS", "1");
    return pb.start();
  }
}
