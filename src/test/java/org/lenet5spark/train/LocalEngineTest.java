package org.lenet5spark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.cli.ExitCodes;
import org.lenet5spark.io.Json;
import org.lenet5spark.testing.CliRun;
import org.lenet5spark.testing.SmallData;

/**
 * {@code train --engine local}: the same model on the same shards without Spark writes the same
 * outputs as the Spark engine, trains every example once per epoch, and learns; also with
 * {@code --augment} and the classic variant.
 */
class LocalEngineTest {
  @TempDir
  Path tmp;

  @Test
  void localEngineWritesTheSameOutputsAndLearns() throws IOException {
    Path data = SmallData.prepare(SmallData.realSubset(tmp.resolve("idx"), 4000, 1000),
        tmp.resolve("shards"), "parquet", 2);
    Path out = tmp.resolve("run");
    CliRun r = CliRun.of("train", "--engine", "local", "--data", data.toString(), "--output",
        out.toString(), "--epochs", "2", "--batch-size", "32");
    assertEquals(ExitCodes.OK, r.code(), r.err());
    assertTrue(r.out().contains("epoch 2/2 (100%)"), r.out());
    assertTrue(r.out().contains("ETA"), r.out());
    for (String f : List.of("metrics.jsonl", "metrics.csv", "confusion.jsonl", "model.zip",
        "run.json", "_SUCCESS", "checkpoints/epoch-0002/model.zip")) {
      assertTrue(Files.exists(out.resolve(f)), f);
    }
    List<String> lines = Files.readAllLines(out.resolve("metrics.jsonl"));
    JsonNode e2 = Json.mapper().readTree(lines.get(1));
    // the default validation split holds out 4000 / 12 = 333 images (1/12 of a split this
    // small), never trained on; every other example once per epoch
    assertEquals(333, Json.mapper().readTree(out.resolve("run.json").toFile())
        .get("validation").get("count").asInt());
    assertEquals(4000 - 333, e2.get("train_examples").asLong(), "every kept example once");
    assertTrue(e2.get("test_accuracy").asDouble() > 0.85, e2.toString());
    assertEquals("local", Json.mapper().readTree(out.resolve("run.json").toFile())
        .get("config").get("engine").asText());

    Path aug = tmp.resolve("augmented");
    CliRun a = CliRun.of("train", "--engine", "local", "--data", data.toString(), "--output",
        aug.toString(), "--epochs", "1", "--augment", "--variant", "classic");
    assertEquals(ExitCodes.OK, a.code(), a.err());
    JsonNode e1 = Json.mapper().readTree(Files.readAllLines(aug.resolve("metrics.jsonl"))
        .get(0));
    assertTrue(e1.get("test_accuracy").asDouble() > 0.5, e1.toString());
  }
}
