package org.lenet5spark.eval;

import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.lenet5spark.data.ExampleBlock;
import org.lenet5spark.data.IdxInput;
import org.lenet5spark.data.Normalization;
import org.lenet5spark.data.ShardCatalog;

/**
 * Labelled examples to measure a model on ({@code evaluate}, {@code report}), and the one answer
 * to "shards or IDX files?": a folder written by {@code prepare} gives a split of its shards
 * (checked: normalised as the model expects, checksums intact), anything else is looked up as IDX
 * files, raw or {@code .gz}, normalised with the model's own normalisation. Runs after the model
 * is loaded.
 *
 * @param block the examples, normalised
 * @param source where they came from: the shards' folder or the images file
 */
public record LabelledInput(ExampleBlock block, String source) {

  /**
   * Reads the labelled examples of a split.
   *
   * @param data output folder of {@code prepare}, or a folder (or images file) of IDX files
   * @param split {@code train} or {@code test}
   * @param imagesName IDX images file name, or null for the split's MNIST name; a name given
   *     here (or in {@code labelsName}) means IDX files even in a folder of shards
   * @param labelsName IDX labels file name, or null for the split's MNIST name
   * @param model the model's normalisation ({@link InputNormalization#of})
   */
  public static LabelledInput read(Path data, String split, String imagesName,
      String labelsName, Normalization model, Configuration conf) throws IOException {
    if (imagesName == null && labelsName == null && IdxInput.isPreparedData(data, conf)) {
      ShardCatalog catalog = ShardCatalog.open(data, split, conf);
      InputNormalization.requireMatches(model, catalog.manifest().toNormalization());
      catalog.verifyChecksums(conf);
      return new LabelledInput(ExampleBlock.read(catalog, conf),
          catalog.dataRoot().toString());
    }
    IdxInput idx = IdxInput.locate(data, split, imagesName, labelsName, true, conf);
    return new LabelledInput(idx.read(model, conf), idx.images().toString());
  }
}
