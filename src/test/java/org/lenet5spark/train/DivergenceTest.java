package org.lenet5spark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lenet5spark.cli.ExitCodes;
import org.lenet5spark.data.BinaryShardCodec;
import org.lenet5spark.io.Json;
import org.lenet5spark.testing.CliRun;
import org.lenet5spark.testing.FolderSnapshot;
import org.lenet5spark.testing.SmallData;

/**
 * Divergence stops the run on both engines: a learning rate of 1e30 ends {@code train} with
 * exit 1 and "loss is NaN at epoch k, minibatch m; lower --learning-rate", run.json says failed
 * (diverged), neither {@code model.zip} nor {@code _SUCCESS} is published, and no metrics file
 * holds the string "NaN" (before the fix: exit 0, a NaN model.zip, _SUCCESS and "NaN" in
 * metrics.jsonl). One NaN pixel in a binary shard whose manifest was made consistent (CRC32
 * updated) must not publish anything either (refused when read, or stopped as divergence).
 */
class DivergenceTest {
  @TempDir
  static Path tmp;
  static Path data;
  static Path nanData;

  @BeforeAll
  static void data() throws IOException {
    Path idx = SmallData.realSubset(tmp.resolve("idx"), 2000, 500);
    data = SmallData.prepare(idx, tmp.resolve("shards"), "binary", 2);
    nanData = FolderSnapshot.copy(data, tmp.resolve("nan-shards"));
    putNaNPixel(nanData.resolve("train"));
  }

  private static List<String> args(String engine, Path d, Path out, String... extra) {
    List<String> a = new ArrayList<>(List.of("train", "--engine", engine, "--data",
        d.toString(), "--output", out.toString(), "--epochs", "2", "--seed", "3"));
    if (engine.equals("spark")) {
      a.addAll(List.of("--master", "local[2]", "--workers", "2"));
    }
    a.addAll(List.of(extra));
    return a;
  }

  @ParameterizedTest
  @ValueSource(strings = {"local", "spark"})
  void hugeLearningRateStopsTheRunWithExitOne(String engine) throws IOException {
    Path out = tmp.resolve("lr-" + engine);
    CliRun r = CliRun.of(args(engine, data, out, "--learning-rate", "1e30")
        .toArray(String[]::new));
    assertEquals(ExitCodes.FAILURE, r.code(), r.out() + r.err());
    String line = r.errorLines().lines().findFirst().orElse("");
    String where = engine.equals("local") ? "minibatch \\d+"
        : "averaging round \\d+, minibatch \\d+ of a worker";
    assertTrue(line.matches("error: loss is NaN at epoch 1, " + where
        + "; lower --learning-rate"), r.err());
    assertNothingPublished(out);
    JsonNode run = Json.mapper().readTree(out.resolve("run.json").toFile());
    assertEquals("failed", run.get("status").asText());
    assertEquals("diverged", run.get("failure").asText());
    assertEquals(0, Files.readAllLines(out.resolve("metrics.jsonl")).size(),
        "no epoch was completed");
  }

  @ParameterizedTest
  @ValueSource(strings = {"local", "spark"})
  void nanPixelPublishesNothing(String engine) throws IOException {
    Path out = tmp.resolve("nan-" + engine);
    CliRun r = CliRun.of(args(engine, nanData, out).toArray(String[]::new));
    assertNotEquals(ExitCodes.OK, r.code(), r.out() + r.err());
    assertEquals(1, r.errorLines().lines().filter(l -> l.startsWith("error: ")).count(),
        r.err());
    assertNothingPublished(out);
  }

  private static void assertNothingPublished(Path out) throws IOException {
    assertFalse(Files.exists(out.resolve("model.zip")), "no model.zip");
    assertFalse(Files.exists(out.resolve("_SUCCESS")), "no _SUCCESS");
    for (String f : List.of("metrics.jsonl", "run.json", "confusion.jsonl")) {
      Path p = out.resolve(f);
      if (Files.exists(p)) {
        for (String line : f.endsWith(".jsonl") ? Files.readAllLines(p)
            : List.of(Files.readString(p))) {
          assertNoNonNumber(Json.mapper().readTree(line), f);
        }
      }
    }
    Path csv = out.resolve("metrics.csv");
    if (Files.exists(csv)) {
      for (String line : Files.readAllLines(csv)) {
        for (String cell : line.split(",", -1)) {
          assertFalse(List.of("NaN", "Infinity", "-Infinity").contains(cell), line);
        }
      }
    }
  }

  /** No string "NaN"/"Infinity" where a number belongs, and no non-finite number. */
  static void assertNoNonNumber(JsonNode n, String file) {
    if (n.isTextual()) {
      assertFalse(List.of("NaN", "Infinity", "-Infinity").contains(n.asText()), file);
    } else if (n.isNumber()) {
      assertTrue(Double.isFinite(n.asDouble()), file);
    }
    n.elements().forEachRemaining(c -> assertNoNonNumber(c, file));
  }

  /**
   * Sets the first pixel of the first record of a binary shard to NaN and writes the shard's new
   * CRC32 and size into the split's manifest, so that only the value itself is wrong.
   */
  static void putNaNPixel(Path split) throws IOException {
    Path manifestFile;
    try (var files = Files.list(split)) {
      manifestFile = files.filter(p -> p.getFileName().toString().contains("manifest"))
          .findFirst().orElseThrow();
    }
    ObjectNode manifest = (ObjectNode) Json.mapper().readTree(manifestFile.toFile());
    ObjectNode shard = (ObjectNode) manifest.get("shards").get(0);
    Path shardFile = split.resolve(shard.get("file").asText());
    try (RandomAccessFile f = new RandomAccessFile(shardFile.toFile(), "rw")) {
      f.seek(BinaryShardCodec.HEADER_SIZE + 8);
      f.writeInt(Integer.reverseBytes(Float.floatToRawIntBits(Float.NaN)));
    }
    CRC32 crc = new CRC32();
    crc.update(Files.readAllBytes(shardFile));
    shard.put("crc32", String.format("%08x", crc.getValue()));
    Files.writeString(manifestFile, Json.pretty(manifest));
  }
}
