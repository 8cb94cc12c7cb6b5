package org.lenet5spark.cli;

import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaSparkContext;
import org.lenet5spark.data.DatasetPreparer;
import org.lenet5spark.data.MnistFiles;
import org.lenet5spark.data.ShardFormat;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.io.Redact;
import org.lenet5spark.spark.SparkContexts;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** CLI of the {@code prepare} stage ({@link DatasetPreparer}); runs after {@code fetch}. */
@Command(name = "prepare", mixinStandardHelpOptions = true,
    description = "Convert IDX files (raw or .gz) once into float32, normalised shards "
        + "(Parquet or binary) with a manifest per split.")
final class PrepareCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Mixin
  CommonOptions common;

  @Option(names = "--input", required = true, paramLabel = "DIR_OR_URI",
      description = "Folder holding the IDX files (any Hadoop URI or a local path).")
  String input;

  @Option(names = "--output", required = true, paramLabel = "URI",
      description = "Folder to create with train/ and test/ shards.")
  String output;

  @Option(names = "--format", defaultValue = "parquet", paramLabel = "parquet|binary",
      description = "Shard format (default: ${DEFAULT-VALUE}).")
  String format;

  @Option(names = "--shards", defaultValue = "4", paramLabel = "N",
      description = "Number of training shards (default: ${DEFAULT-VALUE}).")
  int shards;

  @Option(names = "--train-images", defaultValue = MnistFiles.TRAIN_IMAGES,
      description = "Training images file name (default: ${DEFAULT-VALUE}[.gz]).")
  String trainImages;

  @Option(names = "--train-labels", defaultValue = MnistFiles.TRAIN_LABELS,
      description = "Training labels file name (default: ${DEFAULT-VALUE}[.gz]).")
  String trainLabels;

  @Option(names = "--test-images", defaultValue = MnistFiles.TEST_IMAGES,
      description = "Test images file name (default: ${DEFAULT-VALUE}[.gz]).")
  String testImages;

  @Option(names = "--test-labels", defaultValue = MnistFiles.TEST_LABELS,
      description = "Test labels file name (default: ${DEFAULT-VALUE}[.gz]).")
  String testLabels;

  @Option(names = "--overwrite",
      description = "Replace data that prepare wrote (never any other folder); the old data "
          + "stays until the new data is complete.")
  boolean overwrite;

  @Option(names = "--expand", defaultValue = "0", paramLabel = "K",
      description = "Also write K randomly deformed copies of every training image (elastic "
          + "distortion plus a small affine transform; the test split is never expanded), 0 to "
          + DatasetPreparer.MAX_EXPANSION + " (default: ${DEFAULT-VALUE}).")
  int expand;

  @Option(names = "--expand-seed", defaultValue = "" + DatasetPreparer.DEFAULT_EXPAND_SEED,
      paramLabel = "N", description = "Seed of the deformations of --expand "
          + "(default: ${DEFAULT-VALUE}).")
  long expandSeed;

  @Option(names = "--master", paramLabel = "M",
      description = "Spark master (default: spark-submit's, else local[*]).")
  String master;

  @Override
  public Integer call() throws Exception {
    DatasetPreparer.Options o = Usage.check(spec, () -> new DatasetPreparer.Options(
        HadoopFs.resolve(input), HadoopFs.resolve(output), ShardFormat.parse(format), shards,
        new DatasetPreparer.SourceNames(trainImages, trainLabels, testImages, testLabels),
        overwrite, expand, expandSeed));
    DatasetPreparer.Result r;
    JavaSparkContext sc = SparkContexts.start("lenet5-prepare", master);
    try {
      r = DatasetPreparer.run(sc, o);
    } finally {
      sc.stop();
    }
    System.out.printf("prepared %s: %d train + %d test images as %s shards in %.1f s%n",
        Redact.uri(r.output()), r.train().count(), r.test().count(), r.train().format(),
        r.seconds());
    return ExitCodes.OK;
  }
}
