package org.lenet5spark.predict;

import java.util.Locale;
import org.apache.hadoop.fs.Path;
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.model.LeNet5;

/**
 * The validated options of {@code predict}.
 *
 * @param model {@code model.zip} written by {@code train}
 * @param input prepared data, IDX files, or PNG/JPEG pictures (see {@link PredictInput})
 * @param split split of prepared data (and of the default IDX names): train or test
 * @param imagesName IDX images file name, or null
 * @param labelsName IDX labels file name, or null
 * @param output file to write, or null for CSV on standard output
 * @param format csv or parquet
 * @param engine auto (Spark above {@link #LOCAL_LIMIT} examples or when a master is given),
 *     local (one process) or spark
 * @param master Spark master, or null for spark-submit's (else local[*])
 * @param kernels auto, fused or stock: how the model is executed (auto is resolved where it
 *     runs: on each Spark executor for its own ND4J backend)
 * @param overwrite whether an existing output file may be replaced
 */
public record PredictOptions(Path model, Path input, String split, String imagesName,
    String labelsName, Path output, String format, String engine, String master,
    String kernels, boolean overwrite) {

  /** Above this many examples (or pictures) the auto engine runs on Spark. */
  public static final int LOCAL_LIMIT = 10_000;

  public PredictOptions {
    split = split.toLowerCase(Locale.ROOT);
    format = format.toLowerCase(Locale.ROOT);
    engine = engine.toLowerCase(Locale.ROOT);
    LeNet5.Kernels.parse(kernels);
    kernels = kernels.toLowerCase(Locale.ROOT);
    if (!split.equals("test") && !split.equals("train")) {
      throw new BadInputException("--split must be train or test, got " + split);
    }
    if (!format.equals("csv") && !format.equals("parquet")) {
      throw new BadInputException("--format must be csv or parquet, got " + format);
    }
    if (!engine.equals("auto") && !engine.equals("local") && !engine.equals("spark")) {
      throw new BadInputException("--engine must be auto, local or spark, got " + engine);
    }
    if (format.equals("parquet") && output == null) {
      throw new BadInputException("--format parquet needs --output");
    }
    if (engine.equals("local") && master != null) {
      throw new BadInputException("--master makes no sense with --engine local");
    }
  }

  /** Whether to run on Spark for an input of {@code count} examples. */
  public boolean useSpark(long count) {
    return engine.equals("spark")
        || (engine.equals("auto") && (master != null || count > LOCAL_LIMIT));
  }
}
