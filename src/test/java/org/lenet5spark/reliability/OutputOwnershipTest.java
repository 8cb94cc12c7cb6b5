package org.lenet5spark.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lenet5spark.cli.ExitCodes;
import org.lenet5spark.io.OutputOwnership;
import org.lenet5spark.predict.PredictionWriter;
import org.lenet5spark.testing.CliRun;
import org.lenet5spark.testing.SmallData;
import org.lenet5spark.testing.TreeHash;

/**
 * Ownership before deletion, through the real CLI: every command that replaces or writes into an
 * existing location refuses one that is not its own kind of output, or that equals, contains or
 * lies inside its inputs, with exit 3 and one line naming the path, and leaves it byte-identical
 * (a recursive listing with SHA-256 of every file is compared). Inputs are checked before an old
 * output is touched.
 */
class OutputOwnershipTest {
  @TempDir
  static Path tmp;
  static Path idx;
  static Path data;
  static Path run;

  @BeforeAll
  static void realRun() throws IOException {
    idx = SmallData.realSubset(tmp.resolve("idx"), 1000, 200);
    data = SmallData.prepare(idx, tmp.resolve("shards"), "binary", 2);
    run = tmp.resolve("run");
    CliRun r = CliRun.of("train", "--engine", "local", "--data", data.toString(), "--output",
        run.toString(), "--epochs", "1", "--batch-size", "64");
    assertEquals(ExitCodes.OK, r.code(), r.err());
  }

  /** A folder of a user's own files. */
  static Path userFolder(String name) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve(name));
    Files.writeString(dir.resolve("thesis.tex"), "\\chapter{Years of work}\n");
    Files.createDirectories(dir.resolve("figures"));
    Files.write(dir.resolve("figures/plot.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2});
    return dir;
  }

  static void assertRefused(CliRun r, Path named) {
    assertEquals(ExitCodes.BAD_INPUT, r.code(), r.err());
    List<String> lines = r.errorLines().lines()
        .filter(l -> !l.startsWith("(run with --verbose")).toList();
    assertEquals(1, lines.size(), r.err());
    assertTrue(lines.get(0).startsWith("error: ") && lines.get(0).contains(named.toString()),
        r.err());
  }

  static void assertNoSiblings(Path output) throws IOException {
    assertEquals(List.of(), TreeHash.namesStartingWith(output.getParent(),
        "." + output.getFileName() + ".").stream().filter(n -> !n.endsWith(".lock")).toList());
  }

  @ParameterizedTest
  @ValueSource(strings = {"local", "spark"})
  void trainOverwriteNeverDeletesAFolderOfUserFiles(String engine) throws IOException {
    Path thesis = userFolder("thesis-" + engine);
    String before = TreeHash.of(thesis);
    CliRun missingData = CliRun.of("train", "--engine", engine, "--data",
        tmp.resolve("no/such/folder").toString(), "--output", thesis.toString(), "--overwrite",
        "--master", "local[1]");
    assertRefused(missingData, thesis);
    assertEquals(before, TreeHash.of(thesis));
    CliRun goodData = CliRun.of("train", "--engine", engine, "--data", data.toString(),
        "--output", thesis.toString(), "--overwrite", "--epochs", "1", "--master", "local[1]");
    assertRefused(goodData, thesis);
    assertTrue(goodData.err().contains("not a training run"), goodData.err());
    assertEquals(before, TreeHash.of(thesis));
    assertNoSiblings(thesis);
  }

  @Test
  void trainChecksItsDataBeforeTouchingTheRunItWouldReplace() throws IOException {
    String before = TreeHash.of(run);
    CliRun r = CliRun.of("train", "--engine", "local", "--data",
        tmp.resolve("no/such/folder").toString(), "--output", run.toString(), "--overwrite");
    assertEquals(ExitCodes.BAD_INPUT, r.code(), r.err());
    assertTrue(r.err().contains("data folder does not exist"), r.err());
    assertEquals(before, TreeHash.of(run));
    assertNoSiblings(run);
  }

  @Test
  void trainRefusesAnOutputInsideOrAroundItsData() throws IOException {
    String before = TreeHash.of(data);
    for (Path out : List.of(data, data.resolve("run"), tmp)) {
      CliRun r = CliRun.of("train", "--engine", "local", "--data", data.toString(), "--output",
          out.toString(), "--overwrite");
      assertRefused(r, out);
      assertEquals(before, TreeHash.of(data));
    }
    assertFalse(Files.exists(data.resolve("run")));
  }

  @Test
  void trainRefusesUserFilesAddedToARunFolder() throws IOException {
    Path copy = tmp.resolve("run-with-notes");
    copyTree(run, copy);
    Files.writeString(copy.resolve("notes.txt"), "my notes\n");
    String before = TreeHash.of(copy);
    CliRun r = CliRun.of("train", "--engine", "local", "--data", data.toString(), "--output",
        copy.toString(), "--overwrite", "--epochs", "1");
    assertRefused(r, copy);
    assertTrue(r.err().contains("notes.txt"), r.err());
    assertEquals(before, TreeHash.of(copy));
  }

  @Test
  void prepareRefusesTheParentOfItsOwnInput() throws IOException {
    Path proj = tmp.resolve("proj");
    SmallData.realSubset(proj.resolve("idx"), 100, 20);
    Files.writeString(proj.resolve("README.md"), "my project\n");
    String before = TreeHash.of(proj);
    CliRun r = CliRun.of("prepare", "--input", proj.resolve("idx").toString(), "--output",
        proj.toString(), "--overwrite", "--master", "local[1]");
    assertRefused(r, proj);
    assertEquals(before, TreeHash.of(proj));
    CliRun inside = CliRun.of("prepare", "--input", proj.resolve("idx").toString(), "--output",
        proj.resolve("idx/shards").toString(), "--master", "local[1]");
    assertRefused(inside, proj.resolve("idx/shards"));
    assertEquals(before, TreeHash.of(proj));
  }

  @Test
  void prepareOverwriteRefusesAFolderThatIsNotPreparedData() throws IOException {
    Path thesis = userFolder("thesis-prepare");
    String before = TreeHash.of(thesis);
    CliRun r = CliRun.of("prepare", "--input", idx.toString(), "--output", thesis.toString(),
        "--overwrite", "--master", "local[1]");
    assertRefused(r, thesis);
    assertEquals(before, TreeHash.of(thesis));
    assertNoSiblings(thesis);
  }

  @Test
  void reportNeverEmptiesAFolderThatIsNotAReport() throws IOException {
    Path folder = userFolder("thesis-report");
    String before = TreeHash.of(folder);
    for (boolean overwrite : new boolean[] {false, true}) {
      CliRun r = overwrite
          ? CliRun.of("report", "--run", run.toString(), "--out", folder.toString(),
              "--overwrite")
          : CliRun.of("report", "--run", run.toString(), "--out", folder.toString());
      assertRefused(r, folder);
      assertEquals(before, TreeHash.of(folder));
    }
    assertNoSiblings(folder);
    String runBefore = TreeHash.of(run);
    CliRun intoRun = CliRun.of("report", "--run", run.toString(), "--out", run.toString(),
        "--overwrite");
    assertRefused(intoRun, run);
    assertEquals(runBefore, TreeHash.of(run));
  }

  @ParameterizedTest
  @ValueSource(strings = {"local", "spark"})
  void predictRefusesToReplaceAFileItDidNotWrite(String engine) throws IOException {
    Path mine = tmp.resolve("budget-" + engine + ".csv");
    Files.writeString(mine, "month,amount\njan,10\n");
    String before = TreeHash.of(mine);
    CliRun r = CliRun.of("predict", "--model", run.resolve("model.zip").toString(), "--input",
        data.toString(), "--output", mine.toString(), "--overwrite", "--engine", engine);
    assertRefused(r, mine);
    assertEquals(before, TreeHash.of(mine));

    Path pics = Files.createDirectories(tmp.resolve("pics-" + engine));
    CliRun inside = CliRun.of("predict", "--model", run.resolve("model.zip").toString(),
        "--input", pics.toString(), "--output", pics.resolve("p.csv").toString(), "--engine",
        engine);
    assertRefused(inside, pics.resolve("p.csv"));
    assertFalse(Files.exists(pics.resolve("p.csv")));
    CliRun model = CliRun.of("predict", "--model", run.resolve("model.zip").toString(),
        "--input", data.toString(), "--output", run.resolve("model.zip").toString(),
        "--overwrite", "--engine", engine);
    assertRefused(model, run.resolve("model.zip"));
  }

  @Test
  void predictReplacesItsOwnOutputOnlyWithOverwrite() throws IOException {
    Path preds = tmp.resolve("preds.csv");
    String[] args = {"predict", "--model", run.resolve("model.zip").toString(), "--input",
        data.toString(), "--output", preds.toString(), "--engine", "local"};
    assertEquals(ExitCodes.OK, CliRun.of(args).code());
    Files.writeString(preds, Files.readString(preds).replaceFirst("\n0,", "\n0x,"));
    String edited = TreeHash.of(preds);
    assertEquals(ExitCodes.BAD_INPUT, CliRun.of(args).code());
    assertEquals(edited, TreeHash.of(preds));
    String[] again = java.util.Arrays.copyOf(args, args.length + 1);
    again[args.length] = "--overwrite";
    CliRun r = CliRun.of(again);
    assertEquals(ExitCodes.OK, r.code(), r.err());
    assertNotEquals(edited, TreeHash.of(preds));
    assertEquals(PredictionWriter.csvHeader(), Files.readAllLines(preds).get(0));
  }

  @Test
  void fetchRefusesToReplaceAFileItDidNotWriteOrToWriteIntoItsSource() throws IOException {
    Path to = Files.createDirectories(tmp.resolve("fetch-to"));
    Files.writeString(to.resolve("train-labels-idx1-ubyte"), "my own labels, not IDX\n");
    String before = TreeHash.of(to);
    CliRun r = CliRun.of("fetch", "--to", to.toString(), "--from", idx.toString());
    assertRefused(r, to.resolve("train-labels-idx1-ubyte"));
    assertEquals(before, TreeHash.of(to));
    String idxBefore = TreeHash.of(idx);
    CliRun inside = CliRun.of("fetch", "--to", idx.resolve("mnist").toString(), "--from",
        idx.toString());
    assertRefused(inside, idx.resolve("mnist"));
    Path archive = idx.resolve("mnist.tgz");
    Files.write(archive, new byte[] {0x1f, (byte) 0x8b});
    CliRun around = CliRun.of("fetch", "--to", idx.toString(), "--from", archive.toString());
    assertRefused(around, idx);
    Files.delete(archive);
    assertEquals(idxBefore, TreeHash.of(idx));
  }

  @Test
  void benchRefusesAWorkFolderItDidNotMake() throws IOException {
    Path thesis = userFolder("thesis-bench");
    String before = TreeHash.of(thesis);
    CliRun r = CliRun.of("bench", "--input", idx.toString(), "--work", thesis.toString(),
        "--json", tmp.resolve("b.json").toString(), "--suite", "throughput");
    assertRefused(r, thesis);
    assertEquals(before, TreeHash.of(thesis));
    String idxBefore = TreeHash.of(idx);
    CliRun same = CliRun.of("bench", "--input", idx.toString(), "--work", idx.toString(),
        "--json", tmp.resolve("b.json").toString(), "--suite", "throughput");
    assertRefused(same, idx);
    assertEquals(idxBefore, TreeHash.of(idx));
    Path json = tmp.resolve("thesis.json");
    Files.writeString(json, "[\"not bench figures\"]\n");
    CliRun figures = CliRun.of("bench", "--input", idx.toString(), "--work",
        tmp.resolve("bench-work").toString(), "--json", json.toString(), "--suite",
        "throughput");
    assertRefused(figures, json);
    assertFalse(Files.exists(tmp.resolve("bench-work")));
  }

  @Test
  void recognisedOutputNamesMatchTheWriters() {
    assertEquals(PredictionWriter.csvHeader(), OutputOwnership.PREDICTIONS_CSV_HEADER);
    assertEquals(PredictionWriter.SCHEMA.getName(), OutputOwnership.PREDICTIONS_SCHEMA);
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (var walk = Files.walk(from)) {
      for (Path p : walk.toList()) {
        Path d = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(d);
        } else {
          Files.copy(p, d);
        }
      }
    }
  }
}
