package org.lenet5spark.data;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.lenet5spark.compat.Dl4jWorkarounds;
import org.lenet5spark.io.SerializableHadoopConf;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Turns the shards of a split into an {@code RDD<DataSet>} of minibatches for DL4J: one partition
 * per shard, each read sequentially into reused arrays and cut into minibatches of
 * {@code batchSize} examples (features {@code [b, 1, rows, cols]}, one-hot labels {@code [b, 10]}).
 * Also serves the single-process engine and evaluation through {@link #iterator}.
 */
public final class ShardMinibatches {
  private ShardMinibatches() {
  }

  /** The training RDD: one partition per shard, minibatches of {@code batchSize}. */
  public static JavaRDD<DataSet> rdd(JavaSparkContext sc, ShardCatalog catalog, int batchSize) {
    return shardRdd(sc, catalog, batchSize, null, 0);
  }

  /**
   * One partition per shard, read on the executors into minibatches, without the records
   * {@code heldOut} excludes (null: none; {@link #excluded}).
   */
  private static JavaRDD<DataSet> shardRdd(JavaSparkContext sc, ShardCatalog catalog,
      int batchSize, Broadcast<int[]> heldOut, int period) {
    List<String> paths = new ArrayList<>();
    for (Path p : catalog.shards()) {
      paths.add(p.toString());
    }
    Manifest m = catalog.manifest();
    // a broadcast: the RDD's lineage travels with every task of every averaging round, and a
    // Hadoop configuration written into it costs ~1,000 GZIP streams each way per task
    Broadcast<SerializableHadoopConf> conf =
        sc.broadcast(new SerializableHadoopConf(sc.hadoopConfiguration()));
    ShardFormat format = m.shardFormat();
    int rows = m.rows();
    int cols = m.cols();
    FlatMapFunction<Iterator<String>, DataSet> toBatches = it -> {
      Dl4jWorkarounds.apply();
      List<String> mine = new ArrayList<>();
      it.forEachRemaining(mine::add);
      return new BatchIterator(mine, format, conf.value().get(), rows, cols, batchSize,
          heldOut == null ? null : heldOut.value(), period);
    };
    return sc.parallelize(paths, paths.size()).mapPartitions(toBatches);
  }

  /** Lazily reads the given shards, in order, as minibatches. */
  public static Iterator<DataSet> iterator(List<String> shardPaths, ShardFormat format,
      Configuration conf, int rows, int cols, int batchSize) {
    return new BatchIterator(shardPaths, format, conf, rows, cols, batchSize, null, 0);
  }

  /**
   * Whether record {@code index} is excluded from training by the ascending held-out indices
   * {@code heldOut}: it is one of them or, with {@code period > 0} (an expanded split of
   * {@code period} originals, copy {@code k} of original {@code i} at {@code k * period + i}),
   * a copy of one.
   */
  public static boolean excluded(int[] heldOut, int period, int index) {
    return Arrays.binarySearch(heldOut, period > 0 ? index % period : index) >= 0;
  }

  /**
   * The training RDD without the validation split ({@code train --validation}): like
   * {@link #rdd}, except that the executors drop every record whose index (its position in the
   * source, checked by the shard readers) is in {@code heldOut}, a broadcast ascending array, and
   * fill each minibatch with the next kept records of the same shard; with a {@code period}
   * (an expanded split's number of originals) every copy of a held-out original is dropped too
   * ({@link #excluded}). Each minibatch carries
   * its records' indices as DL4J example metadata ({@link DataSet#getExampleMetaData}), so what
   * is trained on can be checked.
   */
  public static JavaRDD<DataSet> rddWithout(JavaSparkContext sc, ShardCatalog catalog,
      int batchSize, Broadcast<int[]> heldOut, int period) {
    return shardRdd(sc, catalog, batchSize, heldOut, period);
  }

  /** Builds one DataSet from {@code n} examples of flat arrays, starting at {@code offset}. */
  public static DataSet toDataSet(float[] features, int[] labels, int offset, int n, int rows,
      int cols) {
    float[] oneHot = new float[n * IdxReader.NUM_CLASSES];
    for (int i = 0; i < n; i++) {
      oneHot[i * IdxReader.NUM_CLASSES + labels[offset + i]] = 1f;
    }
    INDArray y = Nd4j.create(oneHot, new long[] {n, IdxReader.NUM_CLASSES}, 'c');
    return new DataSet(features(features, offset, n, rows, cols), y);
  }

  /**
   * The features {@code [n, 1, rows, cols]} of {@code n} examples starting at {@code offset}.
   * ND4J copies the floats into its own buffer, so a slice that is the whole array is passed as
   * it is and only a part of a larger array is copied first.
   */
  public static INDArray features(float[] features, int offset, int n, int rows, int cols) {
    int size = rows * cols;
    float[] f = features;
    if (offset != 0 || n * size != features.length) {
      f = new float[n * size];
      System.arraycopy(features, offset * size, f, 0, n * size);
    }
    return Nd4j.create(f, new long[] {n, 1, rows, cols}, 'c');
  }

  /** Reads one partition's shards in order and cuts them into minibatches of reused arrays. */
  private static final class BatchIterator implements Iterator<DataSet> {
    private final Iterator<String> paths;
    private final ShardFormat format;
    private final Configuration conf;
    private final int rows;
    private final int cols;
    private final int batchSize;
    private final float[] features;
    private final int[] labels;
    private final int[] indices;
    /** Ascending record indices to drop, or null to keep every record. */
    private final int[] heldOut;
    /** An expanded split's number of originals (their copies are dropped too), else 0. */
    private final int period;
    private ShardRecordReader reader;
    private DataSet next;

    BatchIterator(List<String> shardPaths, ShardFormat format, Configuration conf, int rows,
        int cols, int batchSize, int[] heldOut, int period) {
      this.paths = shardPaths.iterator();
      this.format = format;
      this.conf = conf;
      this.rows = rows;
      this.cols = cols;
      this.batchSize = batchSize;
      this.features = new float[batchSize * rows * cols];
      this.labels = new int[batchSize];
      this.indices = new int[batchSize];
      this.heldOut = heldOut;
      this.period = period;
    }

    @Override
    public boolean hasNext() {
      if (next == null) {
        next = advance();
      }
      return next != null;
    }

    @Override
    public DataSet next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      DataSet d = next;
      next = null;
      return d;
    }

    private DataSet advance() {
      if (heldOut != null) {
        return advanceWithoutHeldOut();
      }
      try {
        while (true) {
          if (reader == null) {
            if (!paths.hasNext()) {
              return null;
            }
            reader = format.codec().open(new Path(paths.next()), conf, rows, cols);
          }
          int n = reader.read(features, labels, indices, batchSize);
          if (n > 0) {
            return toDataSet(features, labels, 0, n, rows, cols);
          }
          reader.close();
          reader = null;
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /**
     * The next minibatch of kept records: up to {@code batchSize} records of one shard that are
     * not held out, with their indices as example metadata; null at the end.
     */
    private DataSet advanceWithoutHeldOut() {
      int size = rows * cols;
      float[] f = new float[batchSize * size];
      int[] l = new int[batchSize];
      int[] idx = new int[batchSize];
      int filled = 0;
      try {
        while (filled < batchSize) {
          if (reader == null) {
            if (!paths.hasNext()) {
              break;
            }
            reader = format.codec().open(new Path(paths.next()), conf, rows, cols);
          }
          int n = reader.read(features, labels, indices, batchSize - filled);
          if (n == 0) {
            reader.close();
            reader = null;
            if (filled > 0) {
              break;
            }
            continue;
          }
          for (int i = 0; i < n; i++) {
            if (!excluded(heldOut, period, indices[i])) {
              System.arraycopy(features, i * size, f, filled * size, size);
              l[filled] = labels[i];
              idx[filled] = indices[i];
              filled++;
            }
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      if (filled == 0) {
        return null;
      }
      DataSet d = toDataSet(f, l, 0, filled, rows, cols);
      List<Serializable> meta = new ArrayList<>(filled);
      for (int i = 0; i < filled; i++) {
        meta.add(idx[i]);
      }
      d.setExampleMetaData(meta);
      return d;
    }
  }
}
