package org.lenet5spark.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;

/**
 * Renders the JSON written by {@code bench} as Markdown tables (the form docs/benchmarks.md
 * records): data pipeline, single-process throughput by kernels and batch size, the PyTorch
 * reference with the DL4J / PyTorch ratios measured in the same run, epoch times of the local
 * engine against Spark with 1 and 2 workers, evaluation throughput and peak memory, the scaling
 * prediction, and the scale suite (prepare, epoch and peak memory per training-set size). Sections
 * whose suite did not run are left out.
 */
public final class BenchReport {
  private BenchReport() {
  }

  /** The Markdown report of one bench result. */
  public static String markdown(JsonNode r) {
    StringBuilder md = new StringBuilder("# lenet5-spark bench\n\n");
    JsonNode m = r.path("machine");
    md.append(String.format(Locale.ROOT, "Date %s; %d cores, %s, Java %s (MaxVectorSize %s);"
        + " Spark master %s; OMP_NUM_THREADS=%s.%n", r.path("date").asText(),
        m.path("cores").asInt(), m.path("os").asText(), m.path("java").asText(),
        m.path("max_vector_size_bytes").asText("?"), r.path("spark_master").asText(),
        r.path("omp_num_threads").asText("unset")));
    JsonNode data = r.path("data");
    if (data.isObject()) {
      md.append("\n## Data pipeline\n\n| format | prepare s | IDX input MB/s | shards MB"
          + " | training input path, images/s |\n| --- | --- | --- | --- | --- |\n");
      for (JsonNode f : data.path("formats")) {
        md.append(String.format(Locale.ROOT, "| %s | %.2f | %.1f | %.1f | %,.0f |%n",
            f.path("format").asText(), f.path("prepare_seconds").asDouble(),
            f.path("prepare_input_mb_per_second").asDouble(),
            f.path("shard_bytes").asDouble() / 1e6, f.path("read_images_per_second").asDouble()));
      }
    }
    JsonNode train = r.path("train");
    JsonNode throughput = r.has("single_process_throughput") ? r.path("single_process_throughput")
        : train.path("single_process_throughput");
    if (throughput.isArray() && throughput.size() > 0) {
      md.append("\n## Single-process training throughput\n\n| kernels | kernel threads | batch"
          + " | images/s | forward pass share of a step |\n| --- | --- | --- | --- | --- |\n");
      for (JsonNode t : throughput) {
        md.append(String.format(Locale.ROOT, "| %s | %s | %d | %,.0f | %.0f%% |%n",
            t.path("kernels").asText("stock"), t.path("kernel_threads").asInt() == 0 ? "-"
                : t.path("kernel_threads").asText(), t.path("batch_size").asInt(),
            t.path("images_per_second").asDouble(),
            100 * t.path("forward_share_of_step").asDouble()));
      }
      for (JsonNode t : throughput) {
        double stock = rate(throughput, "stock", t.path("batch_size").asInt());
        if (t.path("kernels").asText().equals("fused") && stock > 0) {
          md.append(String.format(Locale.ROOT, "%nfused / stock at batch %d: %.2fx",
              t.path("batch_size").asInt(), t.path("images_per_second").asDouble() / stock));
        }
      }
      md.append('\n');
    }
    JsonNode torch = r.path("pytorch");
    if (torch.isObject()) {
      int batch = torch.path("batch_size").asInt();
      JsonNode last = torch.path("epochs").get(torch.path("epochs").size() - 1);
      double torchRate = last == null ? 0 : last.path("samples_per_second").asDouble();
      md.append(String.format(Locale.ROOT, "%n## PyTorch reference (same model, data and batch)"
          + "%n%nPyTorch %s, %d threads, batch %d: %,.0f images/s (epoch %.1f s, test accuracy"
          + " %.2f%%).%n", torch.path("version").asText(), torch.path("threads").asInt(), batch,
          torchRate, last == null ? 0 : last.path("epoch_seconds").asDouble(),
          last == null ? 0 : 100 * last.path("test_accuracy").asDouble()));
      JsonNode sides = r.path("side_by_side");
      if (sides.isObject()) {
        StringBuilder rounds = new StringBuilder();
        for (JsonNode round : sides.path("rounds")) {
          rounds.append(String.format(Locale.ROOT, "%s%,.0f / %,.0f",
              rounds.length() == 0 ? "" : "; ", round.path("dl4j_images_per_second").asDouble(),
              round.path("pytorch_images_per_second").asDouble()));
        }
        md.append(String.format(Locale.ROOT, "%nSide by side, %d alternating rounds of one timed"
            + " epoch (%,d images) each, after each side's start-up (DL4J: one untimed epoch"
            + " first; PyTorch: the second of two epochs per run), DL4J fused / PyTorch images/s:"
            + " %s.%n%nMedians: DL4J (fused)"
            + " %,.0f, PyTorch %,.0f images/s; **DL4J (fused) / PyTorch at batch %d: %.2f**%n",
            sides.path("rounds").size(), sides.path("images_per_epoch").asInt(), rounds,
            sides.path("dl4j_median_images_per_second").asDouble(),
            sides.path("pytorch_median_images_per_second").asDouble(),
            sides.path("batch_size").asInt(), sides.path("ratio_of_medians").asDouble()));
      }
      for (String k : new String[] {"stock", "fused"}) {
        double dl4j = rate(throughput, k, batch);
        if (dl4j > 0 && torchRate > 0) {
          md.append(String.format(Locale.ROOT, "%nDL4J (%s, throughput table) / PyTorch (last"
              + " epoch) at batch %d: %.2f", k, batch, dl4j / torchRate));
        }
      }
      md.append('\n');
    }
    JsonNode e = train.path("epoch_time");
    if (e.isObject()) {
      md.append(String.format(Locale.ROOT, "%n## Epoch time (batch %d per worker, averaging every"
          + " %d minibatches)%n%n| engine | epoch s | images/s | / local |%n| --- | --- | --- |"
          + " --- |%n| local (one process) | %.1f | %,.0f | 1.00 |%n",
          e.path("batch_size_per_worker").asInt(), e.path("averaging_frequency").asInt(),
          e.path("local_epoch_seconds").asDouble(), e.path("local_samples_per_second").asDouble()));
      for (int w : new int[] {1, 2}) {
        md.append(String.format(Locale.ROOT, "| Spark, %d worker%s (second epoch) | %.1f | %,.0f"
            + " | %.2f |%n", w, w == 1 ? "" : "s", e.path("spark_" + w + "w_epoch_seconds")
            .asDouble(), e.path("spark_" + w + "w_samples_per_second").asDouble(),
            e.path("ratio_spark_" + w + "w_to_local").asDouble()));
      }
      md.append(String.format(Locale.ROOT, "%nEvaluation: %,.0f images/s.%n",
          train.path("evaluation_images_per_second").asDouble()));
    }
    scaling(md, r.path("scaling"));
    scale(md, r.path("scale"));
    JsonNode mem = r.has("peak_memory") ? r.path("peak_memory") : train.path("peak_memory");
    if (mem.isObject()) {
      md.append(String.format(Locale.ROOT, "%nPeak memory: heap %d MB, RSS %d MB (off-heap at"
          + " the peak sample %d MB).%n", mem.path("heap_peak_mb").asLong(),
          mem.path("rss_peak_mb").asLong(), mem.path("off_heap_at_peak_sample_mb").asLong()));
    }
    JsonNode inf = r.path("inference");
    if (inf.isObject()) {
      md.append(String.format(Locale.ROOT, "%n## Inference (%,d rows, %d Parquet shards, %s)%n%n"
          + "| path | rows/s |%n| --- | --- |%n| Spark ML transform | %,d |%n"
          + "| predict, one process | %,d |%n", inf.path("rows").asLong(),
          inf.path("partitions").asInt(), inf.path("spark_master").asText(),
          inf.path("transform_rows_per_s").asLong(),
          inf.path("predict_one_process_rows_per_s").asLong()));
    }
    return md.toString();
  }

  /** The scaling suite: measured round costs, the model checked against them, the prediction. */
  private static void scaling(StringBuilder md, JsonNode s) {
    if (!s.isObject()) {
      return;
    }
    JsonNode c = s.path("constants");
    md.append(String.format(Locale.ROOT, "%n## Scaling: measured constants%n%n| workers | period"
        + " | rounds | epoch s | one-round epoch s | round cost ms | compute per minibatch ms"
        + " | model epoch s |%n| --- | --- | --- | --- | --- | --- | --- | --- |%n"));
    for (JsonNode m : s.path("measured")) {
      md.append(String.format(Locale.ROOT, "| %d | %d | %d | %.1f | %.1f | %.1f | %.2f | %.1f |%n",
          m.path("workers").asInt(), m.path("period").asInt(), m.path("rounds").asLong(),
          m.path("epoch_seconds").asDouble(), m.path("one_round_epoch_seconds").asDouble(),
          m.path("round_cost_ms").asDouble(), m.path("compute_per_minibatch_ms").asDouble(),
          m.path("model_epoch_seconds").asDouble()));
    }
    md.append(String.format(Locale.ROOT, "%nConstants: %,d examples, batch %d per worker,"
        + " compute %.2f ms per minibatch, fixed %.1f ms per round, %.1f ms per task, %,d bytes"
        + " each way per worker and round, tree aggregation depth %d.%n",
        c.path("examples").asLong(), c.path("batch").asInt(),
        c.path("compute_per_minibatch_ms").asDouble(), c.path("fixed_per_round_ms").asDouble(),
        c.path("per_task_ms").asDouble(), c.path("bytes_per_round").asLong(),
        c.path("aggregation_depth").asInt()));
    scalingTable(md, "fixed period", s.path("fixed_period"));
    scalingTable(md, "period grown " + s.path("growth_cap").asInt() + "x (the later epochs of"
        + " a growing schedule)", s.path("growing_period"));
    StringBuilder periods = new StringBuilder();
    s.path("period_for_10_percent_overhead").fields().forEachRemaining(e -> periods.append(
        periods.length() == 0 ? "" : ", ").append(e.getKey()).append(": ")
        .append(e.getValue().asInt()));
    md.append(String.format(Locale.ROOT, "%nPeriod that keeps round costs under 10%% of compute,"
        + " by workers: %s.%n", periods));
  }

  /** The scale suite: prepare per size, then each training run's epoch and peak memory. */
  private static void scale(StringBuilder md, JsonNode s) {
    if (!s.isObject()) {
      return;
    }
    md.append(String.format(Locale.ROOT, "%n## Scale: prepare (binary shards, %s)%n%n"
        + "| expand | training images | shards | prepare s | images/s | training shards MB"
        + " | cached estimate MB |%n| --- | --- | --- | --- | --- | --- | --- |%n",
        s.path("spark_master").asText()));
    for (JsonNode z : s.path("sizes")) {
      md.append(String.format(Locale.ROOT, "| %d | %,d | %d | %.1f | %,.0f | %,.1f | %,.0f |%n",
          z.path("expand").asInt(), z.path("train_images").asLong(),
          z.path("train_shards").asInt(), z.path("prepare_seconds").asDouble(),
          z.path("prepare_images_per_second").asDouble(),
          z.path("train_shard_bytes").asDouble() / 1e6,
          z.path("cached_estimate_bytes").asDouble() / 1e6));
    }
    md.append(String.format(Locale.ROOT, "%n## Scale: training (Spark, %d workers, batch %d per"
        + " worker, averaging every %d; timed: %s)%n%n| training images | --data-path (taken;"
        + " auto takes)"
        + " | examples | epoch s | images/s | executors' peak heap MB | executors' peak RSS MB"
        + " | executors' RSS beyond heap after MB | driver peak heap MB | driver peak RSS MB |%n"
        + "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |%n",
        s.path("workers").asInt(), s.path("batch_size_per_worker").asInt(),
        s.path("averaging_frequency").asInt(), s.path("timed").asText()));
    for (JsonNode z : s.path("sizes")) {
      for (JsonNode run : z.path("runs")) {
        JsonNode d = run.path("driver");
        md.append(String.format(Locale.ROOT, "| %,d | %s (%s; %s) | %,d | %.1f | %,.0f | %s"
            + " | %s | %s | %d | %d |%n", run.path("train_images").asLong(),
            run.path("data_path_asked").asText(), run.path("data_path").asText(),
            run.path("auto_takes").asText(),
            run.path("examples_per_epoch").asLong(), run.path("epoch_seconds").asDouble(),
            run.path("images_per_second").asDouble(), perJvm(run, "heap_peak_mb"),
            perJvm(run, "rss_peak_mb"), perJvm(run, "beyond_heap_now_mb"),
            d.path("heap_peak_mb").asLong(), d.path("rss_peak_mb").asLong()));
      }
    }
  }

  /** One figure of every executor of a run, "a / b". */
  private static String perJvm(JsonNode run, String field) {
    StringBuilder b = new StringBuilder();
    for (JsonNode e : run.path("executors")) {
      b.append(b.length() == 0 ? "" : " / ").append(e.path(field).asLong());
    }
    return b.toString();
  }

  private static void scalingTable(StringBuilder md, String title, JsonNode rows) {
    md.append(String.format(Locale.ROOT, "%n### Predicted epoch on a 10 Gb/s cluster, %s%n%n"
        + "| workers | period | rounds | compute s | round costs s | network s | epoch s"
        + " | speed-up | efficiency |%n| --- | --- | --- | --- | --- | --- | --- | --- | --- |%n",
        title));
    for (JsonNode r : rows) {
      md.append(String.format(Locale.ROOT, "| %d | %d | %d | %.2f | %.2f | %.2f | %.2f | %.2f"
          + " | %.0f%% |%n", r.path("workers").asInt(), r.path("period").asInt(),
          r.path("rounds").asLong(), r.path("compute_seconds").asDouble(),
          r.path("overhead_seconds").asDouble(), r.path("network_seconds").asDouble(),
          r.path("epoch_seconds").asDouble(), r.path("speed_up").asDouble(),
          100 * r.path("efficiency").asDouble()));
    }
  }

  private static double rate(JsonNode throughput, String kernels, int batch) {
    for (JsonNode t : throughput) {
      if (t.path("kernels").asText("stock").equals(kernels)
          && t.path("batch_size").asInt() == batch) {
        return t.path("images_per_second").asDouble();
      }
    }
    return 0;
  }
}
