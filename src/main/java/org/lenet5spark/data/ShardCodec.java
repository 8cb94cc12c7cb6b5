package org.lenet5spark.data;

import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Writes and reads one shard file of one format. Implementations: {@link BinaryShardCodec},
 * {@link ParquetShardCodec}. Writers are used by {@link DatasetPreparer}; readers by training,
 * evaluation and the tests.
 */
public interface ShardCodec {

  /** Writes the examples {@code [start, start + count)} of a split to {@code file}. */
  void write(Path file, Configuration conf, ShardContent content) throws IOException;

  /** Opens a shard for sequential reading; checks its header against the expected shape. */
  ShardRecordReader open(Path file, Configuration conf, int rows, int cols) throws IOException;

  /**
   * What goes into one shard: a slice of a split's decoded IDX data and the normalisation table.
   *
   * @param split "train" or "test"
   * @param images all images of the split
   * @param labels all labels of the split
   * @param start index of the first example of the shard in the split
   * @param count number of examples in the shard
   * @param normalization the normalisation (its table converts bytes to floats)
   * @param firstIndex the index recorded for the example at {@code start} (the next ones follow
   *     it): {@code start} itself for the images of the source files, the position in the
   *     expanded split for the deformed copies of {@code prepare --expand}
   */
  record ShardContent(String split, IdxReader.Images images, IdxReader.Labels labels, int start,
      int count, Normalization normalization, int firstIndex) {
    /** The examples {@code [start, start + count)}, recorded with their own indices. */
    public ShardContent(String split, IdxReader.Images images, IdxReader.Labels labels,
        int start, int count, Normalization normalization) {
      this(split, images, labels, start, count, normalization, start);
    }

    /** The index recorded for the example at position {@code i} of the source arrays. */
    public int indexOf(int i) {
      return firstIndex + (i - start);
    }
  }
}
