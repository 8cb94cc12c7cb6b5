package org.lenet5spark.bench;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lenet5spark.io.Json;

/** The Markdown tables of a bench result: rows, ratios from the same run, absent suites. */
class BenchReportTest {
  private static final String RESULT = """
      {"date": "2026-11-29T20:00:00Z", "machine": {"cores": 2, "os": "Linux", "java": "17"},
       "spark_master": "local[*]", "omp_num_threads": "1",
       "single_process_throughput": [
         {"kernels": "stock", "kernel_threads": 0, "batch_size": 64, "images_per_second": 4000,
          "forward_share_of_step": 0.14},
         {"kernels": "fused", "kernel_threads": 2, "batch_size": 64, "images_per_second": 9000,
          "forward_share_of_step": 0.3}],
       "pytorch": {"version": "1.13", "threads": 2, "batch_size": 64,
         "epochs": [{"epoch": 1, "epoch_seconds": 3.0, "samples_per_second": 18000,
                     "test_accuracy": 0.98}]},
       "side_by_side": {"batch_size": 64, "images_per_epoch": 60000,
         "rounds": [{"dl4j_images_per_second": 15000, "pytorch_images_per_second": 17000},
                    {"dl4j_images_per_second": 12000, "pytorch_images_per_second": 16000},
                    {"dl4j_images_per_second": 16000, "pytorch_images_per_second": 14000}],
         "dl4j_median_images_per_second": 15000, "pytorch_median_images_per_second": 16000,
         "ratio_of_medians": 0.9375},
       "train": {"epoch_time": {"local_epoch_seconds": 10.0, "local_samples_per_second": 6000,
         "spark_1w_epoch_seconds": 16.0, "spark_1w_samples_per_second": 3750,
         "spark_2w_epoch_seconds": 9.0, "spark_2w_samples_per_second": 6666,
         "ratio_spark_1w_to_local": 1.6, "ratio_spark_2w_to_local": 0.9,
         "batch_size_per_worker": 32, "averaging_frequency": 10},
         "evaluation_images_per_second": 25000}}
      """;

  @Test
  void medianOfRounds() {
    assertTrue(SideBySide.median(new double[] {3, 1, 2}) == 2);
    assertTrue(SideBySide.median(new double[] {4, 1, 3, 2}) == 2.5);
  }

  @Test
  void tablesAndSameRunRatios() throws Exception {
    String md = BenchReport.markdown(Json.mapper().readTree(RESULT));
    assertTrue(md.contains("| fused | 2 | 64 | 9,000 | 30% |"), md);
    assertTrue(md.contains("fused / stock at batch 64: 2.25x"), md);
    assertTrue(md.contains("DL4J (stock, throughput table) / PyTorch (last epoch) at batch 64:"
        + " 0.22"), md);
    assertTrue(md.contains("DL4J (fused, throughput table) / PyTorch (last epoch) at batch 64:"
        + " 0.50"), md);
    assertTrue(md.contains("3 alternating rounds of one timed epoch (60,000 images) each"), md);
    assertTrue(md.contains("DL4J fused / PyTorch images/s: 15,000 / 17,000; 12,000 / 16,000;"
        + " 16,000 / 14,000."), md);
    assertTrue(md.contains("**DL4J (fused) / PyTorch at batch 64: 0.94**"), md);
    assertTrue(md.contains("| Spark, 2 workers (second epoch) | 9.0 | 6,666 | 0.90 |"), md);
    assertFalse(md.contains("## Data pipeline"), "the data suite did not run");
    assertFalse(md.contains("## Scaling"), "the scaling suite did not run");
  }

  @Test
  void scalingTables() throws Exception {
    String md = BenchReport.markdown(Json.mapper().readTree("""
        {"date": "d", "machine": {}, "scaling": {
          "measured": [{"workers": 2, "period": 10, "rounds": 94, "epoch_seconds": 8.5,
            "one_round_epoch_seconds": 5.6, "round_cost_ms": 31.2,
            "compute_per_minibatch_ms": 5.94, "model_epoch_seconds": 8.4}],
          "constants": {"examples": 60000, "batch": 32, "compute_per_minibatch_ms": 5.5,
            "fixed_per_round_ms": 25.0, "per_task_ms": 3.0, "bytes_per_round": 740472,
            "aggregation_depth": 2},
          "fixed_period": [{"workers": 64, "period": 10, "rounds": 3, "compute_seconds": 0.16,
            "overhead_seconds": 0.65, "network_seconds": 0.04, "epoch_seconds": 0.85,
            "speed_up": 17.1, "efficiency": 0.267}],
          "growing_period": [], "growth_cap": 8,
          "period_for_10_percent_overhead": {"1": 51, "64": 400}}}
        """));
    assertTrue(md.contains("| 2 | 10 | 94 | 8.5 | 5.6 | 31.2 | 5.94 | 8.4 |"), md);
    assertTrue(md.contains("fixed 25.0 ms per round, 3.0 ms per task, 740,472 bytes"), md);
    assertTrue(md.contains("| 64 | 10 | 3 | 0.16 | 0.65 | 0.04 | 0.85 | 17.10 | 27% |"), md);
    assertTrue(md.contains("period grown 8x"), md);
    assertTrue(md.contains("by workers: 1: 51, 64: 400."), md);
  }

  @Test
  void inferenceTable() throws Exception {
    String md = BenchReport.markdown(org.lenet5spark.io.Json.mapper().readTree(
        "{\"inference\": {\"rows\": 60000, \"partitions\": 4, \"spark_master\": \"local[2]\","
        + " \"transform_rows_per_s\": 2881, \"predict_one_process_rows_per_s\": 4223}}"));
    assertTrue(md.contains("## Inference (60,000 rows, 4 Parquet shards, local[2])"), md);
    assertTrue(md.contains("| Spark ML transform | 2,881 |"), md);
    assertTrue(md.contains("| predict, one process | 4,223 |"), md);
  }
}
