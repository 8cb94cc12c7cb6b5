package org.lenet5spark.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.cli.ExitCodes;
import org.lenet5spark.cli.Lenet5Cli;
import org.lenet5spark.data.BinaryShardCodec;
import org.lenet5spark.data.Manifest;
import org.lenet5spark.testing.CliRun;
import org.lenet5spark.testing.FolderSnapshot;
import org.lenet5spark.testing.Java17Flags;
import org.lenet5spark.testing.SmallData;

/**
 * Failures that an outside check of a fresh clone found, each reproduced here: a folder where a
 * file belongs (a model, a manifest, a checkpoint's model) was exit 1 instead of 3; bad shard
 * content on the Spark engine printed Spark's task-failure stack traces before the one-line cause
 * (seen only with the production log configuration, so that case runs the CLI in a child JVM);
 * and an unreachable output file system was classed as bad input (3) instead of a runtime
 * failure that a retry may cure (1).
 */
class EdgeCasesFromOutsideTest {
  @TempDir
  static Path tmp;
  private static Path data;

  @BeforeAll
  static void data() throws IOException {
    Path idx = SmallData.realSubset(tmp.resolve("idx"), 600, 200);
    data = SmallData.prepare(idx, tmp.resolve("shards"), "binary", 2);
  }

  @Test
  void aFolderWhereTheModelBelongsIsBadInput() throws IOException {
    Path folder = Files.createDirectories(tmp.resolve("model-folder"));
    for (String command : List.of("evaluate", "predict")) {
      List<String> args = new ArrayList<>(List.of(command, "--model", folder.toString(),
          command.equals("evaluate") ? "--data" : "--input", data.toString()));
      CliRun r = CliRun.of(args.toArray(String[]::new));
      assertEquals(ExitCodes.BAD_INPUT, r.code(), command + ": " + r.err());
      String line = r.errorLines().strip().split("\n")[0];
      assertTrue(line.startsWith("error: ")
          && line.endsWith("model-folder is a folder, expected a file"), command + ": " + line);
    }
  }

  @Test
  void aFolderWhereTheManifestBelongsIsBadInputOnBothEngines() throws IOException {
    Path broken = tmp.resolve("manifest-folder");
    copy(data, broken);
    Path manifest = broken.resolve("train").resolve(Manifest.FILE_NAME);
    Files.delete(manifest);
    Files.createDirectories(manifest);
    for (String engine : List.of("spark", "local")) {
      Path out = tmp.resolve("run-manifest-" + engine);
      CliRun r = CliRun.of("train", "--engine", engine, "--data", broken.toString(), "--output",
          out.toString(), "--epochs", "1", "--master", "local[2]");
      assertEquals(ExitCodes.BAD_INPUT, r.code(), engine + ": " + r.err());
      assertTrue(r.errorLines().contains("is a folder, expected a file"), r.err());
      assertFalse(Files.exists(out.resolve("_SUCCESS")));
    }
  }

  @Test
  void aFolderWhereACheckpointModelBelongsIsRefusedAndChangesNothing() throws IOException {
    Path run = tmp.resolve("run-checkpoint");
    CliRun first = CliRun.of("train", "--engine", "local", "--data", data.toString(),
        "--output", run.toString(), "--epochs", "1");
    assertEquals(ExitCodes.OK, first.code(), first.err());
    Path model = run.resolve("checkpoints/epoch-0001/model.zip");
    Files.delete(model);
    Files.createDirectories(model);
    Map<String, String> before = FolderSnapshot.of(run);
    CliRun r = CliRun.of("train", "--engine", "local", "--data", data.toString(), "--output",
        run.toString(), "--epochs", "2", "--resume");
    assertEquals(ExitCodes.BAD_INPUT, r.code(), r.err());
    assertTrue(r.errorLines().contains("epoch-0001") && r.errorLines().contains("is a folder"),
        r.err());
    assertEquals(before, FolderSnapshot.of(run));
  }

  @Test
  void badShardContentOnSparkIsOneLineWithoutSparkStackTraces() throws Exception {
    Path broken = tmp.resolve("label-10");
    copy(data, broken);
    Path shard = broken.resolve("train/part-00001.bin");
    BadInputCorpusTest.putInt(shard, BinaryShardCodec.HEADER_SIZE + 7L * (8 + 28 * 28 * 4), 10);
    BadInputCorpusTest.updateCrc(broken, "train", 1);
    Path out = tmp.resolve("run-label-10");
    File log = tmp.resolve("label-10.log").toFile();
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(Java17Flags.read());
    cmd.addAll(List.of("-Xmx2g",
        "-Dlog4j2.configurationFile=" + Path.of("conf", "log4j2.properties").toAbsolutePath(),
        "-cp", System.getProperty("java.class.path"), Lenet5Cli.class.getName(),
        "train", "--data", broken.toString(), "--output", out.toString(), "--epochs", "1",
        "--master", "local[2]"));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log).start();
    assertTrue(p.waitFor(5, TimeUnit.MINUTES), "train timed out");
    String text = Files.readString(log.toPath(), StandardCharsets.UTF_8);
    assertEquals(ExitCodes.BAD_INPUT, p.exitValue(), text);
    assertTrue(text.contains("error: ") && text.contains("record 7 has label 10, outside 0-9"),
        text);
    assertFalse(text.contains("\tat "), "a stack trace without --verbose:\n" + text);
    assertFalse(Files.exists(out.resolve("_SUCCESS")));
  }

  @Test
  void aRecordCopiedOverAnotherIsRefusedOnBothEngines() throws IOException {
    Path broken = tmp.resolve("copied-record");
    copy(data, broken);
    Path shard = broken.resolve("train/part-00000.bin");
    int record = 8 + 28 * 28 * 4;
    byte[] b = Files.readAllBytes(shard);
    // record 5 becomes a copy of record 4 with record 5's label, so the class histogram holds
    System.arraycopy(b, BinaryShardCodec.HEADER_SIZE + 4 * record + 4, b,
        BinaryShardCodec.HEADER_SIZE + 5 * record + 4, record - 4);
    Files.write(shard, b);
    BadInputCorpusTest.updateCrc(broken, "train", 0);
    for (String engine : List.of("spark", "local")) {
      Path out = tmp.resolve("run-copied-" + engine);
      CliRun r = CliRun.of("train", "--engine", engine, "--data", broken.toString(), "--output",
          out.toString(), "--epochs", "1", "--master", "local[2]");
      assertEquals(ExitCodes.BAD_INPUT, r.code(), engine + ": " + r.err());
      assertTrue(r.errorLines().contains("record 5 has index 4, expected 5"), r.err());
      assertFalse(Files.exists(out.resolve("_SUCCESS")));
    }
  }

  @Test
  void anUnreachableOutputFileSystemIsARuntimeFailure() {
    // nothing listens on port 1 of this host: the connection is refused
    CliRun r = CliRun.of("train", "--engine", "local", "--data", data.toString(), "--output",
        "hdfs://127.0.0.1:1/runs/r1", "--epochs", "1");
    assertEquals(ExitCodes.FAILURE, r.code(), r.err());
    assertTrue(r.errorLines().startsWith("error: "), r.err());
  }

  private static void copy(Path from, Path to) throws IOException {
    try (var paths = Files.walk(from)) {
      for (Path p : paths.toList()) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t);
        }
      }
    }
  }
}
