package org.lenet5spark.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
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
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.eval.DistributedEvaluator;
import org.lenet5spark.eval.EvalResult;
import org.lenet5spark.eval.Evaluator;
import org.lenet5spark.io.Checksums;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.io.Json;
import org.lenet5spark.io.OutputLock;
import org.lenet5spark.io.Redact;
import org.lenet5spark.model.LeNet5;
import org.lenet5spark.model.ModelStore;
import org.lenet5spark.run.EpochMetrics;
import org.lenet5spark.run.RunFiles;
import org.lenet5spark.run.RunRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code train} stage: checks the output folder (refuse, overwrite, or resume), checks the
 * shards against their manifests, holds out the validation split ({@link ValidationSplit}), then
 * runs the epoch loop with either engine: fit (never on the validation split), evaluate the model
 * on the validation split and the whole test split on the driver, write a checkpoint, rewrite the
 * metrics files, print a progress line, and let {@link ModelSelection} track the best epoch on
 * validation and end the run early after {@code --early-stopping-patience} epochs without
 * improvement. At the end it writes {@code model.zip} (the selected epoch's parameters: the best
 * on validation with {@code --keep best}, from its checkpoint), completes {@code run.json} with
 * the selection and why the run stopped, and writes {@code _SUCCESS}. A run resumed with
 * {@code --resume} continues after its latest checkpoint with the same settings and data
 * (including the validation split; the early-stopping state is replayed from the recorded
 * epochs), or refuses before writing anything; a complete run resumed
 * with more {@code --epochs} is extended (its {@code model.zip} and {@code _SUCCESS} are replaced
 * only when the last epoch is done). A non-finite loss stops the run ({@link DivergedException})
 * without publishing anything. Runs after {@code prepare}.
 */
public final class TrainingRun {
  private static final Logger LOG = LoggerFactory.getLogger(TrainingRun.class);
  /** Batch size of the driver-side evaluation. */
  static final int EVAL_BATCH = 1000;
  /** The key of the validation split in the trajectory settings of a checkpoint. */
  static final String VALIDATION_KEY = "validation";

  private TrainingRun() {
  }

  /**
   * What a run produced; {@code alreadyComplete} when a resumed run had nothing left to do;
   * {@code selectedEpoch} the epoch that became {@code model.zip} (0: unknown).
   */
  public record Result(RunFiles files, List<EpochMetrics> epochs, boolean alreadyComplete,
      int selectedEpoch) {
    /** Without a known selected epoch (the last epoch's metrics are reported). */
    public Result(RunFiles files, List<EpochMetrics> epochs, boolean alreadyComplete) {
      this(files, epochs, alreadyComplete, epochs.size());
    }

    /** Test accuracy of the epoch that became {@code model.zip}. */
    public double finalAccuracy() {
      return selectedEpoch < 1 || selectedEpoch > epochs.size() ? Double.NaN
          : epochs.get(selectedEpoch - 1).testAccuracy();
    }
  }

  /**
   * Runs the stage, holding the output's lock (see {@link OutputLock}). {@code sc} is the Spark
   * context for the spark engine, null for the local engine (whose Hadoop settings then come from
   * {@code conf}); progress lines for a person go to {@code console}.
   */
  public static Result run(JavaSparkContext sc, Configuration conf, TrainOptions options,
      PrintStream console) throws IOException {
    TrainOptions o = sc == null ? options : DataPathChoice.resolve(sc, options, conf);
    try (OutputLock lock = OutputLock.acquire(o.output().dir(), conf, "train");
        RunOutput target = RunOutput.open(o, conf, lock)) {
      return runLocked(sc, conf, o, target, console);
    }
  }

  private static Result runLocked(JavaSparkContext sc, Configuration conf, TrainOptions o,
      RunOutput target, PrintStream console) throws IOException {
    FileSystem fs = HadoopFs.fs(o.output().dir(), conf);
    RunFiles files = target.files();
    // everything a resume depends on is checked before anything in the folder is written
    boolean published = target.holdsPublishedRun();
    RunRecord previous = o.output().resume() ? previousRunInfo(files, conf, published) : null;

    ShardCatalog train = ShardCatalog.open(o.data().dir(), "train", conf);
    ShardCatalog test = ShardCatalog.open(o.data().dir(), "test", conf);
    if (!train.manifest().normalization().equals(test.manifest().normalization())) {
      throw new BadInputException("train and test splits of " + o.data().dir()
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
    // the validation split: chosen from the labels by record index, the same for both engines
    // (of an expanded split: from its originals, whose copies are then never trained on)
    ExampleBlock trainBlock = sc == null ? ExampleBlock.read(train, conf) : null;
    ValidationSplit split = trainBlock != null
        ? ValidationSplit.choose(ValidationSplit.labelsByIndex(trainBlock, train.split()),
            o.selection().validation(), o.seed(), train.manifest())
        : ValidationSplit.of(train, conf, o.selection().validation(), o.seed());
    Map<String, Object> trajectory = trajectory(o, split);

    Checkpoints checkpoints = new Checkpoints(files.root(), conf);
    List<EpochMetrics> recorded = o.output().resume() ? files.readMetrics(conf) : List.of();
    // a checkpoint is loaded to run with the run's own kernels (it is saved in the stock form)
    Optional<Checkpoints.Loaded> resumed = o.output().resume()
        ? checkpoints.latest(recorded, o.output().fallBackToPreviousCheckpoint(), o.kernels())
        : Optional.empty();
    if (published && resumed.isEmpty()) {
      throw new BadInputException("output " + files.root() + " holds _SUCCESS but no "
          + "checkpoint to check a resume against; refusing it");
    }
    Integer extendingFrom = null;
    ModelSelection selection = new ModelSelection(o.selection(), !split.isEmpty());
    List<EpochMetrics> epochs = new ArrayList<>();
    List<long[][]> confusions = new ArrayList<>();
    MultiLayerNetwork net;
    if (resumed.isPresent()) {
      Checkpoints.State s = resumed.get().state();
      checkSameRun(s, trajectory, fingerprint, resumed.get().path());
      if (published) {
        boolean complete = previous.isComplete();
        int done = Math.max(s.epoch(), recorded.size());
        ModelSelection replayed = replay(o, split, s.metrics());
        if (complete && (o.epochs() <= done || replayed.stopped())) {
          console.printf("run %s is already complete (%d epochs%s); nothing to do%n",
              Redact.uri(files.root()), done, replayed.stopped()
                  ? ", stopped early at epoch " + replayed.stoppedAt() : "");
          return new Result(files, recorded, true, replayed.selectedEpoch());
        }
        // the published model.zip and _SUCCESS stay until the last epoch is done
        // (an extension that stopped keeps the epoch its published model is from)
        Integer from = previous.extendingFromEpoch();
        extendingFrom = !complete && from != null ? from : done;
      }
      if (s.epoch() > o.epochs()) {
        throw new BadInputException("refusing to resume: the checkpoint is at epoch " + s.epoch()
            + " but --epochs is " + o.epochs() + " (the total number of epochs)");
      }
      epochs.addAll(s.metrics());
      confusions.addAll(s.confusions());
      // the patience counter and the best so far, as the uninterrupted run had them
      selection = replay(o, split, epochs);
      net = resumed.get().model().network();
      if (s.epoch() < recorded.size()) {
        console.printf("falling back to checkpoint %s: epochs %d..%d are trained again%n",
            resumed.get().path().getName(), s.epoch() + 1, recorded.size());
      }
      checkpoints.setAsideNewerThan(s.epoch());
      LOG.info("Resuming {} after epoch {} (checkpoint {})", files.root(), s.epoch(),
          resumed.get().path());
      console.printf("resuming after epoch %d of %d%n", s.epoch(), o.epochs());
    } else {
      net = LeNet5.build(o.variant(), o.kernels(), o.seed(), o.newUpdater(), o.optimiser().l2());
    }
    int start = epochs.size();
    // a test split too large for the driver (or --distributed-eval) is evaluated on the executors
    boolean testOnExecutors = sc != null && (o.spark().distributedEval()
        || test.count() >= DistributedEvaluator.AUTO_THRESHOLD);
    ExampleBlock testBlock = testOnExecutors ? null : ExampleBlock.read(test, conf);
    ExampleBlock validationBlock = split.isEmpty() ? null : trainBlock != null
        ? split.select(trainBlock, true) : split.readHeldOut(train, conf);
    ExampleBlock trainOnly = trainBlock == null ? null
        : split.isEmpty() ? trainBlock : split.select(trainBlock, false);
    trainBlock = null;

    RunRecord runInfo = RunInfo.describe(o, train, test, sc);
    if (start > 0 && previous != null) {
      runInfo = runInfo.resuming(previous, start);
    }
    if (extendingFrom != null) {
      runInfo = runInfo.extending(extendingFrom);
    }
    runInfo = runInfo.withValidation(new RunRecord.ValidationInfo(split.count(), split.rule(),
        split.fingerprint(), Arrays.stream(split.perClass()).boxed().toList(),
        split.trainExamples(), split.drawnFrom(), split.excluded()));
    runInfo.write(files, conf);
    files.writeMetrics(epochs, confusions, conf);

    Path exportDir = o.spark().exportDir() == null ? files.scratch()
        : new Path(o.spark().exportDir(), "lenet5-" + UUID.randomUUID());
    long runStart = System.nanoTime();
    try (TrainingEngine engine = sc != null
        ? new SparkEngine(sc, o, net, train, exportDir, start, split)
        : new LocalEngine(o, net, trainOnly, norm)) {
      if (start < o.epochs() && !selection.stopped()) {
        // cached data and warm-up before the first epoch's clock, counted in the total
        RunRecord.StartUp startUp = engine.startUp();
        if (!startUp.equals(RunRecord.StartUp.NONE)) {
          runInfo = runInfo.withStartUp(startUp);
          runInfo.write(files, conf);
          Progress.startUp(console, startUp);
        }
      }
      for (int epoch = start + 1; epoch <= o.epochs() && !selection.stopped(); epoch++) {
        double lr = o.optimiser().learningRateAt(epoch);
        TrainingEngine.EpochFit fit = engine.fitEpoch(epoch, lr);
        if (fit.examples() > 0 && !Double.isFinite(fit.meanLoss())) {
          throw new DivergedException("loss", fit.meanLoss(), "epoch " + epoch
              + " (mean over its minibatches)");
        }
        long t1 = System.nanoTime();
        EvalResult ev = testOnExecutors
            ? DistributedEvaluator.evaluate(sc, engine.network(), test, EVAL_BATCH)
            : Evaluator.evaluate(engine.network(), testBlock, EVAL_BATCH);
        if (!Double.isFinite(ev.loss())) {
          throw new DivergedException("test loss", ev.loss(), "epoch " + epoch
              + ", after its last minibatch");
        }
        EvalResult val = validationBlock == null ? null
            : Evaluator.evaluate(engine.network(), validationBlock, EVAL_BATCH);
        if (val != null && !Double.isFinite(val.loss())) {
          throw new DivergedException("validation loss", val.loss(), "epoch " + epoch
              + ", after its last minibatch");
        }
        double evalSeconds = (System.nanoTime() - t1) / 1e9;
        EpochMetrics m = new EpochMetrics(epoch, fit.meanLoss(), ev.loss(), ev.accuracy(),
            ev.macroF1(), fit.seconds(), evalSeconds, fit.samplesPerSecond(), fit.examples(),
            lr, ev.precision(), ev.recall(), ev.f1(), fit.accuracy(),
            val == null ? Double.NaN : val.loss(), val == null ? Double.NaN : val.accuracy(),
            val == null ? Double.NaN : val.macroF1());
        epochs.add(m);
        confusions.add(ev.confusion());
        checkpoints.write(engine.network(), norm,
            Checkpoints.state(epoch, o, trajectory, fingerprint, epochs, confusions));
        files.writeMetrics(epochs, confusions, conf);
        boolean stop = selection.observe(m);
        // the best epoch's checkpoint stays while it can still become model.zip
        checkpoints.prune(o.output().keepCheckpoints(), selection.bestEpoch());
        double elapsed = (System.nanoTime() - runStart) / 1e9;
        Progress.report(console, engine.name(), epoch, start, o.epochs(), m, elapsed);
        if (stop) {
          console.println(selection.earlyStopLine());
          LOG.info("{}", selection.earlyStopLine());
        }
      }
      net = engine.network();
      if (engine instanceof SparkEngine spark) {
        runInfo = runInfo.withDevices(recordDevices(spark.bindings(), files, conf))
            .withScheduling(Json.mapper().valueToTree(spark.scheduling()));
      }
    } catch (DivergedException e) {
      // the metrics and checkpoints of the complete epochs stay; nothing new is published
      runInfo.failed("diverged", e.getMessage()).write(files, conf);
      throw e;
    }
    target.checkHeld();
    int selected = selection.selectedEpoch();
    if (selected > 0 && selected < epochs.size()) {
      net = selectedCheckpoint(checkpoints, selected, conf, o);
    }
    String why = selection.describe(epochs, o.epochs()).reason();
    console.printf("model.zip is epoch %d of %d (%s)%n", selected, epochs.size(), why);
    LOG.info("model.zip is epoch {} of {} ({})", selected, epochs.size(), why);
    ModelStore.save(net, norm, files.model(), conf);
    runInfo.complete(selected > 0 ? epochs.get(selected - 1).testAccuracy() : null,
        selection.describe(epochs, o.epochs())).write(files, conf);
    target.checkHeld();
    fs.create(files.success(), true).close();
    target.publish();
    return new Result(target.published(), epochs, false, selected);
  }

  /** The trajectory settings of the options, plus the validation split when there is one. */
  static Map<String, Object> trajectory(TrainOptions o, ValidationSplit split) {
    Map<String, Object> m = new LinkedHashMap<>(o.trajectorySettings());
    if (!split.isEmpty()) {
      m.put(VALIDATION_KEY, split.trajectoryValue());
    }
    return m;
  }

  /** The model selection of the recorded epochs, replayed (the state a resume continues). */
  private static ModelSelection replay(TrainOptions o, ValidationSplit split,
      List<EpochMetrics> recorded) {
    ModelSelection sel = new ModelSelection(o.selection(), !split.isEmpty());
    for (EpochMetrics m : recorded) {
      if (sel.observe(m)) {
        break;
      }
    }
    return sel;
  }

  /** The network of the selected epoch's checkpoint (kept by the pruning). */
  private static MultiLayerNetwork selectedCheckpoint(Checkpoints checkpoints, int epoch,
      Configuration conf, TrainOptions o) throws IOException {
    Path model = new Path(checkpoints.of(epoch), "model.zip");
    if (!HadoopFs.exists(model, conf)) {
      throw new BadInputException("the checkpoint of the selected epoch " + epoch + " is gone ("
          + model + "); use --keep last or train again");
    }
    LOG.info("model.zip is the selected epoch {} (checkpoint {})", epoch, model);
    return ModelStore.load(model, conf, false, o.kernels()).network();
  }

  /**
   * The {@code run.json} of the run being resumed: required (and must parse) when the folder
   * holds {@code _SUCCESS}; null when an unfinished run stopped before writing it.
   */
  private static RunRecord previousRunInfo(RunFiles files, Configuration conf,
      boolean published) throws IOException {
    if (!HadoopFs.exists(files.runJson(), conf)) {
      if (published) {
        throw new BadInputException("output " + files.root() + " holds _SUCCESS but no "
            + "run.json; it is not a run of this job, refusing to resume it");
      }
      return null;
    }
    return RunRecord.read(files, conf);
  }

  private static void checkSameRun(Checkpoints.State s, Map<String, Object> trajectory,
      String fingerprint, Path checkpoint) {
    if (!fingerprint.equals(s.dataFingerprint())) {
      throw new BadInputException("refusing to resume from " + checkpoint
          + ": the data differs from the data it was trained on (manifest fingerprint)");
    }
    Map<String, Object> now = new LinkedHashMap<>(trajectory);
    // a run without validation records no key: "none" then compares with a split's value
    now.putIfAbsent(VALIDATION_KEY, "none");
    Map<String, Object> then = s.trajectory() == null ? null
        : new LinkedHashMap<>(s.trajectory());
    if (then != null) {
      then.putIfAbsent(VALIDATION_KEY, "none");
    }
    for (Map.Entry<String, Object> e : now.entrySet()) {
      Object was = then == null ? null : then.get(e.getKey());
      if (!String.valueOf(e.getValue()).equals(String.valueOf(was))) {
        throw new BadInputException("refusing to resume from " + checkpoint + ": " + e.getKey()
            + " was " + was + ", now " + e.getValue());
      }
    }
  }

  /** SHA-256 of both manifests: the same data gives the same fingerprint wherever it lives. */
  static String dataFingerprint(ShardCatalog train, ShardCatalog test) {
    return Checksums.sha256(Json.compact(train.manifest()).getBytes(StandardCharsets.UTF_8),
        Json.compact(test.manifest()).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Writes every worker task's device binding to {@code devices.jsonl} and returns a summary (per
   * executor and decision, with task counts) for {@code run.json}.
   */
  private static List<RunRecord.DeviceSummary> recordDevices(List<DeviceBinding> bindings,
      RunFiles files, Configuration conf) throws IOException {
    StringBuilder lines = new StringBuilder();
    Map<String, RunRecord.DeviceSummary> summary = new LinkedHashMap<>();
    for (DeviceBinding b : bindings) {
      lines.append(Json.compact(b.toMap())).append('\n');
      summary.merge(b.executorId() + "|" + b.decision(),
          new RunRecord.DeviceSummary(b.executorId(), b.decision(), 1),
          (old, one) -> new RunRecord.DeviceSummary(old.executorId(), old.decision(),
              old.tasks() + 1));
    }
    HadoopFs.writeStringAtomically(files.devicesJsonl(), conf, lines.toString());
    summary.values().forEach(m -> LOG.info("device binding: executor {}: {} ({} tasks)",
        m.executorId(), m.decision(), m.tasks()));
    return new ArrayList<>(summary.values());
  }
}
