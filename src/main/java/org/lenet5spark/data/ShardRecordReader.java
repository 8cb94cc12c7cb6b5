package org.lenet5spark.data;

import java.io.Closeable;
import java.io.IOException;

/**
 * Sequential reader of one shard that fills caller-owned arrays in batches, so reading creates no
 * object per example and converts no bytes to floats beyond reinterpreting little-endian float32.
 */
public interface ShardRecordReader extends Closeable {

  /** Number of examples the shard's header (or footer) announces. */
  long count();

  /**
   * Reads up to {@code max} examples: pixels into {@code features} (row-major, {@code rows*cols}
   * floats per example), labels and source indices into the int arrays, all from offset 0.
   *
   * @return the number of examples read; 0 at the end of the shard
   */
  int read(float[] features, int[] labels, int[] indices, int max) throws IOException;

  /**
   * Skips up to {@code n} examples without returning them (the streaming path reads one slice
   * of a shard).
   *
   * @return the number of examples skipped (less than {@code n} only at the end of the shard)
   */
  long skip(long n) throws IOException;
}
