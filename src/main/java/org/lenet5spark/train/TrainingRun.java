package org.lenet5spark.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.lenet5spark.data.ExampleBlock;
import org.lenet5spark.data.Normalization;
import org.lenet5spark.data.ShardCatalog;
import org.lenet5spark.eval.EvalResult;
import org.lenet5spark.eval.Evaluator;
import org.lenet5spark.io.BadInputException;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.io.Json;
import org.lenet5spark.io.ModelStore;
import org.lenet5spark.io.OutputLock;
import org.lenet5spark.io.RunFiles;
import org.lenet5spark.model.LeNet5;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code train} stage: checks the output folder (refuse, overwrite, or resume), checks the
 * shards against their manifests, then runs the epoch loop with either engine: fit, evaluate the
 * model on the whole test split on the driver, write a checkpoint, rewrite the metrics files, print
 * a progress line. At the end it writes {@code model.zip}, completes {@code run.json} and writes
 * {@code _SUCCESS}. A run resumed with {@code --resume} continues after its latest complete
 * checkpoint with the same settings and data, or refuses. Runs after {@code prepare}.
 */
public final class TrainingRun {
  private static final Logger LOG = LoggerFactory.getLogger(TrainingRun.class);
  /** Batch size of the driver-side evaluation. */
  static final int EVAL_BATCH = 1000;

  private TrainingRun() {
  }

  /** What a run produced; {@code alreadyComplete} when a resumed run had nothing left to do. */
  public record Result(RunFiles files, List<EpochMetrics> epochs, boolean alreadyComplete) {
    /** Test accuracy after the last epoch. */
    public double finalAccuracy() {
      return epochs.isEmpty() ? Double.NaN : epochs.get(epochs.size() - 1).testAccuracy();
    }
  }

  /**
   * Runs the stage, holding the output's lock (see {@link OutputLock}). {@code sc} is the Spark
   * context for the spark engine, null for the local engine (whose Hadoop settings then come from
   * {@code conf}).
   */
  public static Result run(JavaSparkContext sc, Configuration conf, TrainOptions o)
      throws IOException {
    try (OutputLock lock = OutputLock.acquire(o.output(), conf, "train")) {
      return runLocked(sc, conf, o);
    }
  }

  private static Result runLocked(JavaSparkContext sc, Configuration conf, TrainOptions o)
      throws IOException {
    FileSystem fs = HadoopFs.fs(o.output(), conf);
    RunFiles files = new RunFiles(fs.makeQualified(o.output()));
    if (checkOutput(fs, files, o)) {
      List<EpochMetrics> done = readMetrics(files, conf);
      System.out.printf("run %s is already complete (%d epochs); nothing to do%n",
          org.lenet5spark.io.Redact.uri(files.root()),
          done.size());
      return new Result(files, done, true);
    }

    ShardCatalog train = ShardCatalog.open(o.data(), "train", conf);
    ShardCatalog test = ShardCatalog.open(o.data(), "test", conf);
    if (!train.manifest().normalization().equals(test.manifest().normalization())) {
      throw new BadInputException("train and test splits of " + o.data()
          + " use different normalisations");
    }
    if (sc != null) {
      train.verifyChecksums(sc);
    } else {
      train.verifyChecksums(conf);
    }
    test.verifyChecksums(conf);
    String fingerprint = dataFingerprint(train, test);
    Normalization norm = train.manifest().toNormalization();
    ExampleBlock testBlock = ExampleBlock.read(test, conf);

    Checkpoints checkpoints = new Checkpoints(files.root(), conf);
    Optional<Checkpoints.Loaded> resumed = o.resume() ? checkpoints.latest() : Optional.empty();
    List<EpochMetrics> epochs = new ArrayList<>();
    List<long[][]> confusions = new ArrayList<>();
    MultiLayerNetwork net;
    if (resumed.isPresent()) {
      Checkpoints.State s = resumed.get().state();
      checkSameRun(s, o, fingerprint, resumed.get().path());
      epochs.addAll(s.metrics());
      confusions.addAll(s.confusions());
      net = resumed.get().model().network();
      LOG.info("Resuming {} after epoch {} (checkpoint {})", files.root(), s.epoch(),
          resumed.get().path());
      System.out.printf("resuming after epoch %d of %d%n", s.epoch(), o.epochs());
    } else {
      net = LeNet5.build(o.variant(), o.kernels(), o.seed(), o.newUpdater(), o.l2());
    }
    int start = epochs.size();

    Map<String, Object> runInfo = runInfo(files, conf, o, train, test, sc, start);
    HadoopFs.writeStringAtomically(files.runJson(), conf, Json.pretty(runInfo));
    files.writeMetrics(epochs, confusions, conf);

    Path exportDir = o.exportDir() == null ? files.scratch()
        : new Path(o.exportDir(), "lenet5-" + UUID.randomUUID());
    long runStart = System.nanoTime();
    try (TrainingEngine engine = sc != null
        ? new SparkEngine(sc, o, net, train, exportDir, start)
        : new LocalEngine(o, net, ExampleBlock.read(train, conf), norm)) {
      for (int epoch = start + 1; epoch <= o.epochs(); epoch++) {
        double lr = o.learningRateAt(epoch);
        TrainingEngine.EpochFit fit = engine.fitEpoch(epoch, lr);
        long t1 = System.nanoTime();
        EvalResult ev = Evaluator.evaluate(engine.network(), testBlock, EVAL_BATCH);
        double evalSeconds = (System.nanoTime() - t1) / 1e9;
        EpochMetrics m = new EpochMetrics(epoch, fit.meanLoss(), ev.loss(), ev.accuracy(),
            ev.macroF1(), fit.seconds(), evalSeconds, fit.samplesPerSecond(), fit.examples(),
            lr, ev.precision(), ev.recall(), ev.f1());
        epochs.add(m);
        confusions.add(ev.confusion());
        checkpoints.write(engine.network(), norm,
            Checkpoints.state(epoch, o, fingerprint, epochs, confusions));
        files.writeMetrics(epochs, confusions, conf);
        checkpoints.prune(o.keepCheckpoints());
        double elapsed = (System.nanoTime() - runStart) / 1e9;
        Progress.report(engine.name(), epoch, start, o.epochs(), m, elapsed);
      }
      net = engine.network();
      if (engine instanceof SparkEngine spark) {
        recordDevices(spark.bindings(), files, conf, runInfo);
      }
    }
    ModelStore.save(net, norm, files.model(), conf);
    runInfo.put("status", "complete");
    runInfo.put("finished", Instant.now().toString());
    runInfo.put("final_test_accuracy", epochs.isEmpty() ? null
        : epochs.get(epochs.size() - 1).testAccuracy());
    HadoopFs.writeStringAtomically(files.runJson(), conf, Json.pretty(runInfo));
    fs.create(files.success(), true).close();
    return new Result(files, epochs, false);
  }

  /**
   * Applies the output rules; returns true when a complete run is there and {@code --resume}
   * accepts it as done.
   */
  static boolean checkOutput(FileSystem fs, RunFiles files, TrainOptions o) throws IOException {
    Path root = files.root();
    if (fs.exists(root)) {
      if (!fs.getFileStatus(root).isDirectory()) {
        throw new BadInputException("output " + root + " exists and is a file");
      }
      boolean complete = fs.exists(files.success());
      boolean nonEmpty = fs.listStatus(root).length > 0;
      if (complete && o.resume()) {
        return true;
      }
      if (nonEmpty && o.overwrite()) {
        if (!fs.delete(root, true)) {
          throw new IOException("could not delete the previous run " + root);
        }
      } else if (complete) {
        throw new BadInputException("output " + root + " holds a complete run (pass --resume "
            + "to accept it as done, or --overwrite to replace it)");
      } else if (nonEmpty && !o.resume()) {
        throw new BadInputException("output " + root + " holds an unfinished run (pass --resume "
            + "to continue it, or --overwrite to replace it)");
      }
    }
    try {
      if (!fs.mkdirs(root)) {
        throw new IOException("mkdirs returned false");
      }
    } catch (IOException e) {
      throw new BadInputException("cannot write to " + root + ": " + HadoopFs.oneLine(e), e);
    }
    return false;
  }

  private static void checkSameRun(Checkpoints.State s, TrainOptions o, String fingerprint,
      Path checkpoint) {
    if (!fingerprint.equals(s.dataFingerprint())) {
      throw new BadInputException("refusing to resume from " + checkpoint
          + ": the data differs from the data it was trained on (manifest fingerprint)");
    }
    Map<String, Object> now = o.trajectorySettings();
    for (Map.Entry<String, Object> e : now.entrySet()) {
      Object then = s.trajectory() == null ? null : s.trajectory().get(e.getKey());
      if (!String.valueOf(e.getValue()).equals(String.valueOf(then))) {
        throw new BadInputException("refusing to resume from " + checkpoint + ": " + e.getKey()
            + " was " + then + ", now " + e.getValue());
      }
    }
    if (s.epoch() > o.epochs()) {
      throw new BadInputException("refusing to resume: the checkpoint is at epoch " + s.epoch()
          + " but --epochs is " + o.epochs() + " (the total number of epochs)");
    }
  }

  /** SHA-256 of both manifests: the same data gives the same fingerprint wherever it lives. */
  static String dataFingerprint(ShardCatalog train, ShardCatalog test) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(Json.compact(train.manifest()).getBytes(StandardCharsets.UTF_8));
      md.update(Json.compact(test.manifest()).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> runInfo(RunFiles files, Configuration conf, TrainOptions o,
      ShardCatalog train, ShardCatalog test, JavaSparkContext sc, int start) throws IOException {
    Map<String, Object> info = RunInfo.describe(o, train, test, sc);
    if (start > 0 && HadoopFs.exists(files.runJson(), conf)) {
      Map<String, Object> previous = Json.parse(HadoopFs.readString(files.runJson(), conf,
          16L << 20), Map.class, files.runJson().toString());
      info.put("started", previous.getOrDefault("started", info.get("started")));
      List<Object> resumes = new ArrayList<>();
      Object old = previous.get("resumes");
      if (old instanceof List<?> l) {
        resumes.addAll(l);
      }
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("at", Instant.now().toString());
      r.put("after_epoch", start);
      resumes.add(r);
      info.put("resumes", resumes);
    }
    return info;
  }

  /**
   * Writes every worker task's device binding to {@code devices.jsonl} and a summary (per
   * executor and decision, with task counts) into {@code run.json}.
   */
  private static void recordDevices(List<DeviceBinding> bindings, RunFiles files,
      Configuration conf, Map<String, Object> runInfo) throws IOException {
    StringBuilder lines = new StringBuilder();
    Map<String, Map<String, Object>> summary = new LinkedHashMap<>();
    for (DeviceBinding b : bindings) {
      lines.append(Json.compact(b.toMap())).append('\n');
      Map<String, Object> s = summary.computeIfAbsent(b.executorId() + "|" + b.decision(),
          k -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("executor_id", b.executorId());
            m.put("decision", b.decision());
            m.put("tasks", 0);
            return m;
          });
      s.put("tasks", (Integer) s.get("tasks") + 1);
    }
    HadoopFs.writeStringAtomically(files.devicesJsonl(), conf, lines.toString());
    runInfo.put("devices", new ArrayList<>(summary.values()));
    summary.values().forEach(m -> LOG.info("device binding: executor {}: {} ({} tasks)",
        m.get("executor_id"), m.get("decision"), m.get("tasks")));
  }

  /** The epochs recorded in {@code metrics.jsonl}. */
  static List<EpochMetrics> readMetrics(RunFiles files, Configuration conf) throws IOException {
    List<EpochMetrics> out = new ArrayList<>();
    if (!HadoopFs.exists(files.metricsJsonl(), conf)) {
      return out;
    }
    String text = HadoopFs.readString(files.metricsJsonl(), conf, 64L << 20);
    for (String line : text.split("\n")) {
      if (!line.isBlank()) {
        out.add(Json.parse(line, EpochMetrics.class, files.metricsJsonl().toString()));
      }
    }
    return out;
  }
}
