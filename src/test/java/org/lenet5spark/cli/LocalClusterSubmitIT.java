package org.lenet5spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.io.Json;
import org.lenet5spark.testing.CliRun;
import org.lenet5spark.testing.IdxFixtures;
import org.lenet5spark.testing.LocalClusterJob;
import org.lenet5spark.testing.SparkHome;

/**
 * The application jar submitted through Spark's own entry point
 * ({@code org.apache.spark.deploy.SparkSubmit}, classpath: exactly the Spark 3.5.7 jars) to
 * {@code local-cluster[2,1,1024]}: a Master, two Workers and two executor JVMs whose Spark
 * installation ({@code SPARK_HOME/jars}) holds only Spark's jars, so the job's classes reach
 * the executors as the app jar only. Uses conf/spark-defaults.local.conf.template as
 * {@code --properties-file}; one short epoch on generated data.
 */
class LocalClusterSubmitIT {
  @TempDir
  Path tmp;

  @Test
  void appJarTrainsOnTwoExecutors() throws Exception {
    Path idx = tmp.resolve("idx");
    IdxFixtures.writeDataset(idx, 384, 128, false);
    Path data = tmp.resolve("shards");
    CliRun prep = CliRun.of("prepare", "--input", idx.toString(), "--output", data.toString(),
        "--format", "parquet", "--shards", "2", "--master", "local[2]");
    assertEquals(0, prep.code(), prep.err());

    Path sparkClasspath = Path.of("target", "spark-classpath.txt");
    Path home = SparkHome.create(Path.of("target", "spark-home-install"),
        List.of(sparkClasspath), List.of());
    Path appJar = Path.of("target", "lenet5-spark-app.jar").toAbsolutePath();
    assertTrue(Files.exists(appJar), "run 'mvn package' first: " + appJar);
    String executorOpts = LocalClusterJob.executorJavaOptions();
    Path run = tmp.resolve("run");
    List<String> cmd = LocalClusterJob.java(List.of("-cp",
        Files.readString(sparkClasspath).trim(),
        "org.apache.spark.deploy.SparkSubmit",
        "--master", "local-cluster[2,1,1024]",
        "--properties-file", Path.of("conf", "spark-defaults.local.conf.template")
            .toAbsolutePath().toString(),
        "--conf", "spark.executor.instances=2",
        "--conf", "spark.executor.cores=1",
        "--conf", "spark.executor.memory=1g",
        "--conf", "spark.executor.extraJavaOptions=" + executorOpts,
        "--conf", "spark.driver.host=127.0.0.1",
        "--class", Lenet5Cli.class.getName(), appJar.toString(),
        "train", "--data", data.toUri().toString(), "--output", run.toUri().toString(),
        "--epochs", "1", "--workers", "2", "--batch-size", "16", "--averaging-frequency", "2",
        "--prefetch", "0", "--validation", "0"));
    File log = tmp.resolve("spark-submit.log").toFile();
    Process p = LocalClusterJob.start(cmd, home, log);
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("spark-submit timed out; log: " + log);
    }
    String output = Files.readString(log.toPath());
    assertEquals(0, p.exitValue(), output);
    assertTrue(Files.exists(run.resolve("_SUCCESS")), output);
    assertTrue(Files.size(run.resolve("model.zip")) > 0);
    List<String> metrics = Files.readAllLines(run.resolve("metrics.jsonl"));
    assertEquals(1, metrics.size());
    JsonNode epoch = Json.mapper().readTree(metrics.get(0));
    assertEquals(1, epoch.get("epoch").asInt());
    assertEquals(384, epoch.get("train_examples").asLong());
    JsonNode runJson = Json.mapper().readTree(run.resolve("run.json").toFile());
    assertEquals("local-cluster[2,1,1024]", runJson.get("spark_master").asText());
    Set<String> executors = new HashSet<>();
    for (JsonNode d : runJson.get("devices")) {
      executors.add(d.get("executor_id").asText());
      assertEquals("no gpu assigned, backend CPU, bound cpu", d.get("decision").asText());
    }
    assertEquals(2, executors.size(), "both executors trained: " + runJson.get("devices"));
  }
}
