package org.lenet5spark.report;

import org.apache.hadoop.fs.Path;
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.model.LeNet5;

/**
 * The validated options of {@code report}.
 *
 * @param run the training run folder (output of {@code train})
 * @param data test data for the grid of mistakes (prepared data or IDX files), or null for the
 *     run's own {@code config.data}
 * @param out the report folder, or null for {@code <run>/report}
 * @param worst how many misclassified digits the grid shows
 * @param kernels how the model is executed (fused or stock)
 * @param overwrite whether a complete report may be replaced
 */
public record ReportOptions(Path run, Path data, Path out, int worst,
    LeNet5.Kernels kernels, boolean overwrite) {

  /** Default number of digits in the grid of mistakes. */
  public static final int DEFAULT_WORST = 24;

  public ReportOptions {
    if (kernels == null) {
      kernels = LeNet5.Kernels.parse("auto");
    }
    if (run == null) {
      throw new BadInputException("--run is required");
    }
    if (worst < 1 || worst > 200) {
      throw new BadInputException("--worst must be between 1 and 200, got " + worst);
    }
  }

  /** The report folder. */
  public Path outOrDefault() {
    return out != null ? out : new Path(run, "report");
  }
}
