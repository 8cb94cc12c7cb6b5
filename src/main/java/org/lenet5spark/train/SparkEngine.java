package org.lenet5spark.train;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.TrainingHook;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.lenet5spark.data.Normalization;
import org.lenet5spark.data.ShardCatalog;
import org.lenet5spark.data.ShardMinibatches;
import org.lenet5spark.data.ShardStream;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.run.RunRecord;
import org.lenet5spark.spark.StageConcurrency;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fits epochs with DL4J's {@link SparkDl4jMultiLayer} and parameter averaging (the master comes
 * from {@link TrainingMasters}, whose workers bind their Spark-assigned GPU first):
 * one RDD of minibatches built once from the shards (one partition per shard), worker hooks for
 * the training loss and, with {@code --augment}, on-the-fly distortions. With
 * {@code --data-path stream} there is no such RDD: every averaging round reads its own examples
 * from the shards ({@link ShardStream}). Each epoch averages with its own period
 * ({@link AveragingSchedule}, {@code --averaging-frequency}), set on the master before the
 * epoch; on the streaming path a round of {@code m} times the first period gives each worker
 * {@code m} blocks. With the export approach
 * DL4J saves the minibatches once under the export folder and reuses them every epoch. An epoch
 * in which a worker saw a non-finite minibatch loss ends with a {@link DivergedException} naming
 * the averaging round and the minibatch within the worker's share of it.
 *
 * <p>Before the first epoch ({@link #startUp}) the Direct approach's cached RDD is read and
 * cached in a job of its own (DL4J's first epoch would otherwise do it inside its first count),
 * and with {@code --warm-up N} each worker fits N minibatches on a throwaway copy of the network
 * ({@link WarmUp}), so that an epoch's time measures training; both times go to {@code run.json}.
 */
public final class SparkEngine implements TrainingEngine {
  private static final Logger LOG = LoggerFactory.getLogger(SparkEngine.class);
  private final JavaSparkContext sc;
  private final SparkDl4jMultiLayer sparkNet;
  private final JavaRDD<DataSet> trainRdd;
  private final TrainLossHook lossHook;
  private final Path exportDir;
  private final DeviceBindingTrainingMaster master;
  /** The streaming data path's state (null on the cached path). */
  private final Streaming streaming;
  /**
   * The storage level DL4J caches the training RDD with (Direct approach) when it is cached
   * before the first epoch; null when it is not (streaming, Export approach, no caching).
   */
  private final StorageLevel preCache;
  /** {@code --warm-up}: minibatches per worker. */
  private final int warmUp;

  /**
   * The streaming data path ({@code --data-path stream}, {@link ShardStream}): the split's
   * blocks, dealt out anew every epoch, and what reading a round needs.
   */
  private record Streaming(ShardCatalog train, List<ShardStream.Block> blocks, int workers,
      int batchSize, long seed, Broadcast<int[]> heldOut, int period) {
  }

  private final AveragingSchedule schedule;
  /** The averaging rounds each epoch fitted by this engine took (epoch to rounds). */
  private final Map<Integer, Integer> rounds = new TreeMap<>();

  /**
   * @param startEpoch epochs already trained (0 for a new run); a resumed run continues DL4J's
   *     split seeds where the uninterrupted run would be, so it splits its epochs the same way
   */
  public SparkEngine(JavaSparkContext sc, TrainOptions o, MultiLayerNetwork net,
      ShardCatalog train, Path exportDir, int startEpoch) {
    this(sc, o, net, train, exportDir, startEpoch,
        ValidationSplit.none(train.count(), "off"));
  }

  /**
   * @param startEpoch epochs already trained (0 for a new run)
   * @param validation the records never trained on (dropped on the executors)
   */
  public SparkEngine(JavaSparkContext sc, TrainOptions o, MultiLayerNetwork net,
      ShardCatalog train, Path exportDir, int startEpoch, ValidationSplit validation) {
    this(sc, o, net, streams(o) ? null
        : trainingMinibatches(sc, train, o.data().batchSize(), validation),
        streams(o) ? streaming(sc, o, train, validation) : null,
        train.manifest().toNormalization(), train.manifest().rows(), train.manifest().cols(),
        exportDir, startEpoch);
  }

  /**
   * The engine on minibatches that come from elsewhere than shards (Spark ML's
   * {@code Lenet5Classifier} cuts a DataFrame into them): the same master, hooks and
   * partitioning as for shards.
   *
   * @param batches minibatches of {@code o.data().batchSize()} normalised examples
   * @param normalization how the examples were normalised (the background value of
   *     {@code --augment})
   * @param rows image height
   * @param cols image width
   */
  public SparkEngine(JavaSparkContext sc, TrainOptions o, MultiLayerNetwork net,
      JavaRDD<DataSet> batches, Normalization normalization, int rows, int cols, Path exportDir,
      int startEpoch) {
    this(sc, o.spark().dataPath() == TrainOptions.DataPath.STREAM
        ? o.toBuilder().dataPath(TrainOptions.DataPath.CACHED).build() : o, net, batches, null,
        normalization, rows, cols, exportDir, startEpoch);
  }

  /** Either {@code batches} (the cached path) or {@code streaming} is given. */
  private SparkEngine(JavaSparkContext sc, TrainOptions o, MultiLayerNetwork net,
      JavaRDD<DataSet> batches, Streaming streaming, Normalization normalization, int rows,
      int cols, Path exportDir, int startEpoch) {
    this.sc = sc;
    this.exportDir = exportDir;
    this.schedule = o.spark().averaging();
    this.lossHook = new TrainLossHook(sc);
    List<TrainingHook> hooks = new ArrayList<>();
    if (o.data().augment()) {
      hooks.add(new AugmentHook(new Augmenter(rows, cols, normalization.lookupTable()[0]),
          o.seed() + startEpoch));
    }
    hooks.add(lossHook);
    boolean stream = o.spark().dataPath() == TrainOptions.DataPath.STREAM;
    // a streamed round is one small RDD that DL4J trains on as it is (Direct approach)
    this.master = TrainingMasters.create(sc, stream ? streamingMasterOptions(o) : o, exportDir,
        hooks, startEpoch, Nd4jDeviceBinder.forNd4j());
    this.sparkNet = new SparkDl4jMultiLayer(sc, net, master);
    this.streaming = streaming;
    this.warmUp = o.spark().warmUp();
    StorageLevel level = o.spark().storageLevel().level();
    // DL4J caches the RDD itself with the Direct approach only; the Export approach reads it
    // once to write the minibatches out, so caching it before would only hold it twice
    this.preCache = stream || level == StorageLevel.NONE() || !TrainingMasters.usesDirect(sc, o)
        ? null : level;
    if (stream) {
      this.trainRdd = null;
      return;
    }
    this.trainRdd = o.spark().repartition() == TrainOptions.Repartitioning.ALWAYS ? batches
        : onePartitionPerWorker(batches, o.spark().workers());
  }

  /** Whether the run streams its training split ({@code --data-path stream}). */
  private static boolean streams(TrainOptions o) {
    return o.spark().dataPath() == TrainOptions.DataPath.STREAM;
  }

  /**
   * The streaming path's blocks of the split; the validation split's records are dropped from
   * each block as it is read (a broadcast of the held-out indices, as on the cached path), and
   * in an expanded split every deformed copy of them (4 bytes per held-out original).
   */
  private static Streaming streaming(JavaSparkContext sc, TrainOptions o, ShardCatalog train,
      ValidationSplit validation) {
    return new Streaming(train, ShardStream.blocks(train.manifest(),
        o.spark().averagingFrequency() * o.data().batchSize()), o.spark().workers(),
        o.data().batchSize(), o.seed(),
        validation.isEmpty() ? null : sc.broadcast(validation.indices()),
        validation.broadcastPeriod());
  }

  /**
   * The options of the training master on the streaming path: DL4J's Direct approach (Export
   * would write every round's minibatches to disk once more) with the run's other settings.
   */
  private static TrainOptions streamingMasterOptions(TrainOptions o) {
    return o.toBuilder().approach(TrainOptions.Approach.DIRECT).build();
  }

  /**
   * One epoch on the streaming path: one {@code fit} per averaging round, each on the round's own
   * RDD ({@link ShardStream#round}), which holds at most {@code workers x averagingFrequency}
   * minibatches, so DL4J trains it as one round without splitting it; it is released once the
   * round is averaged.
   */
  private void fitStreamedEpoch(int epoch) {
    for (JavaRDD<DataSet> rdd : streamedRounds(epoch)) {
      try {
        sparkNet.fit(rdd);
      } finally {
        rdd.unpersist(false);
      }
    }
  }

  /**
   * The RDDs of the averaging rounds of {@code epoch} on the streaming path, in order (lazy: each
   * reads its blocks when computed); what {@link #fitEpoch} trains on, also for tests that check
   * what is trained.
   */
  List<JavaRDD<DataSet>> streamedRounds(int epoch) {
    Streaming st = streaming;
    int blocksPerWorker = schedule.periodAt(epoch) / schedule.first();
    List<JavaRDD<DataSet>> out = new ArrayList<>();
    for (List<List<ShardStream.Block>> round : ShardStream.shares(st.blocks(), st.workers(),
        blocksPerWorker, st.seed(), epoch)) {
      out.add(ShardStream.roundOfShares(sc, st.train(), round, st.batchSize(), st.seed(),
          epoch, st.heldOut(), st.period()));
    }
    return out;
  }

  /**
   * Every averaging round DL4J takes a random slice of the training data (Direct approach) or of
   * the exported minibatch paths, which keep the training RDD's partitioning (Export approach);
   * when that slice has as many partitions as there are workers, DL4J's "when-needed"
   * repartitioning leaves it alone, saving a count, an index and a shuffle per round (measured in
   * docs/performance.md). Shards are merged without a shuffle when there are more of them than
   * workers, and spread with one shuffle, once, when there are fewer.
   */
  static JavaRDD<DataSet> onePartitionPerWorker(JavaRDD<DataSet> rdd, int workers) {
    int n = rdd.getNumPartitions();
    if (n == workers) {
      return rdd;
    }
    return n > workers ? rdd.coalesce(workers) : rdd.repartition(workers);
  }

  /**
   * The training minibatches: every record of the shards but the validation split's, which the
   * executors drop while they cut the shards into minibatches (a broadcast of the held-out
   * indices, {@link ShardMinibatches#rddWithout}), with, in an expanded split, every deformed
   * copy of them (the executors test the index modulo the number of originals).
   */
  static JavaRDD<DataSet> trainingMinibatches(JavaSparkContext sc, ShardCatalog train,
      int batchSize, ValidationSplit validation) {
    if (validation.isEmpty()) {
      return ShardMinibatches.rdd(sc, train, batchSize);
    }
    return ShardMinibatches.rddWithout(sc, train, batchSize, sc.broadcast(validation.indices()),
        validation.broadcastPeriod());
  }

  /** The RDD of minibatches this engine trains on (for tests that check what is trained). */
  JavaRDD<DataSet> trainingData() {
    return trainRdd;
  }

  /**
   * What scheduling did so far ({@link SchedulingSummary}): the GPU plan, the profiles used and,
   * per stage kind, the most tasks that ran at once (for {@code run.json}).
   */
  public Map<String, Object> scheduling() {
    Map<String, Object> m = new LinkedHashMap<>(SchedulingSummary.of(sc.getConf(),
        master.gpuProfile(), StageConcurrency.of(sc.sc()).stages(sc.sc()),
        bindings().stream().map(DeviceBinding::stageId).collect(Collectors.toSet())));
    Map<String, Integer> byEpoch = new LinkedHashMap<>();
    rounds.forEach((epoch, n) -> byEpoch.put(String.valueOf(epoch), n));
    m.put("averaging_rounds", byEpoch);
    return m;
  }

  /**
   * The averaging rounds of each epoch this engine fitted (epoch to rounds): the Spark stages
   * in which the workers trained, as the loss hook saw them.
   */
  public Map<Integer, Integer> roundsByEpoch() {
    return Map.copyOf(rounds);
  }

  /** The device each worker task bound (one entry per task attempt). */
  public List<DeviceBinding> bindings() {
    return master.bindings();
  }

  @Override
  public String name() {
    return TrainOptions.Engine.SPARK.spelling();
  }

  @Override
  public MultiLayerNetwork network() {
    return sparkNet.getNetwork();
  }

  /**
   * Reads the shards into the cached RDD of minibatches with the storage level DL4J asks for
   * (its own {@code persist} in the first epoch then finds it done: the same level), and runs
   * the warm-up; each timed on its own.
   */
  @Override
  public RunRecord.StartUp startUp() {
    if (trainRdd == null || preCache == null) {
      if (warmUp > 0) {
        LOG.info("--warm-up {}: skipped, the training data is not cached before the first "
            + "epoch (streaming, Export approach or --storage-level NONE)", warmUp);
      }
      return RunRecord.StartUp.NONE;
    }
    long t0 = System.nanoTime();
    trainRdd.persist(preCache);
    long cached = trainRdd.count();
    double load = (System.nanoTime() - t0) / 1e9;
    LOG.info("data load: {} minibatches cached in {} s", cached, String.format("%.1f", load));
    WarmUp.Result w = warmUp == 0 ? new WarmUp.Result(0, 0)
        : WarmUp.run(sc, sparkNet.getNetwork(), trainRdd, warmUp);
    if (warmUp > 0) {
      LOG.info("warm-up: {} minibatches on throwaway copies of the network in {} s",
          w.minibatches(), String.format("%.1f", w.seconds()));
    }
    return new RunRecord.StartUp(load, cached, w.seconds(), w.minibatches());
  }

  @Override
  public EpochFit fitEpoch(int epoch, double learningRate) {
    sparkNet.getNetwork().setLearningRate(learningRate);
    int period = schedule.periodAt(epoch);
    // DL4J reads the period when it splits the epoch into rounds and configures the workers
    master.setAveragingFrequency(period);
    lossHook.reset();
    long t0 = System.nanoTime();
    if (streaming != null) {
      fitStreamedEpoch(epoch);
    } else {
      sparkNet.fit(trainRdd);
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    rounds.put(epoch, lossHook.rounds());
    LOG.info("epoch {}: averaging period {}, {} rounds", epoch, period, lossHook.rounds());
    lossHook.firstNonFinite().ifPresent(at -> {
      throw new DivergedException("loss", at.loss(), "epoch " + epoch + ", averaging round "
          + at.round() + ", minibatch " + at.minibatch() + " of a worker");
    });
    return new EpochFit(lossHook.examples(), lossHook.meanLoss(), seconds,
        lossHook.accuracy());
  }

  @Override
  public void close() throws IOException {
    try {
      if (trainRdd != null) {
        trainRdd.unpersist(false);
      }
    } catch (RuntimeException ignored) {
      // the context may already be gone
    }
    HadoopFs.deleteQuietly(HadoopFs.fs(exportDir, sc.hadoopConfiguration()), exportDir);
  }
}
