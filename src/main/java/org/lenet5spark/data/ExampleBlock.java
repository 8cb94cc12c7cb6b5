package org.lenet5spark.data;

import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.lenet5spark.errors.BadInputException;

/**
 * A whole split (or shard) in two flat arrays: normalised pixels, row-major, {@code rows*cols}
 * floats per example, and labels. Used on the driver for evaluation, where the test split (10,000
 * images, 31 MB) is read once per run and sliced into batches without copying per example.
 */
public record ExampleBlock(int count, int rows, int cols, float[] features, int[] labels,
    int[] indices) {

  /** Pixels per example. */
  public int imageSize() {
    return rows * cols;
  }

  /**
   * Reads every shard of a catalog into one block, checking each shard's announced count (the
   * shard readers check every example with {@link ExampleChecks}).
   */
  public static ExampleBlock read(ShardCatalog catalog, Configuration conf) throws IOException {
    Manifest m = catalog.manifest();
    if (m.count() > Integer.MAX_VALUE / (m.rows() * m.cols())) {
      throw new BadInputException("split " + catalog.split() + " is too large to hold in memory");
    }
    int n = (int) m.count();
    int size = m.rows() * m.cols();
    float[] features = new float[n * size];
    int[] labels = new int[n];
    int[] indices = new int[n];
    int pos = 0;
    ShardCodec codec = m.shardFormat().codec();
    float[] fbuf = new float[256 * size];
    int[] lbuf = new int[256];
    int[] ibuf = new int[256];
    for (int s = 0; s < catalog.shards().size(); s++) {
      Path p = catalog.shards().get(s);
      long expected = m.shards().get(s).count();
      long got = 0;
      try (ShardRecordReader r = codec.open(p, conf, m.rows(), m.cols())) {
        if (r.count() != expected) {
          throw new BadInputException("shard " + p + " holds " + r.count()
              + " examples, the manifest says " + expected);
        }
        int k;
        while ((k = r.read(fbuf, lbuf, ibuf, 256)) > 0) {
          if (pos + k > n) {
            throw new BadInputException("split " + catalog.split()
                + " holds more examples than its manifest says");
          }
          System.arraycopy(fbuf, 0, features, pos * size, k * size);
          System.arraycopy(lbuf, 0, labels, pos, k);
          System.arraycopy(ibuf, 0, indices, pos, k);
          pos += k;
          got += k;
        }
      }
      if (got != expected) {
        throw new BadInputException("shard " + p + " yielded " + got + " examples, expected "
            + expected);
      }
    }
    return new ExampleBlock(n, m.rows(), m.cols(), features, labels, indices);
  }
}
