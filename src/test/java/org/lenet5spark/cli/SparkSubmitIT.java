package org.lenet5spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.io.Json;
import org.lenet5spark.testing.Java17Flags;
import org.lenet5spark.testing.RealMnist;

/**
 * The application jar as spark-submit runs it: a fresh JVM whose classpath is exactly what a
 * Spark 3.5 installation provides (Spark, Scala, Hadoop client: the build's {@code provided}
 * dependencies), started through Spark's own entry point
 * {@code org.apache.spark.deploy.SparkSubmit}
 * with {@code --master local[2]}. Prepares real MNIST and trains one epoch.
 */
class SparkSubmitIT {
  @TempDir
  Path tmp;

  @Test
  void appJarRunsUnderSparkSubmit() throws Exception {
    Path raw = RealMnist.dir();
    Path data = tmp.resolve("shards");
    Path run = tmp.resolve("run");
    assertEquals(0, sparkSubmit("prepare", "--input", raw.toString(), "--output",
        data.toString(), "--format", "parquet", "--shards", "2"));
    assertEquals(0, sparkSubmit("train", "--data", data.toUri().toString(), "--output",
        run.toUri().toString(), "--epochs", "1", "--workers", "2", "--batch-size", "32"));
    assertTrue(Files.exists(run.resolve("_SUCCESS")));
    assertTrue(Files.exists(run.resolve("model.zip")));
    JsonNode epoch = Json.mapper().readTree(Files.readAllLines(run.resolve("metrics.jsonl"))
        .get(0));
    assertTrue(epoch.get("test_accuracy").asDouble() >= 0.95, epoch.toString());
    JsonNode runJson = Json.mapper().readTree(run.resolve("run.json").toFile());
    assertEquals("local[2]", runJson.get("spark_master").asText());
  }

  private int sparkSubmit(String... args) throws IOException, InterruptedException {
    String sparkClasspath = Files.readString(Path.of("target", "spark-classpath.txt")).trim();
    Path appJar = Path.of("target", "lenet5-spark-app.jar").toAbsolutePath();
    assertTrue(Files.exists(appJar), "run 'mvn package' first: " + appJar);
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(Java17Flags.read());
    cmd.add("-Xmx3g");
    cmd.add("-cp");
    cmd.add(sparkClasspath);
    cmd.add("org.apache.spark.deploy.SparkSubmit");
    cmd.addAll(List.of("--master", "local[2]", "--class", Lenet5Cli.class.getName(),
        "--conf", "spark.ui.enabled=false", appJar.toString()));
    cmd.addAll(List.of(args));
    File log = tmp.resolve("spark-submit-" + args[0] + ".log").toFile();
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log);
    pb.environment().put("OMP_NUM_THREADS", "1");
    pb.environment().remove("SPARK_HOME");
    Process p = pb.start();
    if (!p.waitFor(15, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("spark-submit timed out; log: " + log);
    }
    if (p.exitValue() != 0) {
      System.err.println(Files.readString(log.toPath()));
    }
    return p.exitValue();
  }
}
