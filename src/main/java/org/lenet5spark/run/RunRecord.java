package org.lenet5spark.run;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.lenet5spark.data.Manifest;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.io.Json;
import org.lenet5spark.io.OutputOwnership;

/**
 * What {@code run.json} holds, field for field (snake_case in the file, in this order; the
 * fields from {@code resumes} on are written only when set). {@code train} writes it before the
 * first epoch with status {@code running} and rewrites it whole when the status changes;
 * {@code report} and a resumed run read it back; the notebooks read the same file.
 *
 * @param kind {@link OutputOwnership#RUN_MARKER}: how {@code --overwrite} recognises a run
 * @param status {@code running}, {@code extending}, {@code failed} or {@code complete}
 * @param started when the run (its first attempt) started, ISO-8601
 * @param sparkMaster the Spark master, null for the local engine
 * @param sparkAppId the Spark application, null for the local engine
 * @param config every resolved training setting (see {@code TrainOptions.describe})
 * @param data the data the run read
 * @param versions what shaped the result
 * @param resumes one entry per {@code --resume} that continued the run
 * @param extendingFromEpoch while a complete run is extended: the epoch of its published model
 * @param devices the spark engine's device bindings, per executor and decision
 * @param scheduling the spark engine's GPU scheduling, resource profiles and tasks run at once
 *     per stage kind ({@code train.SchedulingSummary})
 * @param failure why the run stopped ({@code diverged}), with {@code error} its message
 * @param error the message of {@code failure}
 * @param finished when the run completed or failed
 * @param finalTestAccuracy the test accuracy of the epoch that became {@code model.zip} (the
 *     selected epoch), once complete
 * @param validation the validation split: its size, how it was chosen, its fingerprint
 * @param selection which epoch became {@code model.zip}, on which metric, and why the run
 *     stopped, once complete
 * @param startUp what the spark engine did before its first epoch's clock (the latest attempt's)
 */
public record RunRecord(String kind, String status, String started, String sparkMaster,
    String sparkAppId, JsonNode config, Data data, Versions versions,
    @JsonInclude(JsonInclude.Include.NON_NULL) List<Resume> resumes,
    @JsonInclude(JsonInclude.Include.NON_NULL) Integer extendingFromEpoch,
    @JsonInclude(JsonInclude.Include.NON_NULL) List<DeviceSummary> devices,
    @JsonInclude(JsonInclude.Include.NON_NULL) JsonNode scheduling,
    @JsonInclude(JsonInclude.Include.NON_NULL) String failure,
    @JsonInclude(JsonInclude.Include.NON_NULL) String error,
    @JsonInclude(JsonInclude.Include.NON_NULL) String finished,
    @JsonInclude(JsonInclude.Include.NON_NULL) Double finalTestAccuracy,
    @JsonInclude(JsonInclude.Include.NON_NULL) ValidationInfo validation,
    @JsonInclude(JsonInclude.Include.NON_NULL) Selection selection,
    @JsonInclude(JsonInclude.Include.NON_NULL) StartUp startUp) {

  /** Largest {@code run.json} accepted. */
  private static final long MAX_BYTES = 16L << 20;

  /** The data a run read: the train split's manifest and both splits' sizes. */
  public record Data(String format, long trainExamples, long testExamples, int trainShards,
      Manifest.NormalizationInfo normalization, List<Manifest.SourceFile> sources) {
  }

  /** The versions of everything that shaped the result. */
  public record Versions(String lenet5Spark, String java, String spark, String scala,
      String dl4j, String dl4jSpark, String nd4jBackend, Map<String, String> nd4jEnvironment) {
  }

  /** One {@code --resume} that continued the run after {@code afterEpoch}. */
  public record Resume(String at, int afterEpoch) {
  }

  /**
   * The validation split of a run ({@code train --validation}).
   *
   * @param count training images held out (never trained on; 0: no validation)
   * @param rule how the count was chosen
   * @param fingerprint SHA-256 of the held-out record indices, ascending, one decimal per line
   * @param perClass held-out images per class
   * @param trainExamples training images left to train on
   * @param drawnFrom which records the held-out images were drawn from (all, or an expanded
   *     split's originals only); absent in runs recorded before it was written
   * @param excludedFromTraining records never trained on: the held-out images and, in an
   *     expanded split, every deformed copy of each; absent in runs recorded before
   */
  public record ValidationInfo(long count, String rule, String fingerprint, List<Long> perClass,
      long trainExamples, @JsonInclude(JsonInclude.Include.NON_NULL) String drawnFrom,
      @JsonInclude(JsonInclude.Include.NON_NULL) Long excludedFromTraining) {
    /** Without where the split was drawn from (as runs recorded before it). */
    public ValidationInfo(long count, String rule, String fingerprint, List<Long> perClass,
        long trainExamples) {
      this(count, rule, fingerprint, perClass, trainExamples, null, null);
    }
  }

  /**
   * Which epoch became {@code model.zip} and why the run stopped.
   *
   * @param keep {@code best} or {@code last}, as asked
   * @param selectedEpoch the epoch whose parameters are {@code model.zip}
   * @param metric the validation metric selected on ({@code validation_loss} or
   *     {@code validation_accuracy}), null when the last epoch was kept
   * @param value the selected epoch's value of {@code metric}
   * @param reason why that epoch was selected
   * @param stoppedEarly whether early stopping ended the run before its last epoch
   * @param stopReason why the run stopped
   * @param lastEpoch the last epoch trained
   */
  public record Selection(String keep, int selectedEpoch, String metric, Double value,
      String reason, boolean stoppedEarly, String stopReason, int lastEpoch) {
  }

  /**
   * What the spark engine did before the first epoch's clock started, so that an epoch's time
   * measures training (docs/performance.md, round 5). Both parts count in the run's total time.
   *
   * @param dataLoadSeconds reading the shards into the cached minibatch RDD (0: not cached
   *     before the first epoch, which then reads them itself)
   * @param cachedMinibatches minibatches in the cached RDD (0: not cached before)
   * @param warmUpSeconds the executors' warm-up ({@code --warm-up}; 0: none)
   * @param warmUpMinibatches minibatches fitted by the warm-up over all workers (on a throwaway
   *     copy of the network: the trained model does not see them)
   */
  public record StartUp(double dataLoadSeconds, long cachedMinibatches, double warmUpSeconds,
      long warmUpMinibatches) {
    /** Nothing done before the first epoch. */
    public static final StartUp NONE = new StartUp(0, 0, 0, 0);
  }

  /** How many worker tasks of an executor took one device-binding decision. */
  public record DeviceSummary(String executorId, String decision, int tasks) {
  }

  /** A new run's record: status {@code running}, started now. */
  public static RunRecord running(String sparkMaster, String sparkAppId, JsonNode config,
      Data data, Versions versions) {
    return new RunRecord(OutputOwnership.RUN_MARKER, "running", Instant.now().toString(),
        sparkMaster, sparkAppId, config, data, versions, null, null, null, null, null, null,
        null, null, null, null, null);
  }

  /**
   * This record continuing {@code previous} (the run's earlier {@code run.json}) after
   * {@code afterEpoch}: its start time and its resumes, plus this one.
   */
  public RunRecord resuming(RunRecord previous, int afterEpoch) {
    List<Resume> all = new ArrayList<>();
    if (previous.resumes() != null) {
      all.addAll(previous.resumes());
    }
    all.add(new Resume(Instant.now().toString(), afterEpoch));
    String first = previous.started() != null ? previous.started() : started;
    return new RunRecord(kind, status, first, sparkMaster, sparkAppId, config, data, versions,
        List.copyOf(all), extendingFromEpoch, devices, scheduling, failure, error, finished,
        finalTestAccuracy, validation, selection, startUp);
  }

  /** Status {@code extending}: a complete run whose published model is from {@code epoch}. */
  public RunRecord extending(int epoch) {
    return new RunRecord(kind, "extending", started, sparkMaster, sparkAppId, config, data,
        versions, resumes, epoch, devices, scheduling, failure, error, finished,
        finalTestAccuracy, validation, selection, startUp);
  }

  /** With the spark engine's device bindings. */
  public RunRecord withDevices(List<DeviceSummary> summary) {
    return new RunRecord(kind, status, started, sparkMaster, sparkAppId, config, data,
        versions, resumes, extendingFromEpoch, List.copyOf(summary), scheduling, failure, error,
        finished, finalTestAccuracy, validation, selection, startUp);
  }

  /** With the spark engine's scheduling summary. */
  public RunRecord withScheduling(JsonNode summary) {
    return new RunRecord(kind, status, started, sparkMaster, sparkAppId, config, data,
        versions, resumes, extendingFromEpoch, devices, summary, failure, error, finished,
        finalTestAccuracy, validation, selection, startUp);
  }

  /** Status {@code failed} now, for {@code failure} (such as {@code diverged}). */
  public RunRecord failed(String why, String message) {
    return new RunRecord(kind, "failed", started, sparkMaster, sparkAppId, config, data,
        versions, resumes, extendingFromEpoch, devices, scheduling, why, message,
        Instant.now().toString(), finalTestAccuracy, validation, selection, startUp);
  }

  /** Status {@code complete} now, with the last epoch's test accuracy (null: no epoch). */
  public RunRecord complete(Double finalAccuracy) {
    return complete(finalAccuracy, selection);
  }

  /**
   * Status {@code complete} now, with the test accuracy of the epoch that became the model and
   * how it was selected.
   */
  public RunRecord complete(Double finalAccuracy, Selection chosen) {
    return new RunRecord(kind, "complete", started, sparkMaster, sparkAppId, config, data,
        versions, resumes, null, devices, scheduling, failure, error, Instant.now().toString(),
        finalAccuracy, validation, chosen, startUp);
  }

  /** With the run's validation split. */
  public RunRecord withValidation(ValidationInfo split) {
    return new RunRecord(kind, status, started, sparkMaster, sparkAppId, config, data,
        versions, resumes, extendingFromEpoch, devices, scheduling, failure, error, finished,
        finalTestAccuracy, split, selection, startUp);
  }

  /** With what the engine did before its first epoch. */
  public RunRecord withStartUp(StartUp done) {
    return new RunRecord(kind, status, started, sparkMaster, sparkAppId, config, data,
        versions, resumes, extendingFromEpoch, devices, scheduling, failure, error, finished,
        finalTestAccuracy, validation, selection, done);
  }

  /** Whether the run completed (status {@code complete}); not a field of the file. */
  @JsonIgnore
  public boolean isComplete() {
    return "complete".equals(status);
  }

  /** Rewrites {@code run.json} of {@code files} atomically with this record. */
  public void write(RunFiles files, Configuration conf) throws IOException {
    HadoopFs.writeStringAtomically(files.runJson(), conf, Json.pretty(this));
  }

  /**
   * Reads {@code run.json} of {@code files}; fields it does not hold read as null (a run that is
   * still running has no {@code finished}). A missing or malformed file is bad input.
   */
  public static RunRecord read(RunFiles files, Configuration conf) throws IOException {
    return Json.parseAllowingMissing(HadoopFs.readString(files.runJson(), conf, MAX_BYTES),
        RunRecord.class, files.runJson().toString());
  }
}
