package org.lenet5spark.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.cli.ExitCodes;
import org.lenet5spark.testing.CliRun;
import org.lenet5spark.testing.MiniHdfs;
import org.lenet5spark.testing.SmallData;

/**
 * The job on real HDFS: an in-process HDFS (Hadoop's MiniDFSCluster, the same Hadoop version as
 * Spark's client) holds the IDX input; {@code prepare} writes shards to {@code hdfs://},
 * {@code train} reads them from there and writes the model and metrics back, and
 * {@code evaluate} reads both; the results are read back through HDFS.
 */
class HdfsEndToEndTest {
  @TempDir
  static Path tmp;
  private static MiniHdfs cluster;
  private static FileSystem hdfs;
  private static String root;

  @BeforeAll
  static void startHdfs() throws IOException {
    cluster = MiniHdfs.start(tmp.resolve("hdfs"), 0);
    hdfs = cluster.fs();
    root = cluster.root();
  }

  @AfterAll
  static void stopHdfs() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static String text(String path) throws IOException {
    try (var in = hdfs.open(new org.apache.hadoop.fs.Path(root + path))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void prepareTrainEvaluateOnHdfs() throws IOException {
    Path idx = SmallData.realSubset(tmp.resolve("idx"), 3000, 1000);
    hdfs.copyFromLocalFile(new org.apache.hadoop.fs.Path(idx.toUri()),
        new org.apache.hadoop.fs.Path(root + "/input/mnist"));

    CliRun prep = CliRun.of("prepare", "--input", root + "/input/mnist", "--output",
        root + "/data/shards", "--format", "parquet", "--shards", "2", "--master", "local[2]");
    assertEquals(ExitCodes.OK, prep.code(), prep.err());
    assertTrue(hdfs.exists(new org.apache.hadoop.fs.Path(root + "/data/shards/_SUCCESS")));
    JsonNode manifest = Json.mapper().readTree(text("/data/shards/train/_manifest.json"));
    assertEquals(3000, manifest.get("count").asLong());

    // Export, as on a cluster: DL4J writes the minibatches under the run's scratch folder on HDFS
    CliRun train = CliRun.of("train", "--data", root + "/data/shards", "--output",
        root + "/runs/r1", "--epochs", "2", "--workers", "2", "--master", "local[2]",
        "--training-approach", "export");
    assertEquals(ExitCodes.OK, train.code(), train.err());
    String metrics = text("/runs/r1/metrics.jsonl");
    assertEquals(2, metrics.strip().split("\n").length);
    double acc = Json.mapper().readTree(metrics.strip().split("\n")[1]).get("test_accuracy")
        .asDouble();
    assertTrue(acc > 0.85, "accuracy " + acc);
    assertTrue(hdfs.exists(new org.apache.hadoop.fs.Path(root + "/runs/r1/model.zip")));
    assertTrue(hdfs.exists(new org.apache.hadoop.fs.Path(root + "/runs/r1/_SUCCESS")));
    assertTrue(hdfs.exists(new org.apache.hadoop.fs.Path(root
        + "/runs/r1/checkpoints/epoch-0002/state.json")));
    assertFalse(hdfs.exists(new org.apache.hadoop.fs.Path(root + "/runs/r1/_scratch")));
    assertEquals("complete", Json.mapper().readTree(text("/runs/r1/run.json")).get("status")
        .asText());

    CliRun eval = CliRun.of("evaluate", "--model", root + "/runs/r1/model.zip", "--data",
        root + "/data/shards", "--json");
    assertEquals(ExitCodes.OK, eval.code(), eval.err());
    assertEquals(acc, Json.mapper().readTree(eval.out()).get("accuracy").asDouble(), 1e-9);

    // a second prepare into the same HDFS output is refused and leaves it as it was
    CliRun again = CliRun.of("prepare", "--input", root + "/input/mnist", "--output",
        root + "/data/shards", "--master", "local[1]");
    assertEquals(ExitCodes.BAD_INPUT, again.code());
    assertEquals(manifest, Json.mapper().readTree(text("/data/shards/train/_manifest.json")));
  }
}
