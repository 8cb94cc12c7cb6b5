package org.lenet5spark.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.cli.ExitCodes;
import org.lenet5spark.io.Json;
import org.lenet5spark.testing.CliRun;
import org.lenet5spark.testing.FolderSnapshot;
import org.lenet5spark.testing.SmallData;

/**
 * Checkpoints are trusted or refused, never skipped: each case damages a copy of a real
 * unfinished run (two epochs trained, {@code _SUCCESS} and {@code model.zip} not yet written) and
 * runs {@code train --resume}, which must exit 3 with one line naming what it refused and leave
 * the folder byte-identical (before the fix: trained from scratch over {@code epoch-0001},
 * IndexOutOfBounds after rewriting {@code run.json}, NumberFormatException). The fall-back flag
 * resumes from the previous checkpoint, never from scratch.
 */
class CheckpointTrustTest {
  @TempDir
  static Path tmp;
  static Path data;
  static Path base;

  @BeforeAll
  static void unfinishedRun() throws IOException {
    data = SmallData.prepare(SmallData.realSubset(tmp.resolve("idx"), 2000, 500),
        tmp.resolve("shards"), "binary", 2);
    base = tmp.resolve("base");
    CliRun r = CliRun.of(args(base, 2).toArray(String[]::new));
    assertEquals(ExitCodes.OK, r.code(), r.err());
    Files.delete(base.resolve("_SUCCESS"));
    Files.delete(base.resolve("model.zip"));
  }

  private static List<String> args(Path out, int epochs, String... extra) {
    List<String> a = new ArrayList<>(List.of("train", "--data", data.toString(), "--output",
        out.toString(), "--epochs", String.valueOf(epochs), "--engine", "local", "--seed", "5",
        "--keep-checkpoints", "3"));
    a.addAll(List.of(extra));
    return a;
  }

  private static Path copyOfBase(String name) throws IOException {
    return FolderSnapshot.copy(base, tmp.resolve(name));
  }

  /** Resumes {@code out} and asserts exit 3, a cause naming {@code named}, nothing written. */
  private static void assertRefused(Path out, String named, String... extra) throws IOException {
    Map<String, String> before = FolderSnapshot.of(out);
    List<String> a = args(out, 3, "--resume");
    a.addAll(List.of(extra));
    CliRun r = CliRun.of(a.toArray(String[]::new));
    assertEquals(ExitCodes.BAD_INPUT, r.code(), r.out() + r.err());
    String line = r.errorLines().lines().findFirst().orElse("");
    assertTrue(line.startsWith("error: ") && line.contains(named), r.err());
    assertEquals(before, FolderSnapshot.of(out), "a refused resume must write nothing");
  }

  @Test
  void modelWithAnEntryTheGuardRefusesIsRefused() throws IOException {
    Path out = copyOfBase("guard");
    addEntry(out.resolve("checkpoints/epoch-0002/model.zip"), "preprocessor.bin");
    assertRefused(out, "epoch-0002");
  }

  @Test
  void truncatedModelIsRefused() throws IOException {
    Path out = copyOfBase("truncated");
    truncate(out.resolve("checkpoints/epoch-0002/model.zip"));
    assertRefused(out, "epoch-0002");
  }

  @Test
  void stateWhoseListsDisagreeIsRefused() throws IOException {
    Path out = copyOfBase("lists");
    Path state = out.resolve("checkpoints/epoch-0002/state.json");
    ObjectNode s = (ObjectNode) Json.mapper().readTree(state.toFile());
    ((ArrayNode) s.get("confusions")).remove(1);
    Files.writeString(state, Json.pretty(s));
    assertRefused(out, "epoch-0002/state.json");
  }

  @Test
  void stateThatDisagreesWithTheMetricsIsRefused() throws IOException {
    Path out = copyOfBase("metrics");
    Path metrics = out.resolve("metrics.jsonl");
    List<String> lines = Files.readAllLines(metrics);
    ObjectNode first = (ObjectNode) Json.mapper().readTree(lines.get(0));
    first.put("test_accuracy", 0.5);
    lines.set(0, Json.compact(first));
    Files.write(metrics, lines);
    assertRefused(out, "differ from metrics.jsonl");
  }

  @Test
  void malformedCheckpointFolderNameIsRefused() throws IOException {
    Path out = copyOfBase("name");
    Files.createDirectories(out.resolve("checkpoints/epoch-99999999999"));
    assertRefused(out, "checkpoints/epoch-99999999999");
  }

  @Test
  void metricsWithoutAnyCheckpointAreNotTrainedOverFromScratch() throws IOException {
    Path out = copyOfBase("nocheckpoint");
    for (String e : List.of("epoch-0001", "epoch-0002")) {
      Path dir = out.resolve("checkpoints").resolve(e);
      try (var files = Files.list(dir)) {
        for (Path f : files.toList()) {
          Files.delete(f);
        }
      }
      Files.delete(dir);
    }
    assertRefused(out, "holds no checkpoint");
  }

  @Test
  void sparkEngineRefusesTheSameWay() throws IOException {
    Path out = copyOfBase("spark");
    addEntry(out.resolve("checkpoints/epoch-0002/model.zip"), "preprocessor.bin");
    Map<String, String> before = FolderSnapshot.of(out);
    List<String> a = args(out, 3, "--resume");
    a.set(a.indexOf("local"), "spark");
    a.addAll(List.of("--master", "local[2]"));
    CliRun r = CliRun.of(a.toArray(String[]::new));
    assertEquals(ExitCodes.BAD_INPUT, r.code(), r.err());
    assertTrue(r.errorLines().contains("epoch-0002"), r.err());
    assertEquals(before, FolderSnapshot.of(out));
  }

  @Test
  void fallBackFlagResumesFromThePreviousCheckpointNeverFromScratch() throws IOException {
    Path out = copyOfBase("fallback");
    byte[] first = Files.readAllBytes(out.resolve("checkpoints/epoch-0001/model.zip"));
    addEntry(out.resolve("checkpoints/epoch-0002/model.zip"), "preprocessor.bin");
    CliRun r = CliRun.of(args(out, 3, "--resume", "--on-bad-checkpoint", "previous")
        .toArray(String[]::new));
    assertEquals(ExitCodes.OK, r.code(), r.err());
    assertTrue(r.out().contains("resuming after epoch 1 of 3"), r.out());
    List<String> lines = Files.readAllLines(out.resolve("metrics.jsonl"));
    assertEquals(3, lines.size());
    for (int i = 0; i < 3; i++) {
      assertEquals(i + 1, Json.mapper().readTree(lines.get(i)).get("epoch").asInt());
    }
    assertArrayEquals(first, Files.readAllBytes(out.resolve("checkpoints/epoch-0001/model.zip")),
        "epoch 1 was not trained again");
    try (var s = Files.list(out.resolve("checkpoints"))) {
      assertEquals(1L, s.filter(p -> p.getFileName().toString()
          .startsWith(".refused-epoch-0002-")).count(), "the refused checkpoint is kept aside");
    }
    // the new checkpoint 2 and the final model open with DL4J alone
    MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(
        out.resolve("checkpoints/epoch-0002/model.zip").toFile(), true);
    assertTrue(net.numParams() > 0);
    assertTrue(Files.exists(out.resolve("_SUCCESS")));
    JsonNode run = Json.mapper().readTree(out.resolve("run.json").toFile());
    assertEquals("complete", run.get("status").asText());
  }

  @Test
  void fallBackFlagRefusesWhenNoCheckpointCanBeTrusted() throws IOException {
    Path out = copyOfBase("allbad");
    truncate(out.resolve("checkpoints/epoch-0001/model.zip"));
    truncate(out.resolve("checkpoints/epoch-0002/model.zip"));
    assertRefused(out, "no checkpoint", "--on-bad-checkpoint", "previous");
  }

  private static void truncate(Path zip) throws IOException {
    byte[] b = Files.readAllBytes(zip);
    Files.write(zip, Arrays.copyOf(b, b.length / 2));
  }

  /** Rewrites a zip with one more (harmless-looking) entry. */
  private static void addEntry(Path zip, String name) throws IOException {
    byte[] old = Files.readAllBytes(zip);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream out = new ZipOutputStream(bytes);
        ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(old))) {
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        out.putNextEntry(new ZipEntry(e.getName()));
        in.transferTo(out);
        out.closeEntry();
      }
      out.putNextEntry(new ZipEntry(name));
      out.write(new byte[] {(byte) 0xac, (byte) 0xed, 0, 5});
      out.closeEntry();
    }
    Files.write(zip, bytes.toByteArray());
  }
}
