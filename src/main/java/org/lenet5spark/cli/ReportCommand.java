package org.lenet5spark.cli;

import java.util.concurrent.Callable;
import org.apache.hadoop.fs.Path;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.io.Redact;
import org.lenet5spark.model.LeNet5;
import org.lenet5spark.report.ReportBuilder;
import org.lenet5spark.report.ReportOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * CLI of {@code report} ({@link ReportBuilder}): charts, the grid of worst mistakes and one
 * self-contained HTML page for a training run. Runs after {@code train}.
 */
@Command(name = "report", mixinStandardHelpOptions = true,
    description = "Render a training run: training curves, confusion matrix, worst "
        + "misclassified digits (PNG) and one self-contained HTML page.")
final class ReportCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Mixin
  CommonOptions common;

  @Option(names = "--run", required = true, paramLabel = "URI",
      description = "Run folder written by 'train'.")
  String run;

  @Option(names = "--data", paramLabel = "URI",
      description = "Test data for the grid of mistakes: output of 'prepare' or a folder of IDX "
          + "files (default: the run's config.data).")
  String data;

  @Option(names = "--out", paramLabel = "DIR",
      description = "Report folder (default: <run>/report).")
  String out;

  @Option(names = "--worst", defaultValue = "" + ReportOptions.DEFAULT_WORST,
      description = "Misclassified digits in the grid (default: ${DEFAULT-VALUE}).")
  int worst;

  @Mixin
  KernelsOption kernels;

  @Option(names = "--overwrite", description = "Replace a complete report.")
  boolean overwrite;

  @Override
  public Integer call() throws Exception {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
    ReportOptions o = Usage.check(spec, () -> new ReportOptions(HadoopFs.resolve(run),
        data == null ? null : HadoopFs.resolve(data), out == null ? null : HadoopFs.resolve(out),
        worst, LeNet5.Kernels.parse(kernels.value), overwrite));
    Path folder = ReportBuilder.build(o);
    System.out.println("report written to " + Redact.uri(folder) + " (open "
        + Redact.uri(new Path(folder, ReportBuilder.PAGE)) + ")");
    return ExitCodes.OK;
  }
}
