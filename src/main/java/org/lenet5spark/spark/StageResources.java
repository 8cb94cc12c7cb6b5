package org.lenet5spark.spark;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.resource.ResourceProfile;
import org.apache.spark.resource.ResourceProfileBuilder;
import org.apache.spark.resource.TaskResourceRequests;
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.io.Redact;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GPUs only for the stages that use them (Spark stage-level scheduling). The executors ask for
 * their GPUs ({@code spark.executor.resource.gpu.amount} and a discovery script) and the
 * application sets no {@code spark.task.resource.gpu.amount}: every stage runs with Spark's
 * default profile, one task per core, except the stages whose RDD carries {@link #gpuProfile}
 * (a task resource profile asking for one GPU and {@code spark.executor.cores} divided by the
 * executor's GPUs, at least one CPU). The training master attaches it to each averaging round's
 * fit; GPU inference attaches it with {@link #forGpuTasks}.
 *
 * <p>Spark 3.5 schedules such a profile without dynamic allocation only on standalone
 * ({@code spark://}, {@code local-cluster}), YARN and Kubernetes
 * ({@code ResourceProfileManager.isSupported}). With any other master, or when the configuration
 * already sets {@code spark.task.resource.gpu.amount}, {@link #applyTo} keeps (or sets) the
 * global one-GPU-per-task setting, logs why, and {@link #gpuProfile} is empty. {@link #plan}
 * says which of the three it is; {@code doctor} and {@code run.json} report it.
 *
 * <p>Also the job's policy on dynamic allocation and speculation for {@code train}
 * ({@link #checkForTraining}).
 */
public final class StageResources {
  private static final Logger LOG = LoggerFactory.getLogger(StageResources.class);
  /** Spark's resource name for GPUs. */
  public static final String GPU = "gpu";
  /** GPUs per executor. */
  public static final String EXECUTOR_GPUS = "spark.executor.resource.gpu.amount";
  /** GPUs per task of the default profile (the global setting). */
  public static final String TASK_GPUS = "spark.task.resource.gpu.amount";
  /** Spark's dynamic allocation switch. */
  public static final String DYNAMIC_ALLOCATION = "spark.dynamicAllocation.enabled";
  /** Spark's speculation switch. */
  public static final String SPECULATION = "spark.speculation";
  /** Set by {@link #applyTo} when it falls back to the global setting: the reason. */
  static final String FALLBACK_REASON = "spark.lenet5.gpuScheduling.fallback";
  private static final Map<String, ResourceProfile> PROFILES = new ConcurrentHashMap<>();

  private StageResources() {
  }

  /** How GPU tasks are scheduled. */
  public enum Mode {
    /** No GPUs requested: every stage on the default profile. */
    NONE,
    /** Only stages carrying {@link #gpuProfile} take a GPU per task. */
    STAGE_LEVEL,
    /** Every stage takes {@code spark.task.resource.gpu.amount} GPUs per task. */
    GLOBAL;

    /** "none", "stage-level" or "global". */
    public String spelling() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
  }

  /**
   * The scheduling decision for a configuration.
   *
   * @param mode the mode
   * @param executorGpus GPUs per executor (0: none requested)
   * @param gpuTaskCpus CPUs of a GPU task in {@link Mode#STAGE_LEVEL} (0 otherwise)
   * @param reason why, in one sentence
   */
  public record Plan(Mode mode, double executorGpus, int gpuTaskCpus, String reason) {
    /** The plan for {@code run.json} and {@code doctor}. */
    public Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("mode", mode.spelling());
      m.put("executor_gpus", executorGpus);
      if (mode == Mode.STAGE_LEVEL) {
        m.put("gpu_task", Map.of("gpus", 1, "cpus", gpuTaskCpus));
      }
      m.put("reason", reason);
      return m;
    }
  }

  /** The decision for {@code conf} (as {@link SparkContexts#conf} leaves it). */
  public static Plan plan(SparkConf conf) {
    double gpus = conf.getDouble(EXECUTOR_GPUS, 0);
    if (gpus <= 0) {
      return new Plan(Mode.NONE, 0, 0, "no GPUs requested (" + EXECUTOR_GPUS + " not set)");
    }
    if (conf.contains(FALLBACK_REASON)) {
      return new Plan(Mode.GLOBAL, gpus, 0, conf.get(FALLBACK_REASON));
    }
    if (conf.contains(TASK_GPUS)) {
      return new Plan(Mode.GLOBAL, gpus, 0, TASK_GPUS + "=" + conf.get(TASK_GPUS)
          + " is set, so every stage takes GPUs per task; remove it for stage-level "
          + "scheduling");
    }
    String master = conf.get("spark.master", "");
    if (!supportsTaskProfiles(master)) {
      return new Plan(Mode.GLOBAL, gpus, 0, "master " + Redact.text(master)
          + " cannot schedule a task "
          + "resource profile without dynamic allocation (Spark 3.5 can on standalone, YARN "
          + "and Kubernetes), so every stage takes one GPU per task");
    }
    int cores = conf.getInt("spark.executor.cores", 0);
    int cpus = cores > 0 ? Math.max(1, (int) Math.floor(cores / gpus)) : 1;
    return new Plan(Mode.STAGE_LEVEL, gpus, cpus, "only the GPU stages (training rounds) take "
        + "one GPU and " + cpus + " CPU(s) per task; every other stage runs one task per core");
  }

  /** Whether Spark 3.5 schedules a task resource profile with this master without DA. */
  static boolean supportsTaskProfiles(String master) {
    return master.startsWith("spark://") || master.startsWith("local-cluster")
        || master.equals("yarn") || master.startsWith("k8s://");
  }

  /**
   * Completes {@code conf} before the context starts: where stage-level scheduling is not
   * possible and GPUs are requested, sets the global {@code spark.task.resource.gpu.amount=1}
   * (today's behaviour) and logs why.
   */
  static void applyTo(SparkConf conf) {
    Plan p = plan(conf);
    if (p.mode() == Mode.GLOBAL && !conf.contains(TASK_GPUS)) {
      conf.set(TASK_GPUS, "1");
      conf.set(FALLBACK_REASON, p.reason());
      LOG.warn("GPU scheduling falls back to {}=1 for every stage: {}", TASK_GPUS, p.reason());
    } else if (p.mode() != Mode.NONE) {
      LOG.info("GPU scheduling {}: {}", p.mode().spelling(), p.reason());
    }
  }

  /**
   * The task resource profile of GPU stages (one GPU, {@link Plan#gpuTaskCpus} CPUs), one per
   * application; empty unless the plan is {@link Mode#STAGE_LEVEL}. Attach it with
   * {@code rdd.withResources(profile)} to the RDD whose partitions the GPU tasks compute: the
   * profile applies to the stage that computes that RDD (up to the previous shuffle).
   */
  public static Optional<ResourceProfile> gpuProfile(JavaSparkContext sc) {
    Plan p = plan(sc.getConf());
    if (p.mode() != Mode.STAGE_LEVEL) {
      return Optional.empty();
    }
    return Optional.of(PROFILES.computeIfAbsent(sc.sc().applicationId(), id ->
        new ResourceProfileBuilder().require(new TaskResourceRequests()
            .cpus(p.gpuTaskCpus()).resource(GPU, 1.0)).build()));
  }

  /** {@code rdd} with {@link #gpuProfile} when there is one, else {@code rdd} unchanged. */
  public static <T> JavaRDD<T> forGpuTasks(JavaSparkContext sc, JavaRDD<T> rdd) {
    Optional<ResourceProfile> p = gpuProfile(sc);
    return p.isPresent() ? rdd.withResources(p.get()) : rdd;
  }

  /**
   * Refuses a configuration {@code train} cannot honour, before Spark starts: dynamic allocation
   * (DL4J's parameter averaging fixes the workers of every round from {@code --workers}, so
   * executors that come and go would not change the averaging, and an executor removed while it
   * holds cached minibatches costs their recomputation). Speculation is allowed: Spark keeps one
   * attempt's result per partition, so a duplicate worker is never averaged twice.
   *
   * @return {@code conf}
   * @throws BadInputException naming the setting and the fix
   */
  public static SparkConf checkForTraining(SparkConf conf) {
    if (conf.getBoolean(DYNAMIC_ALLOCATION, false)) {
      throw new BadInputException("train does not support dynamic allocation (DL4J parameter "
          + "averaging uses a fixed --workers per round): set " + DYNAMIC_ALLOCATION
          + "=false and size the job with spark.executor.instances (YARN, Kubernetes) or "
          + "spark.cores.max (standalone)");
    }
    return conf;
  }
}
