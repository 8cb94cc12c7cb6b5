package org.lenet5spark.train;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.lenet5spark.data.Normalization;
import org.lenet5spark.io.BadInputException;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.io.Json;
import org.lenet5spark.io.ModelStore;
import org.lenet5spark.model.LeNet5;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * The checkpoints of a run, {@code <run>/checkpoints/epoch-NNNN/}: {@code model.zip} (with updater
 * state and normaliser) and {@code state.json} (epoch, seeds, the settings that shape training,
 * the data's fingerprint, and every epoch's metrics so far). Each checkpoint is built in a hidden
 * folder and published by one rename, so a listed checkpoint is always complete.
 */
public final class Checkpoints {
  private static final Logger LOG = LoggerFactory.getLogger(Checkpoints.class);
  private static final Pattern NAME = Pattern.compile("epoch-(\\d{4,})");
  private static final long MAX_STATE_BYTES = 64L << 20;

  private final Path dir;
  private final Configuration conf;

  public Checkpoints(Path runRoot, Configuration conf) {
    this.dir = new Path(runRoot, "checkpoints");
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

  /** The newest readable checkpoint, if any, loaded to train with {@code kernels}. */
  public Optional<Loaded> latest(LeNet5.Kernels kernels) throws IOException {
    for (Path p : list()) {
      try {
        State s = Json.parse(HadoopFs.readString(new Path(p, "state.json"), conf,
            MAX_STATE_BYTES), State.class, p + "/state.json");
        if (s.metrics() == null || s.metrics().size() != s.epoch()) {
          throw new BadInputException(p + ": state.json holds " + (s.metrics() == null ? 0
              : s.metrics().size()) + " epochs of metrics for epoch " + s.epoch());
        }
        ModelStore.Loaded model = ModelStore.load(new Path(p, "model.zip"), conf, true,
            kernels);
        return Optional.of(new Loaded(p, s, model));
      } catch (BadInputException e) {
        LOG.warn("Skipping unreadable checkpoint {}: {}", p, e.getMessage());
      }
    }
    return Optional.empty();
  }

  /** Deletes all but the newest {@code keep} checkpoints. */
  public void prune(int keep) throws IOException {
    List<Path> all = list();
    FileSystem fs = HadoopFs.fs(dir, conf);
    for (int i = keep; i < all.size(); i++) {
      fs.delete(all.get(i), true);
    }
  }

  /** Complete checkpoints, newest first. */
  public List<Path> list() throws IOException {
    FileSystem fs = HadoopFs.fs(dir, conf);
    List<Path> out = new ArrayList<>();
    if (!fs.exists(dir)) {
      return out;
    }
    for (FileStatus st : fs.listStatus(dir)) {
      Matcher m = NAME.matcher(st.getPath().getName());
      if (st.isDirectory() && m.matches()) {
        out.add(st.getPath());
      }
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
    return new State(epoch, o.seed(), o.trajectorySettings(), dataFingerprint,
        List.copyOf(metrics), List.copyOf(confusions), Instant.now().toString());
  }
}
