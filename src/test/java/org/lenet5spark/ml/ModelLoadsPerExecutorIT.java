package org.lenet5spark.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.testing.CliRun;
import org.lenet5spark.testing.LocalClusterJob;
import org.lenet5spark.testing.SmallData;
import org.lenet5spark.testing.SparkHome;

/**
 * The inference core on real executor JVMs: {@code predict --engine spark} on Spark
 * {@code local-cluster[2,1,1024]} (two executors of one core) over 4,000 real MNIST training
 * images in 8 Parquet shards (8 tasks, 256-row minibatches) deserialises the model once per
 * executor that ran a task, never once per task or row (the job's Spark accumulator of model
 * loads, logged by the driver), and predicts what the local engine predicts. {@code transform}
 * and distributed {@code evaluate} use the same {@code ScoringModel} per-JVM cache. Runs after
 * {@code mvn package}.
 */
class ModelLoadsPerExecutorIT {
  @TempDir
  Path tmp;

  @Test
  void theModelIsDeserialisedOncePerExecutorNotPerTaskOrRow() throws Exception {
    Path idx = SmallData.realSubset(tmp.resolve("idx"), 4000, 100);
    Path data = SmallData.prepare(idx, tmp.resolve("shards"), "parquet", 8);
    Path run = tmp.resolve("run");
    CliRun train = CliRun.of("train", "--engine", "local", "--data", data.toString(), "--output",
        run.toString(), "--epochs", "1", "--batch-size", "32");
    assertEquals(0, train.code(), train.err());
    Path local = tmp.resolve("local.csv");
    CliRun localPredict = CliRun.of("predict", "--engine", "local", "--model",
        run.resolve("model.zip").toString(), "--input", data.toString(), "--split", "train",
        "--output", local.toString());
    assertEquals(0, localPredict.code(), localPredict.err());

    Path home = SparkHome.create(Path.of("target", "spark-home-embedded"),
        List.of(Path.of("target", "classpath.txt")),
        List.of(Path.of("target", "lenet5-spark.jar")));
    Path cluster = tmp.resolve("cluster.csv");
    File log = tmp.resolve("predict.log").toFile();
    Process p = LocalClusterJob.start(LocalClusterJob.embeddedCli(List.of(
        "-Dspark.executor.cores=1"), List.of("predict", "--engine", "spark", "--master",
        "local-cluster[2,1,1024]", "--model", run.resolve("model.zip").toUri().toString(),
        "--input", data.toUri().toString(), "--split", "train", "--output",
        cluster.toUri().toString())), home, log);
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("predict timed out; log: " + log);
    }
    String output = Files.readString(log.toPath());
    assertEquals(0, p.exitValue(), output);
    Matcher m = Pattern.compile("predicted (\\d+) inputs in (\\d+) Spark tasks; the model was "
        + "deserialised (\\d+) time\\(s\\) on the executors").matcher(output);
    assertTrue(m.find(), output);
    assertEquals(4000, Integer.parseInt(m.group(1)));
    assertEquals(8, Integer.parseInt(m.group(2)));
    int loads = Integer.parseInt(m.group(3));
    assertTrue(loads >= 1 && loads <= 2, "one load per executor (2 executors, 8 tasks): "
        + loads);
    List<String> a = Files.readAllLines(local);
    List<String> b = Files.readAllLines(cluster);
    assertEquals(a.size(), b.size());
    for (int i = 0; i < a.size(); i++) {
      String[] x = a.get(i).split(",");
      String[] y = b.get(i).split(",");
      // id, label, predicted exactly; probabilities up to the minibatch composition (~1e-6)
      assertEquals(List.of(x[0], x[1], x[2]), List.of(y[0], y[1], y[2]));
      for (int c = 3; i > 0 && c < x.length; c++) {
        assertEquals(Float.parseFloat(x[c]), Float.parseFloat(y[c]), 1e-5, a.get(i));
      }
    }
  }
}
