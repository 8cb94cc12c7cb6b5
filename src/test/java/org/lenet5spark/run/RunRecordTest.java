package org.lenet5spark.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lenet5spark.io.Json;
import org.lenet5spark.io.OutputOwnership;

/**
 * {@code run.json} keeps its field names, nesting and order now that a record writes it: the
 * file of a real {@code train} run (written by the map-based code before this record existed)
 * reads into the record and is written back byte for byte, and the fields set later in a run
 * (resumes, extension, devices, failure, completion) come out in the order the old code wrote
 * them.
 */
class RunRecordTest {
  /** A run.json written by train before RunRecord existed (nd4j_environment shortened). */
  private static final String REAL = """
      {
        "kind" : "lenet5-spark train run",
        "status" : "complete",
        "started" : "2026-11-30T14:01:45.585561061Z",
        "spark_master" : null,
        "spark_app_id" : null,
        "config" : {
          "data" : "file:/tmp/archtools/shards",
          "output" : "file:/tmp/archtools/run1",
          "engine" : "local",
          "workers" : 2,
          "batch_size_per_worker" : 32,
          "averaging_frequency" : 10,
          "training_approach" : "auto",
          "seed" : 12345,
          "variant" : "modern",
          "kernels" : "fused",
          "updater" : "adam",
          "learning_rate" : 0.002,
          "lr_decay_per_epoch" : 0.8,
          "l2" : 0.0,
          "augment" : false,
          "epochs" : 2,
          "worker_prefetch" : 2,
          "aggregation_depth" : 2,
          "storage_level" : "MEMORY_ONLY",
          "repartition" : "when-needed",
          "export_dir" : null,
          "keep_checkpoints" : 3,
          "resume" : false,
          "overwrite" : false,
          "on_bad_checkpoint" : "refuse"
        },
        "data" : {
          "format" : "parquet",
          "train_examples" : 600,
          "test_examples" : 200,
          "train_shards" : 2,
          "normalization" : {
            "mean" : 0.1256174553154595,
            "std" : 0.30204820953524514,
            "formula" : "(pixel / 255 - mean) / std",
            "computed_on" : "train"
          },
          "sources" : [ {
            "role" : "images",
            "name" : "train-images-idx3-ubyte",
            "bytes" : 470416,
            "sha256" : "ed3cf154352e4d7fa29892a8ded924b3a481be7e129660c09aafc47b637e2803"
          }, {
            "role" : "labels",
            "name" : "train-labels-idx1-ubyte",
            "bytes" : 608,
            "sha256" : "c2ad746c48f5219000739348f423b5d097de30034785e2ebc431a9728567c7eb"
          } ]
        },
        "versions" : {
          "lenet5_spark" : "development",
          "java" : "17.0.15+6-Debian-1deb12u1",
          "spark" : null,
          "scala" : "2.12.18",
          "dl4j" : "1.0.0-M2.1",
          "dl4j_spark" : "1.0.0-M2",
          "nd4j_backend" : "CpuBackend",
          "nd4j_environment" : {
            "blas.vendor" : "OPENBLAS",
            "cores" : "2"
          }
        },
        "finished" : "2026-11-30T14:02:07.356382052Z",
        "final_test_accuracy" : 0.815
      }
      """;

  @Test
  void aRealRunJsonReadsAndWritesBackUnchanged() {
    RunRecord r = Json.parseAllowingMissing(REAL, RunRecord.class, "run.json");
    assertEquals(REAL, Json.pretty(r));
    assertEquals(OutputOwnership.RUN_MARKER, r.kind());
    assertTrue(r.isComplete());
    assertEquals(600, r.data().trainExamples());
    assertEquals("file:/tmp/archtools/shards", r.config().path("data").asText());
    assertEquals("OPENBLAS", r.versions().nd4jEnvironment().get("blas.vendor"));
  }

  @Test
  void laterFieldsComeInTheOrderTheMapBasedCodeWroteThem() throws Exception {
    RunRecord first = Json.parseAllowingMissing(REAL, RunRecord.class, "run.json");
    RunRecord running = RunRecord.running("local[2]", "app-1", first.config(), first.data(),
        first.versions());
    assertEquals(List.of("kind", "status", "started", "spark_master", "spark_app_id", "config",
        "data", "versions"), keys(running));
    assertEquals("running", running.status());

    RunRecord resumed = running.resuming(first, 2).resuming(first.resuming(first, 1), 3);
    assertEquals(first.started(), resumed.started(), "a resumed run keeps its start");
    RunRecord extending = resumed.extending(2);
    RunRecord failed = extending.failed("diverged", "loss is NaN at epoch 3");
    assertEquals(List.of("kind", "status", "started", "spark_master", "spark_app_id", "config",
        "data", "versions", "resumes", "extending_from_epoch", "failure", "error", "finished"),
        keys(failed));
    assertEquals("failed", failed.status());

    RunRecord done = extending.withDevices(List.of(
        new RunRecord.DeviceSummary("0", "no gpu assigned, backend CPU, bound cpu", 4)))
        .complete(0.9);
    assertEquals(List.of("kind", "status", "started", "spark_master", "spark_app_id", "config",
        "data", "versions", "resumes", "devices", "finished", "final_test_accuracy"),
        keys(done));
    JsonNode n = Json.mapper().readTree(Json.pretty(done));
    assertEquals(2, n.get("resumes").size());
    assertEquals(3, n.get("resumes").get(1).get("after_epoch").asInt());
    assertEquals(4, n.get("devices").get(0).get("tasks").asInt());
    assertEquals("0", n.get("devices").get(0).get("executor_id").asText());
    assertFalse(n.has("extending_from_epoch"), "a complete run is no longer extending");
  }

  @Test
  void validationAndSelectionAreWrittenAfterTheOtherFieldsAndReadBack() throws Exception {
    RunRecord r = RunRecord.running(null, null, null, null, null)
        .withValidation(new RunRecord.ValidationInfo(300, "count 300", "ab12", List.of(30L, 30L,
            30L, 30L, 30L, 30L, 30L, 30L, 30L, 30L), 2700))
        .complete(0.95, new RunRecord.Selection("best", 4, "validation_loss", 0.12, "best",
            true, "early stopping at epoch 6: ...", 6));
    List<String> k = keys(r);
    assertEquals(List.of("finished", "final_test_accuracy", "validation", "selection"),
        k.subList(k.size() - 4, k.size()));
    JsonNode n = Json.mapper().readTree(Json.pretty(r));
    assertEquals(4, n.get("selection").get("selected_epoch").asInt());
    assertEquals(300, n.get("validation").get("count").asInt());
    RunRecord back = Json.parseAllowingMissing(Json.pretty(r), RunRecord.class, "test");
    assertEquals(r.selection(), back.selection());
    assertEquals(r.validation(), back.validation());
  }

  @Test
  void aStillRunningRecordReadsWithoutItsLaterFields() {
    RunRecord first = Json.parseAllowingMissing(REAL, RunRecord.class, "run.json");
    String running = Json.pretty(RunRecord.running(null, null, first.config(), first.data(),
        first.versions()));
    RunRecord back = Json.parseAllowingMissing(running, RunRecord.class, "run.json");
    assertNull(back.finished());
    assertNull(back.extendingFromEpoch());
    assertEquals(running, Json.pretty(back));
  }

  private static List<String> keys(RunRecord r) throws Exception {
    List<String> out = new ArrayList<>();
    Json.mapper().readTree(Json.pretty(r)).fieldNames().forEachRemaining(out::add);
    return out;
  }
}
