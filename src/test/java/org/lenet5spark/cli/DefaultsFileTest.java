package org.lenet5spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.testing.CliRun;
import org.lenet5spark.train.TrainOptions;
import picocli.CommandLine;

/**
 * The CLI's defaults file: its values become option defaults, flags override them, and an
 * unknown key, a malformed line or a value of the wrong type is bad input (exit 3) before any
 * work. conf/lenet5.properties itself loads and agrees with the built-in defaults.
 */
class DefaultsFileTest {
  @TempDir
  Path tmp;

  private static TrainCommand parseTrain(DefaultsFile defaults, String... args) {
    CommandLine cli = Lenet5Cli.newCommandLine();
    cli.setDefaultValueProvider(defaults);
    CommandLine.ParseResult r = cli.parseArgs(args);
    return (TrainCommand) r.subcommand().commandSpec().userObject();
  }

  private static DefaultsFile parse(String text) {
    return DefaultsFile.parse("test.properties", text,
        Lenet5Cli.newCommandLine().getCommandSpec());
  }

  @Test
  void valuesBecomeDefaultsAndFlagsWin() {
    DefaultsFile d = parse("# comment\ntrain.epochs=4\ntrain.data = /d\ntrain.overwrite=true\n");
    TrainCommand t = parseTrain(d, "train", "--output", "/o");
    assertEquals(4, t.epochs);
    assertEquals("/d", t.data);
    assertTrue(t.overwrite);
    assertEquals(TrainOptions.DEFAULT_BATCH_SIZE, t.batchSize);
    TrainCommand t2 = parseTrain(d, "train", "--output", "/o", "--epochs", "9", "--data", "/x");
    assertEquals(9, t2.epochs);
    assertEquals("/x", t2.data);
  }

  @Test
  void projectDefaultsFileLoadsAndMatchesTheBuiltInDefaults() {
    DefaultsFile d = DefaultsFile.load("conf/lenet5.properties",
        Lenet5Cli.newCommandLine().getCommandSpec());
    Map<String, String> v = d.values();
    assertEquals(String.valueOf(TrainOptions.DEFAULT_EPOCHS), v.get("train.epochs"));
    assertEquals(String.valueOf(TrainOptions.DEFAULT_WORKERS), v.get("train.workers"));
    assertEquals(String.valueOf(TrainOptions.DEFAULT_BATCH_SIZE), v.get("train.batch-size"));
    assertEquals(TrainOptions.DEFAULT_LEARNING_RATE,
        Double.parseDouble(v.get("train.learning-rate")));
    assertEquals(TrainOptions.DEFAULT_LR_DECAY, Double.parseDouble(v.get("train.lr-decay")));
    assertEquals(TrainOptions.DEFAULT_VARIANT, v.get("train.variant"));
    assertEquals(TrainOptions.DEFAULT_UPDATER, v.get("train.updater"));
  }

  @Test
  void topLevelOptionWinsOverTheEnvironment() {
    assertEquals("a", DefaultsFile.locate(new String[] {"--defaults", "a", "train"}, "b"));
    assertEquals("a", DefaultsFile.locate(new String[] {"--defaults=a", "train"}, "b"));
    assertEquals("b", DefaultsFile.locate(new String[] {"train", "--defaults", "a"}, "b"));
    assertNull(DefaultsFile.locate(new String[] {"train"}, ""));
  }

  @Test
  void cliUsesTheFileAndRefusesBadOnes() throws IOException {
    Path good = tmp.resolve("good.properties");
    Files.writeString(good, "train.epochs=0\n");
    // the file's value is validated like a flag: epochs 0 is a usage error of train
    CliRun r = CliRun.of("--defaults", good.toString(), "train", "--data", "/d", "--output",
        tmp.resolve("o").toString());
    assertEquals(ExitCodes.USAGE, r.code(), r.err());
    assertTrue(r.err().contains("--epochs"), r.err());

    for (String bad : new String[] {"train.bogus=1\n", "nosuch.epochs=1\n", "train.epochs\n",
        "train.epochs=three\n", "train.epochs=\n", "train.epochs=1\ntrain.epochs=2\n",
        "train.help=true\n", "fetch.mirror=https://x\n"}) {
      Path f = tmp.resolve("bad.properties");
      Files.writeString(f, bad);
      CliRun b = CliRun.of("--defaults", f.toString(), "train", "--help");
      assertEquals(ExitCodes.BAD_INPUT, b.code(), bad + " -> " + b.err());
      assertTrue(b.err().startsWith("error: " + f), b.err());
      assertEquals(1, b.errorLines().lines().count(), b.err());
    }
    CliRun missing = CliRun.of("--defaults", tmp.resolve("none").toString(), "train", "--help");
    assertEquals(ExitCodes.BAD_INPUT, missing.code(), missing.err());
  }
}
