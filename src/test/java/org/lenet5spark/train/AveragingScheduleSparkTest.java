package org.lenet5spark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.StageInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.data.ShardCatalog;
import org.lenet5spark.model.LeNet5;
import org.lenet5spark.testing.SmallData;
import org.lenet5spark.testing.SparkTestContext;

/**
 * An averaging period that grows epoch by epoch ({@code --averaging-frequency 2,4,8}) on the Spark
 * engine in {@code local[2]}, on the first 2,000 images of real MNIST (2 shards of 1,000, no
 * validation split): 64 minibatches per epoch (32 per shard, the last one of 8 images), which
 * rounds of 2 x 2, 2 x 4 and 2 x 8 minibatches divide exactly. The number of averaging rounds each
 * epoch takes follows the schedule, counted from outside the job by a Spark listener (the stages
 * that run the workers and average their results, the job of {@link AveragingRound}) and by
 * the job's own loss hook, on the cached and on the
 * streaming data path; the streaming path still trains every example once per epoch.
 */
class AveragingScheduleSparkTest {
  private static final int WORKERS = 2;
  private static final int BATCH = 32;
  private static final int TRAIN = 2000;

  @TempDir
  static Path tmp;
  static Path data;
  static JavaSparkContext sc;
  static final List<String> STAGES = Collections.synchronizedList(new ArrayList<>());

  @BeforeAll
  static void start() throws IOException {
    data = SmallData.prepare(SmallData.realSubset(tmp.resolve("idx"), TRAIN, 200),
        tmp.resolve("shards"), "binary", 2);
    sc = SparkTestContext.local2("averaging-schedule");
    sc.sc().addSparkListener(new SparkListener() {
      @Override
      public void onStageSubmitted(SparkListenerStageSubmitted submitted) {
        StageInfo s = submitted.stageInfo();
        STAGES.add(s.stageId() + " " + s.name());
      }
    });
  }

  @AfterAll
  static void stop() {
    sc.stop();
  }

  /** Rounds per epoch (listener, hook) for three epochs of schedule 2,4,8 on a data path. */
  private static List<int[]> roundsOfThreeEpochs(TrainOptions.DataPath path, String name)
      throws Exception {
    TrainOptions o = TrainOptions.builder(new org.apache.hadoop.fs.Path(data.toString()),
            new org.apache.hadoop.fs.Path(tmp.resolve(name).toString()))
        .workers(WORKERS).batchSize(BATCH).seed(7).epochs(3).prefetch(0)
        .averagingSchedule(AveragingSchedule.parse("2,4,8")).dataPath(path)
        .validation(TrainOptions.Validation.parse("0")).build();
    ShardCatalog train = ShardCatalog.open(o.data().dir(), "train", new Configuration());
    List<int[]> out = new ArrayList<>();
    try (SparkEngine engine = new SparkEngine(sc, o, LeNet5.build(o.variant(), o.kernels(),
        o.seed(), o.newUpdater(), o.optimiser().l2()), train,
        new org.apache.hadoop.fs.Path(tmp.resolve(name + "-export").toString()), 0)) {
      for (int epoch = 1; epoch <= 3; epoch++) {
        STAGES.clear();
        TrainingEngine.EpochFit fit = engine.fitEpoch(epoch, 1e-3);
        // the listener bus is asynchronous: let it deliver every event of the epoch
        sc.sc().listenerBus().waitUntilEmpty();
        long averagings = STAGES.stream()
            .filter(s -> s.contains("runJob at AveragingRound.java"))
            .count();
        System.out.println(name + " epoch " + epoch + ": " + averagings + " averagings, "
            + engine.roundsByEpoch().get(epoch) + " rounds by the hook, " + fit.examples()
            + " examples; stages " + STAGES);
        out.add(new int[] {(int) averagings, engine.roundsByEpoch().get(epoch),
            (int) fit.examples()});
      }
    }
    return out;
  }

  @Test
  void cachedPathTakesTheRoundsOfEachEpochsPeriod() throws Exception {
    List<int[]> r = roundsOfThreeEpochs(TrainOptions.DataPath.CACHED, "cached");
    int minibatches = 2 * ((TRAIN / 2 + BATCH - 1) / BATCH);
    int[] periods = {2, 4, 8};
    for (int e = 0; e < 3; e++) {
      // DL4J splits an epoch's minibatches into rounds of workers x period (exactly, here)
      int expected = minibatches / (WORKERS * periods[e]);
      assertEquals(expected, r.get(e)[0], "epoch " + (e + 1) + ": averagings seen by Spark");
      assertEquals(expected, r.get(e)[1], "epoch " + (e + 1) + ": rounds seen by the hook");
    }
  }

  @Test
  void streamingPathTakesTheRoundsOfEachEpochsPeriodAndEveryExample() throws Exception {
    List<int[]> r = roundsOfThreeEpochs(TrainOptions.DataPath.STREAM, "stream");
    // blocks of 2 x 32 examples: 16 per shard of 1,000 (the last one 40 examples)
    int blocks = 2 * ((1000 + 2 * BATCH - 1) / (2 * BATCH));
    int[] blocksPerWorker = {1, 2, 4};
    for (int e = 0; e < 3; e++) {
      int perRound = WORKERS * blocksPerWorker[e];
      int expected = (blocks + perRound - 1) / perRound;
      assertEquals(expected, r.get(e)[0], "epoch " + (e + 1) + ": averagings seen by Spark");
      assertEquals(expected, r.get(e)[1], "epoch " + (e + 1) + ": rounds seen by the hook");
      assertEquals(TRAIN, r.get(e)[2], "epoch " + (e + 1) + ": every example once");
    }
  }
}
