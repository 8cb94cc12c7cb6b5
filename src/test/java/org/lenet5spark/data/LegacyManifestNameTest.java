package org.lenet5spark.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.cli.ExitCodes;
import org.lenet5spark.io.Json;
import org.lenet5spark.testing.CliRun;
import org.lenet5spark.testing.SmallData;

/**
 * Data prepared by versions that named the manifest {@code manifest.json} (before it became the
 * hidden {@code _manifest.json}) is still used by every command: real MNIST images in Parquet
 * shards, the manifests renamed back to the old name, then {@code train} on both engines,
 * {@code evaluate}, {@code predict} and {@code doctor} (which warns with the rename).
 */
class LegacyManifestNameTest {
  @TempDir
  static Path tmp;
  static Path data;

  @BeforeAll
  static void prepareTheWayEarlierVersionsLeftIt() throws IOException {
    data = SmallData.prepare(SmallData.realSubset(tmp.resolve("idx"), 2000, 500),
        tmp.resolve("old-shards"), "parquet", 2);
    for (String split : List.of("train", "test")) {
      Files.move(data.resolve(split).resolve(Manifest.FILE_NAME),
          data.resolve(split).resolve(Manifest.LEGACY_FILE_NAME));
    }
  }

  @Test
  void bothEnginesTrainOnItAndEvaluatePredictAndDoctorReadIt() throws IOException {
    for (String engine : List.of("local", "spark")) {
      Path run = tmp.resolve("run-" + engine);
      CliRun train = CliRun.of("train", "--engine", engine, "--data", data.toString(),
          "--output", run.toString(), "--epochs", "1", "--seed", "7", "--master", "local[2]",
          // 1,833 training images: at the default period 20 an epoch is one averaging round
          "--averaging-frequency", "5");
      assertEquals(ExitCodes.OK, train.code(), engine + ": " + train.err());
      JsonNode epoch = Json.mapper().readTree(Files.readAllLines(run.resolve("metrics.jsonl"))
          .get(0));
      assertTrue(epoch.get("test_accuracy").asDouble() > 0.6, engine + ": " + epoch);

      CliRun eval = CliRun.of("evaluate", "--model", run.resolve("model.zip").toString(),
          "--data", data.toString(), "--json");
      assertEquals(ExitCodes.OK, eval.code(), eval.err());
      assertEquals(500, Json.mapper().readTree(eval.out()).get("count").asLong(), eval.out());
    }
    CliRun predict = CliRun.of("predict", "--model",
        tmp.resolve("run-local/model.zip").toString(), "--input", data.toString());
    assertEquals(ExitCodes.OK, predict.code(), predict.err());
    assertEquals(501, predict.out().strip().split("\n").length, "header and one row per image");

    CliRun doctor = CliRun.of("doctor", "--data", data.toString());
    assertEquals(ExitCodes.OK, doctor.code(), doctor.out() + doctor.err());
    assertTrue(doctor.out().contains("WARN data: fix: rename each split's manifest.json to "
        + "_manifest.json"), doctor.out());
  }
}
