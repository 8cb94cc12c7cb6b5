package org.lenet5spark.bench;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.Path;
import org.lenet5spark.data.DatasetPreparer;
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.train.TrainOptions;

/**
 * What {@code bench} is asked to measure, checked: the suites, where the data and the scratch
 * folder are, where the figures go, and the sizes of each measurement. {@link BenchRun} carries it
 * out.
 *
 * @param input folder with the four MNIST IDX files
 * @param work scratch folder: new, empty, or made by an earlier bench
 * @param json where the figures go as JSON
 * @param markdown where the Markdown tables go
 * @param suites the suites to run
 * @param batchSizes batch sizes of the single-process throughput
 * @param throughputImages images timed per batch size
 * @param sparkBatch batch size per worker of the epoch comparison
 * @param averagingFrequency averaging frequency of the Spark epochs
 * @param pytorchBatch batch size of the PyTorch/DL4J comparison
 * @param pytorchRounds alternating rounds of one DL4J epoch and one PyTorch epoch
 * @param shards shards the data is prepared into
 * @param repeats repetitions of each read measurement (the best is kept)
 * @param master Spark master, or null for {@code local[*]}
 * @param scale sizes, data paths and workers of the {@code scale} suite
 */
public record BenchRequest(Path input, Path work, java.nio.file.Path json,
    java.nio.file.Path markdown, Set<Suite> suites, List<Integer> batchSizes,
    int throughputImages, int sparkBatch, int averagingFrequency, int pytorchBatch,
    int pytorchRounds, int shards, int repeats, String master, Scale scale) {

  /** The suites of measurements. */
  public enum Suite {
    /** {@link DataBenchmark}: prepare per format, shard sizes, read throughput. */
    DATA,
    /** {@link TrainBenchmark}: throughput by batch size, Spark against local, evaluation. */
    TRAIN,
    /** The single-process part of {@code TRAIN} alone. */
    THROUGHPUT,
    /** {@link SideBySide}: alternating epochs of DL4J and PyTorch. */
    PYTORCH,
    /** {@link InferenceBenchmark}: Spark ML's transform against predict, rows/s. */
    INFERENCE,
    /** {@link ScalingBenchmark}: round costs measured, epochs predicted for 1-64 workers. */
    SCALING,
    /** {@link ScaleBenchmark}: prepare and an epoch at growing training sets, peak memory. */
    SCALE;

    /** The suite a command-line name gives. */
    public static Suite parse(String name) {
      for (Suite s : values()) {
        if (s.name().toLowerCase(Locale.ROOT).equals(name)) {
          return s;
        }
      }
      throw new BadInputException("unknown suite " + name
          + " (expected data, train, throughput, pytorch, inference, scaling or scale)");
    }

    /** The suites that command-line names give, in their order. */
    public static Set<Suite> parse(List<String> names) {
      return names.stream().map(Suite::parse)
          .collect(Collectors.toCollection(LinkedHashSet::new));
    }
  }

  /**
   * What the {@code scale} suite measures, checked (bad values are usage errors).
   *
   * @param expansions the {@code prepare --expand} of each size, distinct, each from 0 to
   *     {@link DatasetPreparer#MAX_EXPANSION} (0, 4, 19: 60,000, 300,000 and 1.2 million
   *     training images)
   * @param paths the {@code --data-path} values each size is trained with
   * @param workers Spark workers of the training runs
   * @param epochs epochs of each training run, the last timed
   */
  public record Scale(List<Integer> expansions, List<TrainOptions.DataPath> paths,
      int workers, int epochs) {
    /** The suite's defaults: 60k, 300k and 1.2M images; auto and stream; 2 workers. */
    public static final String DEFAULT_EXPANSIONS = "0,4,19";
    /** Default data paths: what train chooses, and the streaming path as well. */
    public static final String DEFAULT_PATHS = "auto,stream";

    /** Checks the values. */
    public Scale {
      expansions = List.copyOf(expansions);
      paths = List.copyOf(paths);
      if (expansions.isEmpty() || Set.copyOf(expansions).size() != expansions.size()) {
        throw new BadInputException("--scale-expansions must list distinct expansions, got "
            + expansions);
      }
      for (int k : expansions) {
        if (k < 0 || k > DatasetPreparer.MAX_EXPANSION) {
          throw new BadInputException("--scale-expansions: each must be between 0 and "
              + DatasetPreparer.MAX_EXPANSION + " (the maximum), got " + k);
        }
      }
      if (paths.isEmpty() || Set.copyOf(paths).size() != paths.size()) {
        throw new BadInputException("--scale-paths must list distinct data paths, got "
            + paths.stream().map(TrainOptions.DataPath::spelling).toList());
      }
      if (workers < 1) {
        throw new BadInputException("--scale-workers must be at least 1, got " + workers);
      }
      if (epochs < 1) {
        throw new BadInputException("--scale-epochs must be at least 1, got " + epochs);
      }
    }

    /** The scale options that command-line values give. */
    public static Scale parse(List<Integer> expansions, List<String> paths, int workers,
        int epochs) {
      List<TrainOptions.DataPath> parsed = new ArrayList<>();
      for (String p : paths) {
        try {
          parsed.add(TrainOptions.DataPath.parse(p));
        } catch (BadInputException e) {
          throw new BadInputException("--scale-paths: unknown data path " + p
              + " (expected auto, cached or stream)");
        }
      }
      return new Scale(expansions, parsed, workers, epochs);
    }
  }

  /** Checks the request. */
  public BenchRequest {
    Objects.requireNonNull(input, "input");
    Objects.requireNonNull(scale, "scale");
    Objects.requireNonNull(work, "work");
    Objects.requireNonNull(json, "json");
    Objects.requireNonNull(markdown, "markdown");
    suites = Set.copyOf(suites);
    batchSizes = List.copyOf(batchSizes);
    checkRounds(pytorchRounds);
  }

  /**
   * Returns {@code rounds} if it is at least one.
   *
   * @throws BadInputException otherwise (the CLI reports it as a usage error)
   */
  public static int checkRounds(int rounds) {
    if (rounds < 1) {
      throw new BadInputException("--pytorch-rounds must be at least 1, got " + rounds);
    }
    return rounds;
  }

  /** Where the Markdown goes by default: the JSON file's name with {@code .md}. */
  public static String defaultMarkdown(String json) {
    return (json.endsWith(".json") ? json.substring(0, json.length() - 5) : json) + ".md";
  }
}
