package org.lenet5spark.cli;

import java.util.concurrent.Callable;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.io.Redact;
import org.lenet5spark.predict.PredictJob;
import org.lenet5spark.predict.PredictOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * CLI of {@code predict} ({@link PredictJob}): predictions of a trained model for prepared shards,
 * IDX files or PNG/JPEG pictures, as CSV or Parquet. Runs after {@code train}.
 */
@Command(name = "predict", mixinStandardHelpOptions = true,
    description = "Predict digits for shards, IDX files or PNG/JPEG pictures; write CSV or "
        + "Parquet (id, label, predicted, p0..p9).")
final class PredictCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Mixin
  CommonOptions common;

  @Option(names = "--model", required = true, paramLabel = "URI",
      description = "model.zip written by 'train'.")
  String model;

  @Option(names = "--input", required = true, paramLabel = "URI",
      description = "Output folder of 'prepare', a folder with IDX files (raw or .gz), an IDX "
          + "images file, a PNG/JPEG file or a folder of PNG/JPEG files.")
  String input;

  @Option(names = "--split", defaultValue = "test", paramLabel = "train|test",
      description = "Split of prepared data, and of the default IDX names (default: "
          + "${DEFAULT-VALUE}).")
  String split;

  @Option(names = "--images", paramLabel = "NAME",
      description = "IDX images file name in the --input folder (default: the split's MNIST "
          + "name).")
  String imagesName;

  @Option(names = "--labels", paramLabel = "NAME",
      description = "IDX labels file name (default: the split's MNIST name, when present).")
  String labelsName;

  @Option(names = "--output", paramLabel = "URI",
      description = "File to write (default: CSV on standard output).")
  String output;

  @Option(names = "--format", defaultValue = "csv", paramLabel = "csv|parquet",
      description = "Output format (default: ${DEFAULT-VALUE}).")
  String format;

  @Option(names = "--engine", defaultValue = "auto", paramLabel = "auto|local|spark",
      description = "Where to predict: auto = Spark above " + PredictOptions.LOCAL_LIMIT
          + " inputs or when --master is given, else this process (default: ${DEFAULT-VALUE}).")
  String engine;

  @Option(names = "--master", paramLabel = "M",
      description = "Spark master (default: spark-submit's, else local[*]).")
  String master;

  @Mixin
  KernelsOption kernels;

  @Option(names = "--overwrite",
      description = "Replace a predictions file that predict wrote (never any other file).")
  boolean overwrite;

  @Override
  public Integer call() throws Exception {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
    PredictOptions o = Usage.check(spec, () -> new PredictOptions(HadoopFs.resolve(model),
        HadoopFs.resolve(input), split, imagesName, labelsName,
        output == null ? null : HadoopFs.resolve(output), format, engine, master, kernels.value,
        overwrite));
    PredictJob.Summary s = PredictJob.run(o, System.out);
    if (o.output() != null) {
      System.out.printf("%d predictions (%s input, %s) written to %s%n", s.rows(),
          s.kind().name().toLowerCase(java.util.Locale.ROOT), s.spark() ? "Spark" : "one process",
          Redact.uri(o.output()));
    }
    return ExitCodes.OK;
  }
}
