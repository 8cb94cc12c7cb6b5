package org.lenet5spark.train;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.lenet5spark.data.Normalization;
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.io.Json;
import org.lenet5spark.model.LeNet5;
import org.lenet5spark.model.ModelStore;
import org.lenet5spark.run.EpochMetrics;
import org.lenet5spark.run.RunFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checkpoints of a run, {@code <run>/checkpoints/epoch-NNNN/}: {@code model.zip} (with updater
 * state and normaliser) and {@code state.json} (epoch, seeds, the settings that shape training,
 * the data's fingerprint, and every epoch's metrics so far). Each checkpoint is built in a hidden
 * folder and published by one rename, so a listed checkpoint is always complete.
 *
 * <p>A checkpoint is trusted or refused, never skipped: {@link #latest} checks the folder names,
 * that {@code state.json} agrees with itself, with its folder and with {@code metrics.jsonl}, and
 * that {@code model.zip} loads; anything else is bad input that names the checkpoint. Only when
 * asked to ({@code --on-bad-checkpoint previous}) does it fall back to an older checkpoint, and
 * never to none when there is one.
 */
public final class Checkpoints {
  private static final Logger LOG = LoggerFactory.getLogger(Checkpoints.class);
  private static final Pattern NAME = Pattern.compile("epoch-(\\d{4,9})");
  private static final long MAX_STATE_BYTES = 64L << 20;

  private final Path dir;
  private final Configuration conf;

  public Checkpoints(Path runRoot, Configuration conf) {
    this.dir = new RunFiles(runRoot).checkpoints();
    this.conf = conf;
  }

  /** Everything but the model that a resumed run needs. */
  public record State(int epoch, long seed, Map<String, Object> trajectory,
      String dataFingerprint, List<EpochMetrics> metrics, List<long[][]> confusions,
      String created) {
  }

  /** A checkpoint read back. */
  public record Loaded(Path path, State state, ModelStore.Loaded model) {
  }

  /** The folder holding the checkpoints. */
  public Path dir() {
    return dir;
  }

  /** Writes the checkpoint of {@code state.epoch()} atomically. */
  public Path write(MultiLayerNetwork net, Normalization normalization, State state)
      throws IOException {
    FileSystem fs = HadoopFs.fs(dir, conf);
    String name = String.format("epoch-%04d", state.epoch());
    Path target = new Path(dir, name);
    Path tmp = new Path(dir, "." + name + ".tmp-" + UUID.randomUUID());
    boolean done = false;
    try {
      fs.mkdirs(tmp);
      ModelStore.save(net, normalization, new Path(tmp, "model.zip"), conf);
      HadoopFs.writeStringAtomically(new Path(tmp, "state.json"), conf, Json.pretty(state));
      if (fs.exists(target)) {
        fs.delete(target, true);
      }
      if (!fs.rename(tmp, target)) {
        throw new IOException("could not publish checkpoint " + target);
      }
      done = true;
      return target;
    } finally {
      if (!done) {
        HadoopFs.deleteQuietly(fs, tmp);
      }
    }
  }

  /**
   * The newest checkpoint, checked, or empty when the run has none yet. {@code recorded} is the
   * run's {@code metrics.jsonl}: the newest checkpoint must hold at least as many epochs, and
   * every epoch that both hold must be the same. An untrustworthy newest checkpoint is refused
   * ({@link BadInputException} naming it) unless {@code fallBack}, which tries the older ones
   * (they may hold fewer epochs than the metrics) and refuses when none can be trusted. With no
   * checkpoint at all, metrics of a completed epoch are refused too: resuming would otherwise
   * train from scratch over them.
   */
  public Optional<Loaded> latest(List<EpochMetrics> recorded, boolean fallBack,
      LeNet5.Kernels kernels) throws IOException {
    checkRecorded(recorded);
    List<Path> all = list();
    if (all.isEmpty()) {
      if (!recorded.isEmpty()) {
        throw new BadInputException(dir + " holds no checkpoint but metrics.jsonl records "
            + recorded.size() + " epochs; refusing to train again from scratch");
      }
      return Optional.empty();
    }
    List<String> refused = new ArrayList<>();
    for (int i = 0; i < all.size(); i++) {
      Path p = all.get(i);
      try {
        return Optional.of(load(p, recorded, i == 0, kernels));
      } catch (BadInputException e) {
        if (!fallBack) {
          throw new BadInputException("checkpoint " + p + " cannot be trusted: "
              + e.getMessage() + " (--on-bad-checkpoint previous falls back to the one before)",
              e);
        }
        LOG.warn("Checkpoint {} cannot be trusted, trying the previous one: {}", p,
            e.getMessage());
        refused.add(p.getName() + ": " + e.getMessage());
      }
    }
    throw new BadInputException("no checkpoint in " + dir + " can be trusted ("
        + String.join("; ", refused) + "); refusing to train again from scratch");
  }

  private static void checkRecorded(List<EpochMetrics> recorded) {
    for (int i = 0; i < recorded.size(); i++) {
      if (recorded.get(i).epoch() != i + 1) {
        throw new BadInputException("metrics.jsonl: line " + (i + 1) + " is epoch "
            + recorded.get(i).epoch() + ", expected " + (i + 1));
      }
    }
  }

  /** Reads and checks one checkpoint. */
  private Loaded load(Path p, List<EpochMetrics> recorded, boolean newest,
      LeNet5.Kernels kernels) throws IOException {
    String src = p + "/state.json";
    JsonNode tree = Json.tree(HadoopFs.readString(
        new Path(p, "state.json"), conf, MAX_STATE_BYTES), src);
    if (tree.get("metrics") != null && tree.get("metrics").isArray()) {
      tree.get("metrics").forEach(EpochMetrics::withMissingColumns);
    }
    State s = Json.parseNullAsNaN(tree.toString(), State.class, src);
    checkState(p, s);
    int k = s.epoch();
    if (newest && recorded.size() > k) {
      throw new BadInputException("metrics.jsonl records " + recorded.size()
          + " epochs but the newest checkpoint " + p.getName() + " only " + k);
    }
    for (int i = 0; i < Math.min(k, recorded.size()); i++) {
      if (!recorded.get(i).equals(s.metrics().get(i))) {
        throw new BadInputException(p + "/state.json: the metrics of epoch " + (i + 1)
            + " differ from metrics.jsonl");
      }
    }
    ModelStore.Loaded model = ModelStore.load(new Path(p, "model.zip"), conf, true, kernels);
    return new Loaded(p, s, model);
  }

  /** Checks that a state agrees with itself and with the name of its folder. */
  static void checkState(Path p, State s) {
    String src = p + "/state.json";
    if (s.epoch() != epochOf(p)) {
      throw new BadInputException(src + ": epoch " + s.epoch() + " in folder " + p.getName());
    }
    if (s.metrics() == null || s.metrics().size() != s.epoch()) {
      throw new BadInputException(src + ": " + (s.metrics() == null ? 0 : s.metrics().size())
          + " epochs of metrics for epoch " + s.epoch());
    }
    if (s.confusions() == null || s.confusions().size() != s.epoch()) {
      throw new BadInputException(src + ": " + (s.confusions() == null ? 0
          : s.confusions().size()) + " confusion matrices for epoch " + s.epoch());
    }
    for (int i = 0; i < s.epoch(); i++) {
      EpochMetrics m = s.metrics().get(i);
      if (m == null || m.epoch() != i + 1) {
        throw new BadInputException(src + ": metrics entry " + (i + 1) + " is not epoch "
            + (i + 1));
      }
      long[][] c = s.confusions().get(i);
      boolean square = c != null && c.length == m.precision().size();
      for (int r = 0; square && r < c.length; r++) {
        square = c[r] != null && c[r].length == c.length;
      }
      if (!square) {
        throw new BadInputException(src + ": confusion matrix " + (i + 1) + " is not "
            + m.precision().size() + "x" + m.precision().size());
      }
    }
    if (s.trajectory() == null || s.dataFingerprint() == null) {
      throw new BadInputException(src + ": no settings or data fingerprint");
    }
  }

  /**
   * Moves the checkpoints newer than {@code epoch} aside (hidden {@code .refused-epoch-NNNN-*}
   * folders that {@link #list} ignores), after a fall-back to an older checkpoint: they are kept
   * for inspection but can no longer be taken for the newest or push good ones out.
   */
  public void setAsideNewerThan(int epoch) throws IOException {
    FileSystem fs = HadoopFs.fs(dir, conf);
    for (Path p : list()) {
      if (epochOf(p) > epoch) {
        Path aside = new Path(dir, ".refused-" + p.getName() + "-" + UUID.randomUUID());
        if (!fs.rename(p, aside)) {
          throw new IOException("could not move the refused checkpoint " + p + " aside");
        }
        LOG.warn("Moved the refused checkpoint {} aside to {}", p, aside);
      }
    }
  }

  /** Deletes all but the newest {@code keep} checkpoints. */
  public void prune(int keep) throws IOException {
    prune(keep, -1);
  }

  /**
   * Deletes all but the newest {@code keep} checkpoints and the one of epoch {@code selected}
   * (the best epoch so far, which may still become {@code model.zip}; -1: none).
   */
  public void prune(int keep, int selected) throws IOException {
    List<Path> all = list();
    FileSystem fs = HadoopFs.fs(dir, conf);
    for (int i = keep; i < all.size(); i++) {
      if (epochOf(all.get(i)) != selected) {
        fs.delete(all.get(i), true);
      }
    }
  }

  /** The checkpoint folder of {@code epoch} (which may not exist). */
  public Path of(int epoch) {
    return new Path(dir, String.format("epoch-%04d", epoch));
  }

  /**
   * Complete checkpoints, newest first. Hidden entries (a checkpoint being written when a run
   * stopped) are ignored; any other entry that is not a folder named {@code epoch-NNNN} (4 to 9
   * digits, epoch 1 or later, each epoch once) is refused as bad input naming it.
   */
  public List<Path> list() throws IOException {
    FileSystem fs = HadoopFs.fs(dir, conf);
    List<Path> out = new ArrayList<>();
    if (!fs.exists(dir)) {
      return out;
    }
    Set<Integer> seen = new HashSet<>();
    for (FileStatus st : fs.listStatus(dir)) {
      String name = st.getPath().getName();
      if (name.startsWith(".") || name.startsWith("_")) {
        continue;
      }
      int epoch = epochOf(st.getPath());
      if (!st.isDirectory() || epoch < 1 || !seen.add(epoch)) {
        throw new BadInputException("malformed checkpoint " + st.getPath()
            + " (expected folders epoch-NNNN, one per epoch)");
      }
      out.add(st.getPath());
    }
    out.sort(Comparator.comparingInt((Path p) -> epochOf(p)).reversed());
    return out;
  }

  private static int epochOf(Path p) {
    Matcher m = NAME.matcher(p.getName());
    return m.matches() ? Integer.parseInt(m.group(1)) : -1;
  }

  /** A new state record. */
  public static State state(int epoch, TrainOptions o, String dataFingerprint,
      List<EpochMetrics> metrics, List<long[][]> confusions) {
    return state(epoch, o, o.trajectorySettings(), dataFingerprint, metrics, confusions);
  }

  /** A new state record with the given trajectory settings (they include the validation split). */
  public static State state(int epoch, TrainOptions o, Map<String, Object> trajectory,
      String dataFingerprint, List<EpochMetrics> metrics, List<long[][]> confusions) {
    return new State(epoch, o.seed(), trajectory, dataFingerprint,
        List.copyOf(metrics), List.copyOf(confusions), Instant.now().toString());
  }
}
