package org.lenet5spark.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.SparkConf;
import org.apache.spark.resource.ResourceProfile;
import org.apache.spark.resource.TaskResourceRequest;
import org.lenet5spark.spark.StageConcurrency;
import org.lenet5spark.spark.StageResources;

/**
 * The {@code "scheduling"} entry of {@code run.json}: the GPU scheduling plan
 * ({@link StageResources.Plan}), the resource profiles the stages used, and per stage kind the
 * most tasks that ran at once on one executor and in all ({@link StageConcurrency}). A stage is
 * of kind {@code "training"} when DL4J workers ran in it (a device binding names it); any other
 * stage's kind is its Spark call site without the line number, such as
 * {@code "collect at ShardCatalog.java"} (the shard check). Built by {@link SparkEngine}.
 */
public final class SchedulingSummary {
  /** The kind of the stages that ran DL4J workers. */
  public static final String TRAINING = "training";

  private SchedulingSummary() {
  }

  /** The kind of a stage that ran no DL4J worker: its call site without the line number. */
  static String kindOf(String stageName) {
    return stageName.replaceFirst(":\\d+$", "");
  }

  /**
   * The summary.
   *
   * @param conf the application's configuration (the default profile's task resources)
   * @param gpuProfile the training stages' profile, null when none was used
   * @param stages what the stages did
   * @param trainingStages ids of the stages where DL4J workers ran
   */
  static Map<String, Object> of(SparkConf conf, ResourceProfile gpuProfile,
      List<StageConcurrency.Stage> stages, Set<Integer> trainingStages) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("gpu_scheduling", StageResources.plan(conf).toMap());
    List<Map<String, Object>> profiles = new ArrayList<>();
    Map<String, Object> def = new LinkedHashMap<>();
    def.put("id", ResourceProfile.DEFAULT_RESOURCE_PROFILE_ID());
    def.put("task_cpus", conf.getInt("spark.task.cpus", 1));
    def.put("task_gpus", conf.getDouble(StageResources.TASK_GPUS, 0));
    profiles.add(def);
    if (gpuProfile != null) {
      Map<String, Object> gpu = new LinkedHashMap<>();
      gpu.put("id", gpuProfile.id());
      Map<String, TaskResourceRequest> task = gpuProfile.taskResourcesJMap();
      gpu.put("task_cpus", task.containsKey("cpus") ? task.get("cpus").amount() : 1.0);
      gpu.put("task_gpus", task.containsKey(StageResources.GPU)
          ? task.get(StageResources.GPU).amount() : 0.0);
      profiles.add(gpu);
    }
    out.put("profiles", profiles);
    Map<String, Kind> kinds = new LinkedHashMap<>();
    for (StageConcurrency.Stage s : stages) {
      String kind = trainingStages.contains(s.stageId()) ? TRAINING : kindOf(s.name());
      kinds.computeIfAbsent(kind, k -> new Kind()).add(s);
    }
    List<Map<String, Object>> perKind = new ArrayList<>();
    kinds.forEach((k, v) -> perKind.add(v.toMap(k)));
    out.put("stage_kinds", perKind);
    return out;
  }

  /** The stages of one kind, added up. */
  private static final class Kind {
    int stages;
    int tasks;
    int speculative;
    int maxPerExecutor;
    int maxAtOnce;
    final Set<Integer> profileIds = new TreeSet<>();

    void add(StageConcurrency.Stage s) {
      stages++;
      tasks += s.tasks();
      speculative += s.speculative();
      maxPerExecutor = Math.max(maxPerExecutor, s.maxPerExecutor());
      maxAtOnce = Math.max(maxAtOnce, s.maxAtOnce());
      profileIds.add(s.profileId());
    }

    Map<String, Object> toMap(String kind) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("kind", kind);
      m.put("stages", stages);
      m.put("tasks", tasks);
      m.put("speculative_tasks", speculative);
      m.put("profile_ids", List.copyOf(profileIds));
      m.put("max_tasks_per_executor", maxPerExecutor);
      m.put("max_tasks_at_once", maxAtOnce);
      return m;
    }
  }
}
