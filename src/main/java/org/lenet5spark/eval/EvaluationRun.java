package org.lenet5spark.eval;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.lenet5spark.data.IdxInput;
import org.lenet5spark.data.Normalization;
import org.lenet5spark.data.ShardCatalog;
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.io.Redact;
import org.lenet5spark.model.ModelStore;
import org.lenet5spark.spark.SparkContexts;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code evaluate} stage: loads {@code model.zip} from any Hadoop URI and evaluates it on a
 * split of prepared shards or on raw IDX files ({@link LabelledInput}), in this process or, for
 * shards, on Spark's executors ({@link DistributedEvaluator}). Its
 * outcome renders as JSON or as a table; the CLI prints one of them. Runs after {@code train}.
 */
public final class EvaluationRun {
  private static final Logger LOG = LoggerFactory.getLogger(EvaluationRun.class);
  /** Examples per forward pass. */
  static final int BATCH = 1000;

  private EvaluationRun() {
  }

  /**
   * What an evaluation found.
   *
   * @param request what was asked
   * @param source the data actually read: the shards' folder or the images file
   * @param result accuracy, loss, confusion matrix
   * @param seconds time spent evaluating (loading excluded)
   * @param distributed whether it ran on Spark's executors
   */
  public record Outcome(EvaluateRequest request, String source, EvalResult result,
      double seconds, boolean distributed) {

    /** The outcome as {@code evaluate --json} prints it (credentials masked). */
    public Map<String, Object> toJson() {
      EvalResult r = result;
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("model", Redact.uri(request.model()));
      out.put("data", Redact.text(source));
      out.put("split", request.split());
      out.put("distributed", distributed);
      out.put("count", r.count());
      out.put("accuracy", r.accuracy());
      out.put("loss", r.loss());
      out.put("macro_f1", r.macroF1());
      out.put("precision", r.precision());
      out.put("recall", r.recall());
      out.put("f1", r.f1());
      out.put("confusion", r.confusion());
      out.put("seconds", seconds);
      return out;
    }

    /** A human-readable report: summary, per-class metrics, confusion matrix. */
    public String table() {
      return EvaluationRun.table(result);
    }
  }

  /**
   * Evaluates the model the request names on the data it names: on Spark's executors
   * ({@link DistributedEvaluator}) for prepared shards when asked, when a master is given or from
   * {@link DistributedEvaluator#AUTO_THRESHOLD} examples on (with Spark on the classpath), else
   * in this process. Both give the same confusion matrix.
   */
  public static Outcome run(EvaluateRequest request) throws IOException {
    return run(request, DistributedEvaluator.AUTO_THRESHOLD);
  }

  /** {@link #run(EvaluateRequest)} with Spark chosen from {@code autoThreshold} examples on. */
  static Outcome run(EvaluateRequest request, long autoThreshold) throws IOException {
    Configuration conf = HadoopFs.newConfiguration();
    // read once: the bytes checked here are the bytes the executors restore
    byte[] bytes = HadoopFs.readAll(request.model(), conf, ModelStore.MAX_MODEL_BYTES);
    ModelStore.Loaded loaded = ModelStore.fromBytes(bytes, request.model().toString(), false,
        request.kernels());
    Normalization norm = InputNormalization.of(loaded.normalizer(), request.model().toString());
    boolean shards = request.imagesName() == null && request.labelsName() == null
        && IdxInput.isPreparedData(request.data(), conf);
    boolean asked = request.distributed() || request.master() != null;
    if (asked && !shards) {
      throw new BadInputException("distributed evaluation needs the output of 'prepare' as "
          + "--data, not IDX files: " + request.data());
    }
    if (shards) {
      ShardCatalog catalog = ShardCatalog.open(request.data(), request.split(), conf);
      if (asked || (catalog.count() >= autoThreshold && sparkAvailable())) {
        InputNormalization.requireMatches(norm, catalog.manifest().toNormalization());
        LOG.info("evaluating {} examples on Spark", catalog.count());
        JavaSparkContext sc = SparkContexts.start("lenet5-evaluate", request.master());
        try {
          catalog.verifyChecksums(sc);
          long t0 = System.nanoTime();
          EvalResult r = DistributedEvaluator.evaluate(sc, bytes, request.kernels(), catalog,
              BATCH);
          double secs = (System.nanoTime() - t0) / 1e9;
          return new Outcome(request, catalog.dataRoot().toString(), r, secs, true);
        } finally {
          sc.stop();
        }
      }
    }
    LabelledInput input = LabelledInput.read(request.data(), request.split(),
        request.imagesName(), request.labelsName(), norm, conf);
    long t0 = System.nanoTime();
    EvalResult r = Evaluator.evaluate(loaded.network(), input.block(), BATCH);
    double secs = (System.nanoTime() - t0) / 1e9;
    return new Outcome(request, input.source(), r, secs, false);
  }

  /** Whether Spark's classes are on the classpath (the CLI jar run by spark-submit). */
  static boolean sparkAvailable() {
    try {
      Class.forName("org.apache.spark.SparkContext", false,
          EvaluationRun.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /** A human-readable report: summary, per-class metrics, confusion matrix. */
  static String table(EvalResult r) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format("examples  %d%naccuracy  %.4f%nloss      %.4f%nmacro F1  %.4f%n%n",
        r.count(), r.accuracy(), r.loss(), r.macroF1()));
    sb.append("class  precision  recall      f1\n");
    for (int c = 0; c < 10; c++) {
      sb.append(String.format("%5d  %9.4f  %6.4f  %6.4f%n", c, r.precision().get(c),
          r.recall().get(c), r.f1().get(c)));
    }
    sb.append("\nconfusion matrix (rows: actual, columns: predicted)\n      ");
    for (int c = 0; c < 10; c++) {
      sb.append(String.format("%6d", c));
    }
    sb.append('\n');
    for (int a = 0; a < 10; a++) {
      sb.append(String.format("%6d", a));
      for (int p = 0; p < 10; p++) {
        sb.append(String.format("%6d", r.confusion()[a][p]));
      }
      sb.append('\n');
    }
    return sb.toString();
  }
}
