package org.lenet5spark.data;

import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.io.Publisher;

/**
 * Raw IDX files given directly to {@code evaluate} or {@code predict} instead of prepared shards:
 * finds the images file (and the labels file when there is one) in a folder or URI, by the given
 * names or the usual MNIST names of the split, raw or {@code .gz}, and turns them into an
 * {@link ExampleBlock} normalised with a given {@link Normalization} (the model's own). Also tells
 * a prepared-data folder from a folder of IDX files. Nothing needs to run before it.
 */
public record IdxInput(Path images, Path labels) {

  /** Default images file name of a split. */
  public static String defaultImagesName(String split) {
    return split.equals("train") ? MnistFiles.TRAIN_IMAGES : MnistFiles.TEST_IMAGES;
  }

  /** Default labels file name of a split. */
  public static String defaultLabelsName(String split) {
    return split.equals("train") ? MnistFiles.TRAIN_LABELS : MnistFiles.TEST_LABELS;
  }

  /**
   * Whether {@code location} is the output of {@code prepare}: {@code _SUCCESS} and a split's
   * manifest ({@code _manifest.json}, or {@code manifest.json} of an earlier version).
   */
  public static boolean isPreparedData(Path location, Configuration conf) throws IOException {
    return HadoopFs.exists(new Path(location, Publisher.SUCCESS), conf)
        && (Manifest.locate(new Path(location, "test"), conf) != null
        || Manifest.locate(new Path(location, "train"), conf) != null);
  }

  /**
   * Locates the IDX files. {@code location} is a folder (the files are looked up by name, with
   * or without {@code .gz}) or the images file itself (labels are then looked up next to it).
   *
   * @param imagesName images file name, or null for the split's default
   * @param labelsName labels file name, or null for the split's default
   * @param labelsRequired whether a missing labels file is an error (else: no labels)
   */
  public static IdxInput locate(Path location, String split, String imagesName,
      String labelsName, boolean labelsRequired, Configuration conf) throws IOException {
    if (!HadoopFs.exists(location, conf)) {
      throw new BadInputException("input does not exist: " + location);
    }
    boolean folder = HadoopFs.fs(location, conf).getFileStatus(location).isDirectory();
    Path dir = folder ? location : location.getParent();
    Path images = folder
        ? find(dir, imagesName == null ? defaultImagesName(split) : imagesName, conf)
        : location;
    if (images == null) {
      throw new BadInputException("no IDX images file "
          + (imagesName == null ? defaultImagesName(split) : imagesName) + "[.gz] in "
          + location + " (and no _SUCCESS of 'prepare'; use --images NAME)");
    }
    String labelsWanted = labelsName != null ? labelsName
        : folder ? defaultLabelsName(split) : null;
    Path labels = labelsWanted == null ? null : find(dir, labelsWanted, conf);
    if (labels == null && labelsRequired) {
      throw new BadInputException("no IDX labels file "
          + (labelsWanted == null ? "" : labelsWanted + "[.gz] ") + "next to " + images
          + " (use --labels NAME)");
    }
    if (labels == null && labelsName != null) {
      throw new BadInputException("missing labels file " + labelsName + " in " + dir);
    }
    return new IdxInput(images, labels);
  }

  private static Path find(Path dir, String name, Configuration conf) throws IOException {
    Path p = new Path(dir, name);
    if (HadoopFs.exists(p, conf)) {
      return p;
    }
    Path gz = new Path(dir, name + ".gz");
    return HadoopFs.exists(gz, conf) ? gz : null;
  }

  /** Raw images and their labels (-1 each when there is no labels file). */
  public record Raw(IdxReader.Images images, int[] labels) {
  }

  /** Reads and checks the files without normalising the pixels. */
  public Raw readRaw(Configuration conf) throws IOException {
    IdxReader.Images img = IdxReader.readImages(images, conf, 28, 28);
    int[] labelArray = new int[img.count()];
    if (labels != null) {
      IdxReader.Labels lab = IdxReader.readLabels(labels, conf);
      IdxReader.checkPair(img, lab);
      for (int i = 0; i < labelArray.length; i++) {
        labelArray[i] = lab.labels()[i] & 0xff;
      }
    } else {
      java.util.Arrays.fill(labelArray, -1);
    }
    return new Raw(img, labelArray);
  }

  /** Reads the files into a block; without a labels file every label is -1. */
  public ExampleBlock read(Normalization normalization, Configuration conf) throws IOException {
    Raw raw = readRaw(conf);
    return toBlock(raw.images(), raw.labels(), normalization);
  }

  /** Normalises raw IDX pixels through the normalisation's table into a block. */
  public static ExampleBlock toBlock(IdxReader.Images img, int[] labels,
      Normalization normalization) {
    float[] lut = normalization.lookupTable();
    byte[] px = img.pixels();
    float[] features = new float[px.length];
    for (int i = 0; i < px.length; i++) {
      features[i] = lut[px[i] & 0xff];
    }
    int[] indices = new int[img.count()];
    for (int i = 0; i < indices.length; i++) {
      indices[i] = i;
    }
    return new ExampleBlock(img.count(), img.rows(), img.cols(), features, labels, indices);
  }
}
