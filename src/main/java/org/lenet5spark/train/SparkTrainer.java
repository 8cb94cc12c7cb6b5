package org.lenet5spark.train;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.lenet5spark.data.ExampleBlock;
import org.lenet5spark.data.ShardCatalog;
import org.lenet5spark.data.ShardMinibatches;
import org.lenet5spark.eval.EvalResult;
import org.lenet5spark.eval.Evaluator;
import org.lenet5spark.io.BadInputException;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.io.Json;
import org.lenet5spark.io.ModelStore;
import org.lenet5spark.io.RunFiles;
import org.lenet5spark.model.LeNet5;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code train} stage: LeNet-5 trained with DL4J's {@link SparkDl4jMultiLayer} and
 * {@link ParameterAveragingTrainingMaster} on the shards written by {@code prepare}. After every
 * epoch the driver evaluates the averaged model on the whole test split and rewrites the metrics
 * files; at the end it writes {@code model.zip}, completes {@code run.json} and writes
 * {@code _SUCCESS}. The layout of the output is {@link RunFiles}.
 */
public final class SparkTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(SparkTrainer.class);
  /** Batch size of the driver-side evaluation. */
  static final int EVAL_BATCH = 1000;

  private SparkTrainer() {
  }

  /** What a run produced. */
  public record Result(RunFiles files, List<EpochMetrics> epochs) {
    /** Test accuracy after the last epoch. */
    public double finalAccuracy() {
      return epochs.get(epochs.size() - 1).testAccuracy();
    }
  }

  /** Runs the stage on an existing Spark context. */
  public static Result run(JavaSparkContext sc, TrainOptions o) throws IOException {
    Configuration conf = sc.hadoopConfiguration();
    FileSystem fs = HadoopFs.fs(o.output(), conf);
    RunFiles files = new RunFiles(fs.makeQualified(o.output()));
    prepareOutput(fs, files, o.overwrite());

    ShardCatalog train = ShardCatalog.open(o.data(), "train", conf);
    ShardCatalog test = ShardCatalog.open(o.data(), "test", conf);
    if (!train.manifest().normalization().equals(test.manifest().normalization())) {
      throw new BadInputException("train and test splits of " + o.data()
          + " use different normalisations");
    }
    train.verifyChecksums(sc);
    test.verifyChecksums(conf);
    ExampleBlock testBlock = ExampleBlock.read(test, conf);

    Map<String, Object> runInfo = RunInfo.describe(o, "spark", train, test, sc);
    HadoopFs.writeStringAtomically(files.runJson(), conf, Json.pretty(runInfo));

    MultiLayerNetwork net = LeNet5.build(o.variant(), o.seed(), o.newUpdater(), o.l2());
    TrainLossHook lossHook = new TrainLossHook(sc);
    DeviceBindingTrainingMaster master =
        TrainingMasters.create(sc, o, files, lossHook, Nd4jDeviceBinder.forNd4j());
    SparkDl4jMultiLayer sparkNet = new SparkDl4jMultiLayer(sc, net, master);
    JavaRDD<DataSet> trainRdd = ShardMinibatches.rdd(sc, train, o.batchSize());

    List<EpochMetrics> epochs = new ArrayList<>();
    List<long[][]> confusions = new ArrayList<>();
    try {
      for (int epoch = 1; epoch <= o.epochs(); epoch++) {
        double lr = o.learningRateAt(epoch);
        sparkNet.getNetwork().setLearningRate(lr);
        lossHook.reset();
        long t0 = System.nanoTime();
        sparkNet.fit(trainRdd);
        double fitSeconds = (System.nanoTime() - t0) / 1e9;
        long t1 = System.nanoTime();
        EvalResult ev = Evaluator.evaluate(sparkNet.getNetwork(), testBlock, EVAL_BATCH);
        double evalSeconds = (System.nanoTime() - t1) / 1e9;
        long examples = lossHook.examples();
        EpochMetrics m = new EpochMetrics(epoch, lossHook.meanLoss(), ev.loss(), ev.accuracy(),
            ev.macroF1(), fitSeconds, evalSeconds, examples / fitSeconds, examples, lr,
            ev.precision(), ev.recall(), ev.f1());
        epochs.add(m);
        confusions.add(ev.confusion());
        files.writeMetrics(epochs, confusions, conf);
        LOG.info("epoch {}/{}: train_loss={} test_loss={} test_accuracy={} ({} s, {} samples/s)",
            epoch, o.epochs(), fmt(m.trainLoss()), fmt(m.testLoss()), fmt(m.testAccuracy()),
            fmt(fitSeconds), Math.round(m.samplesPerSecond()));
        System.out.printf("epoch %d/%d  train_loss %.4f  test_loss %.4f  test_accuracy %.4f"
                + "  %.1f s  %.0f samples/s%n", epoch, o.epochs(), m.trainLoss(), m.testLoss(),
            m.testAccuracy(), fitSeconds, m.samplesPerSecond());
      }
      ModelStore.save(sparkNet.getNetwork(), train.manifest().toNormalization(), files.model(),
          conf);
      runInfo.put("devices", master.reportBindings());
      runInfo.put("status", "complete");
      runInfo.put("finished", Instant.now().toString());
      runInfo.put("final_test_accuracy", epochs.get(epochs.size() - 1).testAccuracy());
      HadoopFs.writeStringAtomically(files.runJson(), conf, Json.pretty(runInfo));
    } finally {
      HadoopFs.deleteQuietly(fs, files.scratch());
      try {
        trainRdd.unpersist(false);
      } catch (RuntimeException ignored) {
        // the context may already be gone
      }
    }
    fs.create(files.success(), true).close();
    return new Result(files, epochs);
  }

  /** Refuses an output that holds a run unless {@code overwrite}; then creates the folder. */
  static void prepareOutput(FileSystem fs, RunFiles files, boolean overwrite)
      throws IOException {
    Path root = files.root();
    if (fs.exists(root)) {
      if (!fs.getFileStatus(root).isDirectory()) {
        throw new BadInputException("output " + root + " exists and is a file");
      }
      if (fs.listStatus(root).length > 0) {
        if (!overwrite) {
          throw new BadInputException("output " + root
              + " already holds files (pass --overwrite to replace the run)");
        }
        if (!fs.delete(root, true)) {
          throw new IOException("could not delete the previous run " + root);
        }
      }
    }
    try {
      if (!fs.mkdirs(root)) {
        throw new IOException("mkdirs returned false");
      }
    } catch (IOException e) {
      throw new BadInputException("cannot write to " + root + ": " + HadoopFs.oneLine(e), e);
    }
  }

  private static String fmt(double v) {
    return String.format("%.4f", v);
  }
}
