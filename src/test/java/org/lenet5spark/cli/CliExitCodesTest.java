package org.lenet5spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lenet5spark.testing.CliRun;

/**
 * The CLI contract: 0 on success, 2 on a usage error, 3 on bad input, 1 on other failures; one
 * line of cause on stderr and the stack trace only with {@code --verbose}.
 */
class CliExitCodesTest {
  @TempDir
  Path tmp;

  @ParameterizedTest
  @ValueSource(strings = {"fetch", "prepare", "train", "evaluate", "predict", "report", "bench",
      "doctor"})
  void everySubcommandHasHelp(String sub) {
    CliRun r = CliRun.of(sub, "--help");
    assertEquals(ExitCodes.OK, r.code());
    assertTrue(r.out().contains("Usage: lenet5-spark " + sub), r.out());
  }

  @Test
  void topLevelHelpAndVersion() {
    assertEquals(ExitCodes.OK, CliRun.of("--help").code());
    CliRun v = CliRun.of("--version");
    assertEquals(ExitCodes.OK, v.code());
    assertTrue(v.out().contains("lenet5-spark"), v.out());
  }

  @Test
  void usageErrorsExitTwo() {
    assertEquals(ExitCodes.USAGE, CliRun.of().code());
    assertEquals(ExitCodes.USAGE, CliRun.of("frobnicate").code());
    assertEquals(ExitCodes.USAGE, CliRun.of("train", "--data", "x").code());
    assertEquals(ExitCodes.USAGE, CliRun.of("train", "--data", "x", "--output", "y",
        "--epochs", "three").code());
    CliRun r = CliRun.of("train", "--data", "x", "--output", "y", "--bogus");
    assertEquals(ExitCodes.USAGE, r.code());
    assertTrue(r.err().startsWith("error: "), r.err());
  }

  @Test
  void invalidOptionValuesExitTwoBeforeAnyWork() {
    Path out = tmp.resolve("run");
    CliRun r = CliRun.of("train", "--data", tmp.toString(), "--output", out.toString(),
        "--epochs", "0");
    assertEquals(ExitCodes.USAGE, r.code());
    assertTrue(r.err().contains("--epochs"), r.err());
    assertEquals(ExitCodes.USAGE, CliRun.of("train", "--data", tmp.toString(), "--output",
        out.toString(), "--updater", "rmsprop").code());
    assertEquals(ExitCodes.USAGE, CliRun.of("prepare", "--input", tmp.toString(), "--output",
        out.toString(), "--format", "csv").code());
    assertEquals(ExitCodes.USAGE, CliRun.of("prepare", "--input", tmp.toString(), "--output",
        out.toString(), "--shards", "0").code());
    CliRun bench = CliRun.of("bench", "--input", tmp.toString(), "--work", out.toString(),
        "--json", out.resolve("b.json").toString(), "--pytorch-rounds", "0");
    assertEquals(ExitCodes.USAGE, bench.code());
    assertTrue(bench.err().contains("--pytorch-rounds"), bench.err());
    assertFalse(Files.exists(out));
  }

  @Test
  void badInputExitsThreeWithOneLineAndNoStackTrace() {
    CliRun r = CliRun.of("prepare", "--input", tmp.resolve("missing").toString(), "--output",
        tmp.resolve("out").toString(), "--master", "local[1]");
    assertEquals(ExitCodes.BAD_INPUT, r.code());
    String[] lines = r.errorLines().split("\n");
    assertTrue(lines[0].startsWith("error: ") && lines[0].contains("missing"), r.err());
    assertFalse(r.err().contains("\tat "), "no stack trace without --verbose");
    assertFalse(Files.exists(tmp.resolve("out")));

    CliRun v = CliRun.of("evaluate", "--model", tmp.resolve("none.zip").toString(), "--data",
        tmp.toString(), "--verbose");
    assertEquals(ExitCodes.BAD_INPUT, v.code());
    assertTrue(v.err().contains("\tat "), "stack trace with --verbose");
  }
}
