package org.lenet5spark.data;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.lenet5spark.compat.Dl4jWorkarounds;
import org.lenet5spark.io.SerializableHadoopConf;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The streaming data path of the Spark engine ({@code train --data-path stream}): instead of one
 * cached RDD of every minibatch, each averaging round gets a small RDD that reads its examples
 * from the shards when the round runs, so no executor holds more than one round's share of the
 * data, whatever the size of the split.
 *
 * <p>The split is cut into blocks: consecutive examples of one shard, as many as one worker fits in
 * one averaging round ({@code averagingFrequency * batchSize}; a shard's last block may be
 * shorter). Every epoch the blocks are shuffled with a generator seeded by the run's seed and the
 * epoch, and dealt out {@code workers} at a time, one round after another; a task reads its block
 * (skipping to its start in the shard), shuffles the block's examples with its own seeded generator
 * and cuts them into minibatches. When an epoch's averaging period is {@code m} times the first
 * epoch's (a growing schedule, {@code train.AveragingSchedule}), the blocks keep the first period's
 * size and each worker's share of a round is {@code m} consecutive blocks of the shuffled order,
 * read one after the other ({@link #shares}). Every example is seen once per epoch, and the order
 * depends only on the data, the seed, the epoch and the settings: a recomputed partition (a lost
 * executor, DL4J's count before training) reads the same examples in the same order, and a run
 * resumed at epoch {@code k} reads what the uninterrupted run would have.
 */
public final class ShardStream {
  /** Bytes of one example's one-hot label in a cached minibatch (10 float32). */
  private static final int LABEL_BYTES = IdxReader.NUM_CLASSES * 4;

  private ShardStream() {
  }

  /** Consecutive examples {@code [offset, offset + count)} of shard {@code shard}. */
  public record Block(int shard, long offset, int count) implements Serializable {
  }

  /**
   * The estimated size of the training split cached as deserialised minibatches (what
   * {@code MEMORY_ONLY} holds): its float32 pixels and one-hot labels.
   */
  public static long cachedBytes(Manifest m) {
    return m.count() * ((long) m.rows() * m.cols() * 4 + LABEL_BYTES);
  }

  /** The blocks of a split, in shard order: at most {@code examplesPerBlock} examples each. */
  public static List<Block> blocks(Manifest m, int examplesPerBlock) {
    List<Block> out = new ArrayList<>();
    for (int s = 0; s < m.shards().size(); s++) {
      long n = m.shards().get(s).count();
      for (long off = 0; off < n; off += examplesPerBlock) {
        out.add(new Block(s, off, (int) Math.min(examplesPerBlock, n - off)));
      }
    }
    return out;
  }

  /**
   * The rounds of one epoch: the blocks shuffled by a generator seeded by {@code seed} and
   * {@code epoch}, then {@code workers} per round (the last round may have fewer).
   */
  public static List<List<Block>> rounds(List<Block> blocks, int workers, long seed,
      int epoch) {
    List<List<Block>> rounds = new ArrayList<>();
    for (List<List<Block>> round : shares(blocks, workers, 1, seed, epoch)) {
      List<Block> flat = new ArrayList<>();
      round.forEach(flat::addAll);
      rounds.add(List.copyOf(flat));
    }
    return rounds;
  }

  /**
   * The rounds of one epoch whose averaging period is {@code blocksPerWorker} blocks: the blocks
   * shuffled as by {@link #rounds}, then {@code workers x blocksPerWorker} per round, each
   * worker's share {@code blocksPerWorker} consecutive ones. The last round's fewer blocks are
   * shared as evenly as they go among as many workers as there are blocks (at most
   * {@code workers}). With one block per worker, these are the rounds of {@link #rounds}.
   *
   * @return per round, per worker, the blocks it reads in that order
   */
  public static List<List<List<Block>>> shares(List<Block> blocks, int workers,
      int blocksPerWorker, long seed, int epoch) {
    if (workers < 1 || blocksPerWorker < 1) {
      throw new IllegalArgumentException("workers " + workers + ", blocks per worker "
          + blocksPerWorker);
    }
    List<Block> order = new ArrayList<>(blocks);
    Collections.shuffle(order, new java.util.Random(Deformations.imageSeed(seed, epoch, -1)));
    List<List<List<Block>>> rounds = new ArrayList<>();
    long perRound = (long) workers * blocksPerWorker;
    for (int i = 0; i < order.size(); i += (int) Math.min(perRound, order.size() - i)) {
      int k = (int) Math.min(perRound, order.size() - i);
      int groups = Math.min(workers, k);
      List<List<Block>> round = new ArrayList<>();
      int at = i;
      for (int g = 0; g < groups; g++) {
        int n = k / groups + (g < k % groups ? 1 : 0);
        round.add(List.copyOf(order.subList(at, at + n)));
        at += n;
      }
      rounds.add(List.copyOf(round));
    }
    return rounds;
  }

  /**
   * The minibatches of one round: one partition per block, each reading its block from its shard
   * when computed; the records whose indices {@code heldOut} lists (sorted; null: none) are
   * dropped as they are read (the validation split, never trained on), and with a
   * {@code period} (an expanded split's number of originals) every copy of them
   * ({@link ShardMinibatches#excluded}).
   */
  public static JavaRDD<DataSet> round(JavaSparkContext sc, ShardCatalog catalog,
      List<Block> blocks, int batchSize, long seed, int epoch, Broadcast<int[]> heldOut,
      int period) {
    List<List<Block>> shares = new ArrayList<>();
    for (Block b : blocks) {
      shares.add(List.of(b));
    }
    return roundOfShares(sc, catalog, shares, batchSize, seed, epoch, heldOut, period);
  }

  /**
   * The minibatches of one round ({@link #shares}): one partition per worker's share, which
   * reads its blocks one after the other, each as {@link #round} reads a block.
   */
  public static JavaRDD<DataSet> roundOfShares(JavaSparkContext sc, ShardCatalog catalog,
      List<List<Block>> shares, int batchSize, long seed, int epoch, Broadcast<int[]> heldOut,
      int period) {
    List<String> paths = new ArrayList<>();
    for (Path p : catalog.shards()) {
      paths.add(p.toString());
    }
    Manifest m = catalog.manifest();
    SerializableHadoopConf conf = new SerializableHadoopConf(sc.hadoopConfiguration());
    ShardFormat format = m.shardFormat();
    int rows = m.rows();
    int cols = m.cols();
    // plain array lists: what Kryo (the job's serializer) handles without help
    List<List<Block>> partitions = new ArrayList<>();
    for (List<Block> share : shares) {
      partitions.add(new ArrayList<>(share));
    }
    return sc.parallelize(partitions, partitions.size()).mapPartitions(it -> {
      Dl4jWorkarounds.apply();
      List<DataSet> out = new ArrayList<>();
      while (it.hasNext()) {
        for (Block b : it.next()) {
          out.addAll(read(b, paths.get(b.shard()), format, conf.get(), rows, cols, batchSize,
              seed, epoch, heldOut == null ? null : heldOut.value(), period));
        }
      }
      return out.iterator();
    });
  }

  /**
   * Reads one block from its shard and cuts it, in a seeded random order, into minibatches of
   * {@code batchSize} (the last may be smaller).
   */
  static List<DataSet> read(Block b, String shard, ShardFormat format, Configuration conf,
      int rows, int cols, int batchSize, long seed, int epoch, int[] heldOut) {
    return read(b, shard, format, conf, rows, cols, batchSize, seed, epoch, heldOut, 0);
  }

  /**
   * {@link #read}, also dropping every copy of a held-out record of an expanded split of
   * {@code period} originals ({@code period > 0}; 0: the held-out records only).
   */
  static List<DataSet> read(Block b, String shard, ShardFormat format, Configuration conf,
      int rows, int cols, int batchSize, long seed, int epoch, int[] heldOut, int period) {
    int size = rows * cols;
    float[] features = new float[b.count() * size];
    int[] labels = new int[b.count()];
    int[] indices = new int[b.count()];
    try (ShardRecordReader r = format.codec().open(new Path(shard), conf, rows, cols)) {
      if (r.skip(b.offset()) != b.offset()) {
        throw new IllegalStateException(shard + " ends before example " + b.offset());
      }
      float[] f = new float[Math.min(b.count(), 256) * size];
      int[] l = new int[f.length / size];
      int[] ix = new int[l.length];
      int at = 0;
      while (at < b.count()) {
        int got = r.read(f, l, ix, Math.min(l.length, b.count() - at));
        if (got == 0) {
          throw new IllegalStateException(shard + " ends inside block " + b);
        }
        System.arraycopy(f, 0, features, at * size, got * size);
        System.arraycopy(l, 0, labels, at, got);
        System.arraycopy(ix, 0, indices, at, got);
        at += got;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // the block's examples that may be trained on, in the shard's order
    int kept = 0;
    int[] order = new int[b.count()];
    for (int i = 0; i < b.count(); i++) {
      if (heldOut == null || !ShardMinibatches.excluded(heldOut, period, indices[i])) {
        order[kept++] = i;
      }
    }
    order = Arrays.copyOf(order, kept);
    SplittableRandom random = new SplittableRandom(
        Deformations.imageSeed(seed, epoch, indices.length == 0 ? 0 : indices[0]));
    for (int i = order.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    List<DataSet> out = new ArrayList<>();
    float[] bf = new float[Math.max(1, Math.min(batchSize, order.length)) * size];
    int[] bl = new int[bf.length / Math.max(1, size)];
    for (int start = 0; start < order.length; start += batchSize) {
      int n = Math.min(batchSize, order.length - start);
      for (int i = 0; i < n; i++) {
        System.arraycopy(features, order[start + i] * size, bf, i * size, size);
        bl[i] = labels[order[start + i]];
      }
      out.add(ShardMinibatches.toDataSet(bf, bl, 0, n, rows, cols));
    }
    return out;
  }
}
