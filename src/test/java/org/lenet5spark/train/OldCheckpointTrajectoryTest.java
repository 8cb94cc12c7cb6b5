package org.lenet5spark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.cli.ExitCodes;
import org.lenet5spark.io.Json;
import org.lenet5spark.testing.CliRun;
import org.lenet5spark.testing.FolderSnapshot;
import org.lenet5spark.testing.SmallData;

/**
 * A checkpoint whose {@code state.json} holds the training settings ("trajectory") spelled as
 * the versions before typed options wrote them is still accepted by {@code train --resume}, on
 * both engines: the settings are written with the same keys and value spellings, and a resume
 * compares them with those. A spelling that differs (the control) is refused and changes nothing.
 * Those versions had no validation split: their checkpoints resume with {@code --validation 0}
 * (which records no split, as they did), and are refused with one (the default); their L2 was
 * 0, the default then, so they resume with {@code --l2 0}, and so are their learning rate, decay
 * and averaging period ({@code --learning-rate 0.002 --lr-decay 0.8 --averaging-frequency 10},
 * the defaults until issue 19).
 */
class OldCheckpointTrajectoryTest {
  @TempDir
  static Path tmp;
  static Path data;

  /** Written by the local engine before typed options (train --engine local --updater sgd). */
  private static final String OLD_LOCAL = """
      {"engine":"local","workers":1,"batch_size_per_worker":32,"averaging_frequency":0,
       "training_approach":"none","seed":5,"variant":"modern","kernels":"fused",
       "updater":"sgd","learning_rate":0.002,"lr_decay_per_epoch":0.8,"l2":0.0,
       "augment":false}""";
  /** Written by the Spark engine before typed options (--updater nesterov --approach direct). */
  private static final String OLD_SPARK = """
      {"engine":"spark","workers":2,"batch_size_per_worker":32,"averaging_frequency":10,
       "training_approach":"direct","seed":5,"variant":"modern","kernels":"fused",
       "updater":"nesterov","learning_rate":0.002,"lr_decay_per_epoch":0.8,"l2":0.0,
       "augment":false}""";

  @BeforeAll
  static void data() throws IOException {
    data = SmallData.prepare(SmallData.realSubset(tmp.resolve("idx"), 600, 200),
        tmp.resolve("shards"), "binary", 2);
  }

  private static String[] args(Path out, int epochs, String... extra) {
    return args(out, epochs, "0", extra);
  }

  private static String[] args(Path out, int epochs, String validation, String... extra) {
    List<String> a = new ArrayList<>(List.of("train", "--data", data.toString(), "--output",
        out.toString(), "--epochs", String.valueOf(epochs), "--seed", "5", "--validation",
        validation, "--l2", "0", "--learning-rate", "0.002", "--lr-decay", "0.8",
        "--averaging-frequency", "10"));
    a.addAll(List.of(extra));
    return a.toArray(String[]::new);
  }

  @Test
  void localCheckpointOfTheOldSpellingsIsResumed() throws IOException {
    check(tmp.resolve("local"), OLD_LOCAL, "engine", "LOCAL", "--engine", "local", "--updater",
        "sgd");
  }

  @Test
  void sparkCheckpointOfTheOldSpellingsIsResumed() throws IOException {
    check(tmp.resolve("spark"), OLD_SPARK, "training_approach", "Direct", "--master",
        "local[2]", "--workers", "2", "--updater", "nesterov", "--training-approach", "direct");
  }

  private static void check(Path out, String old, String key, String otherSpelling,
      String... settings) throws IOException {
    CliRun first = CliRun.of(args(out, 1, settings));
    assertEquals(ExitCodes.OK, first.code(), first.err());
    Path state = out.resolve("checkpoints/epoch-0001/state.json");
    ObjectNode written = (ObjectNode) Json.mapper().readTree(state.toFile());
    JsonNode oldTrajectory = Json.mapper().readTree(old);
    // written as before: same keys, same order, same values
    assertEquals(Json.pretty(oldTrajectory), Json.pretty(written.get("trajectory")));

    // the control: a spelling the old versions never wrote is refused, nothing changes
    ObjectNode changed = written.deepCopy();
    ((ObjectNode) changed.get("trajectory")).put(key, otherSpelling);
    Files.writeString(state, Json.pretty(changed));
    Map<String, String> before = FolderSnapshot.of(out);
    CliRun refused = CliRun.of(args(out, 2, append(settings, "--resume")));
    assertEquals(ExitCodes.BAD_INPUT, refused.code(), refused.out() + refused.err());
    assertTrue(refused.errorLines().contains(key + " was " + otherSpelling), refused.err());
    assertEquals(before, FolderSnapshot.of(out));

    // the checkpoint with the old text itself is resumed, but not with a validation split
    written.set("trajectory", oldTrajectory);
    Files.writeString(state, Json.pretty(written));
    Map<String, String> old2 = FolderSnapshot.of(out);
    CliRun split = CliRun.of(args(out, 2, "default", append(settings, "--resume")));
    assertEquals(ExitCodes.BAD_INPUT, split.code(), split.out() + split.err());
    assertTrue(split.errorLines().contains("validation was none, now "), split.err());
    assertEquals(old2, FolderSnapshot.of(out));
    CliRun resumed = CliRun.of(args(out, 2, append(settings, "--resume")));
    assertEquals(ExitCodes.OK, resumed.code(), resumed.err());
    assertTrue(resumed.out().contains("resuming after epoch 1 of 2"), resumed.out());
    assertEquals(2, Files.readAllLines(out.resolve("metrics.jsonl")).size());
  }

  private static String[] append(String[] a, String b) {
    List<String> l = new ArrayList<>(List.of(a));
    l.add(b);
    return l.toArray(String[]::new);
  }
}
