package org.lenet5spark.spark;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkContext;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.scheduler.TaskInfo;

/**
 * A {@link SparkListener} that records, for every stage of the application, its name (Spark's
 * call site, such as {@code "collect at ShardCatalog.java:78"}), its resource profile id and the
 * most tasks that ran at once on one executor and in all, from the launch and finish times Spark
 * gives each finished task: what stage-level scheduling did, as opposed to what was asked for.
 * {@link SparkContexts#start} attaches one to every context ({@link #of}); {@code train}
 * summarises it per stage kind in {@code run.json}.
 */
public final class StageConcurrency extends SparkListener {
  private static final Map<String, StageConcurrency> BY_APP = new ConcurrentHashMap<>();

  /**
   * What one stage did.
   *
   * @param stageId Spark's stage id
   * @param name the stage's call site
   * @param profileId its resource profile id (0: the default profile)
   * @param tasks task attempts launched
   * @param speculative of which speculative copies
   * @param maxPerExecutor most of its tasks running at once on one executor
   * @param maxAtOnce most of its tasks running at once in all
   * @param executors the executors that ran its tasks
   */
  public record Stage(int stageId, String name, int profileId, int tasks, int speculative,
      int maxPerExecutor, int maxAtOnce, List<String> executors) {
  }

  /**
   * One finished task attempt: its executor, its launch (driver clock, milliseconds) and its end
   * estimated as launch plus the executor's deserialisation and run time. The driver's own finish
   * time comes after the result was fetched, which can be after the next task already launched
   * in the freed slot; the estimate ends before the executor reported, so it never makes two
   * tasks that ran one after the other look concurrent.
   */
  record Ran(String executor, long launch, long finish) {
  }

  /** What is known so far of one stage. */
  private static final class Live {
    final String name;
    final int profileId;
    final List<Ran> ran = new ArrayList<>();
    int tasks;
    int speculative;

    Live(String name, int profileId) {
      this.name = name;
      this.profileId = profileId;
    }
  }

  private final Map<Integer, Live> stages = new LinkedHashMap<>();

  /** Attaches a new recorder to {@code sc} (once per application). */
  public static StageConcurrency attach(SparkContext sc) {
    return BY_APP.computeIfAbsent(sc.applicationId(), id -> {
      StageConcurrency l = new StageConcurrency();
      sc.addSparkListener(l);
      return l;
    });
  }

  /** The recorder attached to {@code sc}, attaching one if none is. */
  public static StageConcurrency of(SparkContext sc) {
    return attach(sc);
  }

  @Override
  public synchronized void onStageSubmitted(SparkListenerStageSubmitted e) {
    StageInfo info = e.stageInfo();
    stages.putIfAbsent(info.stageId(), new Live(info.name(), info.resourceProfileId()));
  }

  @Override
  public synchronized void onTaskStart(SparkListenerTaskStart e) {
    Live s = stages.computeIfAbsent(e.stageId(), id -> new Live("stage " + id, -1));
    s.tasks++;
    if (e.taskInfo().speculative()) {
      s.speculative++;
    }
  }

  @Override
  public synchronized void onTaskEnd(SparkListenerTaskEnd e) {
    Live s = stages.computeIfAbsent(e.stageId(), id -> new Live("stage " + id, -1));
    TaskInfo t = e.taskInfo();
    long end = Math.max(t.launchTime(), t.finishTime());
    TaskMetrics m = e.taskMetrics();
    if (m != null) {
      end = Math.min(end, t.launchTime() + m.executorDeserializeTime() + m.executorRunTime());
    }
    s.ran.add(new Ran(t.executorId(), t.launchTime(), end));
  }

  /**
   * The most intervals of {@code ran} open at one instant; one that ends when another launches
   * does not overlap it.
   */
  static int maxOverlap(List<Ran> ran) {
    List<long[]> events = new ArrayList<>();
    for (Ran r : ran) {
      events.add(new long[] {r.launch(), 1});
      events.add(new long[] {r.finish(), -1});
    }
    events.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
    int open = 0;
    int max = 0;
    for (long[] ev : events) {
      open += (int) ev[1];
      max = Math.max(max, open);
    }
    return max;
  }

  /**
   * Every stage seen so far, in submission order. Spark delivers listener events
   * asynchronously: this first waits (up to 10 s) until the events posted so far arrived.
   */
  public List<Stage> stages(SparkContext sc) {
    try {
      sc.listenerBus().waitUntilEmpty(10_000);
    } catch (Exception ignored) {
      // a stopped context or a slow bus: report what arrived
    }
    synchronized (this) {
      List<Stage> out = new ArrayList<>();
      for (Map.Entry<Integer, Live> e : stages.entrySet()) {
        Live s = e.getValue();
        Map<String, List<Ran>> byExecutor = new LinkedHashMap<>();
        for (Ran r : s.ran) {
          byExecutor.computeIfAbsent(r.executor(), x -> new ArrayList<>()).add(r);
        }
        int maxPer = byExecutor.values().stream().mapToInt(StageConcurrency::maxOverlap).max()
            .orElse(0);
        out.add(new Stage(e.getKey(), s.name, s.profileId, s.tasks, s.speculative, maxPer,
            maxOverlap(s.ran), List.copyOf(byExecutor.keySet())));
      }
      return out;
    }
  }
}
