package org.lenet5spark.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.lenet5spark.data.ExampleBlock;
import org.lenet5spark.data.IdxInput;
import org.lenet5spark.data.Normalization;
import org.lenet5spark.data.ShardCatalog;
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.eval.EvalResult;
import org.lenet5spark.eval.Evaluator;
import org.lenet5spark.eval.InputNormalization;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.io.Json;
import org.lenet5spark.io.Redact;
import org.lenet5spark.model.LeNet5;
import org.lenet5spark.model.ModelStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * CLI of evaluation: loads {@code model.zip} from any Hadoop URI and evaluates it on a split of
 * prepared shards (after checking their checksums and that the model's normaliser matches the
 * shards') or on raw IDX files (normalised with the model's own normaliser). Prints a table, or
 * JSON with {@code --json}. Runs after {@code train}.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
    description = "Evaluate a trained model on the test split: accuracy, loss, confusion matrix.")
final class EvaluateCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Mixin
  CommonOptions common;

  @Option(names = "--model", required = true, paramLabel = "URI",
      description = "model.zip written by 'train'.")
  String model;

  @Option(names = "--data", required = true, paramLabel = "URI",
      description = "Output folder of 'prepare', or a folder (or images file) of IDX files, raw "
          + "or .gz, normalised with the model's own normaliser.")
  String data;

  @Option(names = "--images", paramLabel = "NAME",
      description = "IDX images file name in --data (default: the split's MNIST name).")
  String imagesName;

  @Option(names = "--labels", paramLabel = "NAME",
      description = "IDX labels file name in --data (default: the split's MNIST name).")
  String labelsName;

  @Option(names = "--split", defaultValue = "test", paramLabel = "train|test",
      description = "Split to evaluate (default: ${DEFAULT-VALUE}).")
  String split;

  @Option(names = "--kernels", defaultValue = "auto", paramLabel = "auto|fused|stock",
      description = "How the model is executed: this project's fused CPU kernels, DL4J's "
          + "stock layers, or auto (fused on ND4J's CPU backend, stock on CUDA); the saved "
          + "model is the same either way (default: ${DEFAULT-VALUE}).")
  String kernels;

  @Option(names = "--json", description = "Print JSON instead of a table.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    if (!split.equals("test") && !split.equals("train")) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "--split must be train or test, got " + split);
    }
    LeNet5.Kernels k = Usage.check(spec, () -> LeNet5.Kernels.parse(kernels));
    Configuration conf = HadoopFs.newConfiguration();
    Path modelPath = HadoopFs.resolve(model);
    ModelStore.Loaded loaded = ModelStore.load(modelPath, conf, false, k);
    Path dataPath = HadoopFs.resolve(data);
    ExampleBlock block;
    String source;
    if (imagesName == null && labelsName == null && IdxInput.isPreparedData(dataPath, conf)) {
      ShardCatalog catalog = ShardCatalog.open(dataPath, split, conf);
      checkNormalization(loaded, catalog, modelPath.toString());
      catalog.verifyChecksums(conf);
      block = ExampleBlock.read(catalog, conf);
      source = catalog.dataRoot().toString();
    } else {
      IdxInput idx = IdxInput.locate(dataPath, split, imagesName, labelsName, true, conf);
      block = idx.read(InputNormalization.of(loaded.normalizer(), modelPath.toString()), conf);
      source = idx.images().toString();
    }
    long t0 = System.nanoTime();
    EvalResult r = Evaluator.evaluate(loaded.network(), block, 1000);
    double secs = (System.nanoTime() - t0) / 1e9;
    if (json) {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("model", Redact.uri(modelPath));
      out.put("data", Redact.text(source));
      out.put("split", split);
      out.put("count", r.count());
      out.put("accuracy", r.accuracy());
      out.put("loss", r.loss());
      out.put("macro_f1", r.macroF1());
      out.put("precision", r.precision());
      out.put("recall", r.recall());
      out.put("f1", r.f1());
      out.put("confusion", r.confusion());
      out.put("seconds", secs);
      System.out.print(Json.pretty(out));
    } else {
      System.out.print(table(r));
    }
    return ExitCodes.OK;
  }

  private static void checkNormalization(ModelStore.Loaded loaded, ShardCatalog catalog,
      String modelSource) {
    Normalization model = InputNormalization.of(loaded.normalizer(), modelSource);
    double mean = model.mean();
    double std = model.std();
    var n = catalog.manifest().normalization();
    if (Math.abs(mean - n.mean()) > 1e-6 || Math.abs(std - n.std()) > 1e-6) {
      throw new BadInputException(String.format("the model was trained with normalisation "
          + "mean=%.6f std=%.6f but the shards use mean=%.6f std=%.6f", mean, std, n.mean(),
          n.std()));
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
