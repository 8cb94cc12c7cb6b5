package org.lenet5spark.predict;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.lenet5spark.data.DigitImage;
import org.lenet5spark.data.IdxInput;
import org.lenet5spark.data.ShardCatalog;
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.io.HadoopFs;

/**
 * What {@code predict} was given, recognised from the location itself: the output of
 * {@code prepare} (the shards of one split), IDX files (a folder holding them, or the images file),
 * or pictures (one PNG/JPEG file, or a folder of them, taken in name order, not recursively,
 * skipping hidden names that start with {@code _} or {@code .}).
 * Exactly one of {@code shards}, {@code idx} and {@code images} is set.
 */
public record PredictInput(Kind kind, ShardCatalog shards, IdxInput idx, List<Path> images) {

  /** The three kinds of input. */
  public enum Kind { SHARDS, IDX, IMAGES }

  /**
   * Recognises the input at {@code location}.
   *
   * @param split split of prepared data, and the default IDX file names' split
   * @param imagesName IDX images file name (null: the split's default); forces IDX input
   * @param labelsName IDX labels file name (null: the split's default, if present)
   */
  public static PredictInput detect(Path location, String split, String imagesName,
      String labelsName, Configuration conf) throws IOException {
    if (!HadoopFs.exists(location, conf)) {
      throw new BadInputException("input does not exist: " + location);
    }
    FileStatus st = HadoopFs.fs(location, conf).getFileStatus(location);
    if (!st.isDirectory()) {
      if (DigitImage.isImageName(location.getName())) {
        return new PredictInput(Kind.IMAGES, null, null, List.of(st.getPath()));
      }
      return new PredictInput(Kind.IDX, null,
          IdxInput.locate(location, split, null, labelsName, false, conf), null);
    }
    if (imagesName == null && IdxInput.isPreparedData(location, conf)) {
      return new PredictInput(Kind.SHARDS, ShardCatalog.open(location, split, conf), null, null);
    }
    if (imagesName == null) {
      List<Path> pictures = new ArrayList<>();
      for (FileStatus f : HadoopFs.fs(location, conf).listStatus(location)) {
        String name = f.getPath().getName();
        // Hadoop's convention: _x and .x are not data (temporary files, ._x.png resource forks)
        if (f.isFile() && DigitImage.isImageName(name) && !name.startsWith("_")
            && !name.startsWith(".")) {
          pictures.add(f.getPath());
        }
      }
      if (!pictures.isEmpty()) {
        pictures.sort(Comparator.comparing(Path::getName));
        return new PredictInput(Kind.IMAGES, null, null, List.copyOf(pictures));
      }
    }
    return new PredictInput(Kind.IDX, null,
        IdxInput.locate(location, split, imagesName, labelsName, false, conf), null);
  }
}
