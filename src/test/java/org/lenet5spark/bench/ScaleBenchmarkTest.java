package org.lenet5spark.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.io.Json;
import org.lenet5spark.testing.SmallData;
import org.lenet5spark.train.TrainOptions;

/**
 * The {@code scale} suite end to end on real MNIST images (2,000 training and 500 test images,
 * expansions 0 and 1, Spark {@code local[2]}, 2 workers): the figures are present, positive and
 * consistent with each other and with the files on disk (read with plain java.nio), auto takes
 * the cached path on data this small and a path already measured is not run twice, and the
 * Markdown renders the rows. No timing is asserted beyond "positive".
 */
class ScaleBenchmarkTest {
  private static final int TRAIN = 2_000;
  private static final int TEST = 500;
  private static final int SHARDS = 2;

  @TempDir
  Path tmp;

  @Test
  void measuresEverySizeAndPathConsistently() throws Exception {
    Path idx = SmallData.realSubset(tmp.resolve("idx"), TRAIN, TEST);
    Path work = tmp.resolve("work");
    Path json = tmp.resolve("scale.json");
    BenchRequest r = new BenchRequest(HadoopFs.resolve(idx.toString()),
        HadoopFs.resolve(work.toString()), json, tmp.resolve("scale.md"),
        Set.of(BenchRequest.Suite.SCALE), List.of(32), 64, 32, 5, 64, 1, SHARDS, 1, "local[2]",
        new BenchRequest.Scale(List.of(0, 1), List.of(TrainOptions.DataPath.AUTO,
            TrainOptions.DataPath.CACHED, TrainOptions.DataPath.STREAM), 2, 2));
    BenchRun.run(r);
    JsonNode s = Json.mapper().readTree(json.toFile()).path("scale");
    assertEquals(2, s.path("workers").asInt());
    assertEquals("local[2]", s.path("spark_master").asText());
    JsonNode sizes = s.path("sizes");
    assertEquals(2, sizes.size(), s.toString());
    long[] bytes = new long[2];
    for (int k = 0; k < 2; k++) {
      JsonNode z = sizes.get(k);
      assertEquals(k, z.path("expand").asInt());
      assertEquals((long) TRAIN * (k + 1), z.path("train_images").asLong());
      assertEquals(TEST, z.path("test_images").asLong(), "the test split is never expanded");
      assertEquals(SHARDS * (k + 1), z.path("train_shards").asInt());
      double seconds = z.path("prepare_seconds").asDouble();
      assertTrue(seconds > 0, z.toString());
      assertEquals((TRAIN * (k + 1) + TEST) / seconds,
          z.path("prepare_images_per_second").asDouble(), 1e-6);
      bytes[k] = z.path("train_shard_bytes").asLong();
      assertEquals(onDisk(work.resolve("scale-expand-" + k).resolve("train")), bytes[k],
          "the bytes in the figures are those on disk");
      assertTrue(z.path("test_shard_bytes").asLong() > 0);
      assertEquals(z.path("train_images").asLong() * (28 * 28 * 4 + 10 * 4),
          z.path("cached_estimate_bytes").asLong());
      List<String> paths = new ArrayList<>();
      for (JsonNode run : z.path("runs")) {
        paths.add(run.path("data_path_asked").asText() + ">" + run.path("data_path").asText());
        checkRun(run, z.path("train_images").asLong());
      }
      // auto takes the cached path here (the data is far below the budget); asking for cached
      // again is not run twice
      assertEquals(List.of("auto>cached", "stream>stream"), paths, z.toString());
    }
    // twice the images, about twice the bytes (the manifests are small)
    assertTrue(bytes[1] > 1.9 * bytes[0] && bytes[1] < 2.1 * bytes[0],
        bytes[0] + " -> " + bytes[1]);
    String md = Files.readString(tmp.resolve("scale.md"));
    assertTrue(md.contains("## Scale: prepare"), md);
    assertTrue(md.contains("| 1 | 4,000 | 4 |"), md);
    assertTrue(md.contains("## Scale: training (Spark, 2 workers, batch 32 per worker, averaging"
        + " every 5; timed: epoch 2 of 2 of each run)"), md);
    assertTrue(md.contains("| 2,000 | auto (cached; cached) |"), md);
    assertTrue(md.contains("| 4,000 | stream (stream; cached) |"), md);
  }

  /** One training run's figures: examples, times and memory. */
  private static void checkRun(JsonNode run, long images) {
    long validation = run.path("validation_images").asLong();
    assertEquals(images, run.path("train_images").asLong());
    assertTrue(validation > 0 && validation < images, run.toString());
    long examples = run.path("examples_per_epoch").asLong();
    if (run.path("data_path").asText().equals("stream")) {
      assertEquals(images - validation, examples,
          "streaming: every training image but the validation split, once per epoch: " + run);
    } else {
      // the cached path: DL4J's random split leaves out the remainder of its rounds (README)
      assertTrue(examples <= images - validation && examples > 0.8 * (images - validation),
          run.toString());
    }
    double seconds = run.path("epoch_seconds").asDouble();
    assertTrue(seconds > 0 && run.path("first_epoch_seconds").asDouble() > 0, run.toString());
    assertEquals(examples / seconds, run.path("images_per_second").asDouble(), 1e-6);
    assertTrue(Double.isFinite(run.path("train_loss").asDouble()), run.toString());
    assertEquals("cached", run.path("auto_takes").asText(), run.toString());
    JsonNode executors = run.path("executors");
    // local master: the executors are the driver's JVM
    assertEquals(1, executors.size(), run.toString());
    assertEquals("driver", executors.get(0).path("jvm").asText());
    for (JsonNode jvm : List.of(executors.get(0), run.path("driver"))) {
      assertTrue(jvm.path("rss_peak_mb").asLong() > 0, jvm.toString());
      assertTrue(jvm.path("heap_peak_mb").asLong() > 0, jvm.toString());
      assertTrue(jvm.path("heap_peak_mb").asLong() <= jvm.path("heap_committed_peak_mb")
          .asLong(), jvm.toString());
      assertTrue(jvm.path("beyond_heap_now_mb").asLong() >= 0, jvm.toString());
      assertTrue(jvm.path("rss_now_mb").asLong() > 0, jvm.toString());
      assertTrue(jvm.path("heap_max_mb").asLong() > 0, jvm.toString());
    }
  }

  private static long onDisk(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(p -> {
        try {
          return Files.size(p);
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      }).sum();
    }
  }
}
