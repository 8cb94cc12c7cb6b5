package org.lenet5spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.StringJoiner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.io.Json;
import org.lenet5spark.testing.CliRun;
import org.lenet5spark.train.TrainOptions;
import picocli.CommandLine;

/**
 * What the {@code train} options look like from outside, pinned to the spellings of the
 * versions before the options were typed: the {@code config} that {@code run.json} records (key
 * for key, value spelling for value spelling, defaults and every closed set), the one-line usage
 * errors (exit 2) for every value outside a closed set, from a flag or from a defaults file, and
 * the defaults that {@code train --help} shows.
 */
class TrainOptionsCliTest {
  @TempDir
  Path tmp;

  private static TrainCommand parse(String... args) {
    CommandLine cli = Lenet5Cli.newCommandLine();
    CommandLine.ParseResult r = cli.parseArgs(args);
    return (TrainCommand) r.subcommand().commandSpec().userObject();
  }

  private static String config(String... args) {
    return Json.pretty(parse(args).options().describe());
  }

  @Test
  void defaultConfigIsRecordedAsBefore() {
    assertEquals("""
        {
          "data" : "file:/d",
          "output" : "file:/o",
          "engine" : "spark",
          "workers" : 2,
          "batch_size_per_worker" : 32,
          "averaging_frequency" : 20,
          "training_approach" : "auto",
          "seed" : 12345,
          "variant" : "modern",
          "kernels" : "fused",
          "updater" : "adam",
          "learning_rate" : 0.004,
          "lr_decay_per_epoch" : 0.7,
          "l2" : 5.0E-4,
          "augment" : false,
          "averaging_schedule" : [ 20 ],
          "averaging_periods" : [ 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20 ],
          "epochs" : 15,
          "worker_prefetch" : 2,
          "aggregation_depth" : 2,
          "storage_level" : "MEMORY_ONLY",
          "repartition" : "when-needed",
          "data_path" : "auto",
          "cache_budget" : 0,
          "distributed_eval" : false,
          "warm_up" : 0,
          "export_dir" : null,
          "keep_checkpoints" : 3,
          "resume" : false,
          "overwrite" : false,
          "on_bad_checkpoint" : "refuse",
          "validation" : "default",
          "early_stopping_patience" : 0,
          "early_stopping_metric" : "loss",
          "keep" : "best"
        }
        """, config("train", "--data", "/d", "--output", "/o"));
  }

  @Test
  void everyOtherValueIsRecordedAsBeforeWhateverItsCase() {
    assertEquals("""
        {
          "data" : "file:/d",
          "output" : "file:/o",
          "engine" : "local",
          "workers" : 4,
          "batch_size_per_worker" : 16,
          "averaging_frequency" : 5,
          "training_approach" : "direct",
          "seed" : 9,
          "variant" : "classic",
          "kernels" : "stock",
          "updater" : "sgd",
          "learning_rate" : 0.01,
          "lr_decay_per_epoch" : 1.0,
          "l2" : 1.0E-4,
          "augment" : true,
          "averaging_schedule" : [ 5 ],
          "epochs" : 3,
          "worker_prefetch" : 0,
          "aggregation_depth" : 3,
          "storage_level" : "MEMORY_AND_DISK_SER",
          "repartition" : "never",
          "data_path" : "stream",
          "cache_budget" : 2147483648,
          "distributed_eval" : false,
          "warm_up" : 25,
          "export_dir" : "file:/x",
          "keep_checkpoints" : 5,
          "resume" : true,
          "overwrite" : false,
          "on_bad_checkpoint" : "previous",
          "validation" : "0.1",
          "early_stopping_patience" : 3,
          "early_stopping_metric" : "accuracy",
          "keep" : "last"
        }
        """, config("train", "--data", "/d", "--output", "/o", "--validation", "0.1",
        "--early-stopping-patience", "3", "--early-stopping-metric", "ACCURACY", "--keep", "Last",
        "--engine", "LOCAL", "--training-approach", "Direct", "--repartition", "NEVER",
        "--storage-level", "memory_and_disk_ser", "--updater", "SGD", "--on-bad-checkpoint",
        "Previous", "--export-dir", "/x", "--kernels", "stock", "--variant", "classic",
        "--epochs", "3", "--workers", "4", "--batch-size", "16", "--averaging-frequency", "5",
        "--prefetch", "0", "--aggregation-depth", "3", "--seed", "9", "--learning-rate", "0.01",
        "--lr-decay", "1", "--l2", "0.0001", "--augment", "--resume", "--keep-checkpoints", "5",
        "--data-path", "Stream", "--cache-budget", "2G", "--warm-up", "25"));
    String spark = config("train", "--data", "/d", "--output", "/o", "--engine", "spark",
        "--training-approach", "export", "--repartition", "When-Needed", "--updater",
        "nesterov", "--storage-level", "OFF_HEAP");
    assertTrue(spark.contains("\"engine\" : \"spark\",\n"), spark);
    assertTrue(spark.contains("\"training_approach\" : \"export\",\n"), spark);
    assertTrue(spark.contains("\"updater\" : \"nesterov\",\n"), spark);
    assertTrue(spark.contains("\"storage_level\" : \"OFF_HEAP\",\n"), spark);
    assertTrue(spark.contains("\"repartition\" : \"when-needed\",\n"), spark);
    assertTrue(config("train", "--data", "/d", "--output", "/o", "--repartition", "always")
        .contains("\"repartition\" : \"always\",\n"));
  }

  private static final String[][] BAD = {
      {"--engine", "gpu", "--engine must be spark or local"},
      {"--training-approach", "x", "--training-approach must be auto, export or direct"},
      {"--repartition", "sometimes", "--repartition must be always, when-needed or never"},
      {"--data-path", "disk", "--data-path must be auto, cached or stream"},
      {"--cache-budget", "lots", "--cache-budget must be a size above 0 such as 512m or 4g"},
      {"--cache-budget", "0", "--cache-budget must be a size above 0 such as 512m or 4g"},
      {"--repartition", "when_needed", "--repartition must be always, when-needed or never"},
      {"--storage-level", "disk", "--storage-level: unknown Spark storage level DISK"},
      {"--updater", "rmsprop", "--updater must be adam, nesterov or sgd"},
      {"--on-bad-checkpoint", "ignore", "--on-bad-checkpoint must be refuse or previous"},
      {"--variant", "x", "unknown model variant 'x' (expected modern or classic)"},
      {"--kernels", "x", "unknown kernels 'x' (expected auto, fused or stock)"},
      {"--keep", "worst", "--keep must be best or last"},
      {"--early-stopping-metric", "f1", "--early-stopping-metric must be loss or accuracy"},
      {"--averaging-frequency", "0", "--averaging-frequency must be at least 1"},
      {"--averaging-frequency", "10,-5", "--averaging-frequency must be at least 1 in every "
          + "period, got -5"},
      {"--averaging-frequency", "10,,20", "--averaging-frequency has an empty period in "
          + "'10,,20'"},
      {"--averaging-frequency", "10,20,", "--averaging-frequency has an empty period in "
          + "'10,20,'"},
      {"--averaging-frequency", "ten", "--averaging-frequency periods must be whole numbers, "
          + "got 'ten'"},
      {"--averaging-frequency", "10,15", "--averaging-frequency periods must be multiples of "
          + "the first (10), got 15"},
      {"--averaging-frequency", "100001", "--averaging-frequency must be at most 100000, got "
          + "100001"},
      {"--averaging-frequency", "1" + ",1".repeat(100), "--averaging-frequency takes at most "
          + "100 periods, got 101"}};

  @Test
  void valuesOutsideAClosedSetAreUsageErrorsWithOneLine() {
    Path out = tmp.resolve("o");
    for (String[] bad : BAD) {
      CliRun r = CliRun.of("train", "--data", tmp.toString(), "--output", out.toString(),
          bad[0], bad[1]);
      assertEquals(ExitCodes.USAGE, r.code(), r.err());
      assertEquals("error: " + bad[2] + "\ntry: lenet5-spark train --help\n", r.errorLines());
    }
    assertFalse(Files.exists(out));
  }

  @Test
  void valuesOutsideAClosedSetInADefaultsFileAreTheSameUsageErrors() throws IOException {
    Path out = tmp.resolve("o");
    Path file = tmp.resolve("d.properties");
    for (String[] bad : BAD) {
      Files.writeString(file, "train." + bad[0].substring(2) + "=" + bad[1] + "\n");
      CliRun r = CliRun.of("--defaults", file.toString(), "train", "--data", tmp.toString(),
          "--output", out.toString());
      assertEquals(ExitCodes.USAGE, r.code(), r.err());
      assertEquals("error: " + bad[2] + "\ntry: lenet5-spark train --help\n", r.errorLines());
    }
    assertFalse(Files.exists(out));
  }

  @Test
  void everyClosedSetIsShownWithItsOwnSpellings() {
    CommandLine.Model.CommandSpec train = Lenet5Cli.newCommandLine().getSubcommands()
        .get("train").getCommandSpec();
    Object[][] sets = {
        {"--engine", TrainOptions.Engine.values()},
        {"--training-approach", TrainOptions.Approach.values()},
        {"--repartition", TrainOptions.Repartitioning.values()},
        {"--updater", TrainOptions.Updater.values()},
        {"--on-bad-checkpoint", TrainOptions.OnBadCheckpoint.values()}};
    for (Object[] set : sets) {
      StringJoiner label = new StringJoiner("|");
      for (TrainOptions.Choice c : (TrainOptions.Choice[]) set[1]) {
        label.add(c.spelling());
      }
      assertEquals(label.toString(), train.findOption((String) set[0]).paramLabel());
    }
  }

  @Test
  void helpShowsEveryDefault() {
    CliRun h = CliRun.of("train", "--help");
    assertEquals(ExitCodes.OK, h.code(), h.err());
    String help = h.out().replaceAll("\\s+", " ");
    for (String s : new String[] {
        "--engine=spark|local spark: DL4J parameter averaging; local: plain DL4J in this "
            + "process, the baseline (default: spark).",
        "--epochs=<epochs> Total epochs of the run (default: 15).",
        "--workers=<workers> Parameter-averaging workers (default: 2).",
        "--batch-size=<batchSize> Minibatch size per worker, 1-4096 (default: 32).",
        "--averaging-frequency=F[,F2,...] Minibatches per worker between averagings: one "
            + "period, or one per epoch (e.g. 10,20,40,80: the last repeats), each a multiple "
            + "of the first; ignored by --engine local (default: 20).",
        "--prefetch=<prefetch> Minibatches prefetched per worker (default: 2).",
        "the JIT compiles the kernels first; 0: none (default: 0).",
        "aggregation of the parameters (default: 2).",
        "--training-approach=auto|export|direct DL4J's RDD training approach; auto: direct "
            + "with a local master, export on a cluster (default: auto).",
        "Spark storage level of the training RDD (default: MEMORY_ONLY).",
        "--repartition=always|when-needed|never When DL4J repartitions each averaging round's "
            + "data (default: when-needed).",
        "--seed=<seed> Random seed (default: 12345).",
        "--variant=modern|classic LeNet-5 variant (default: modern).",
        "stock on CUDA) (default: auto).",
        "--updater=adam|nesterov|sgd Updater (default: adam).",
        "--learning-rate=<learningRate> Initial learning rate (default: 0.004).",
        "1 keeps it constant (default: 0.7).",
        "--l2=<l2> L2 regularisation (default: 5.0E-4).",
        "(never to training from scratch) (default: refuse).",
        "--keep-checkpoints=<keepCheckpoints> Most recent checkpoints kept (default: 3)."}) {
      assertTrue(help.contains(s), s + " not in:\n" + h.out());
    }
  }
}
