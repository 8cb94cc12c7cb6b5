package org.lenet5spark.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.testing.SmallData;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The blocks of the streaming data path on 1,000 real MNIST images in both shard formats: an
 * epoch's rounds deal out every block once, a block read from its shard (skipping to its start)
 * holds exactly the examples {@code [offset, offset + count)} of that shard, labels with their
 * pixels, in minibatches of the batch size; the deal is the same for the same seed and epoch and
 * differs between epochs.
 */
class ShardStreamTest {
  private static final Configuration CONF = new Configuration();
  private static final int SIZE = 28 * 28;

  @TempDir
  static Path tmp;
  static Path idx;

  @BeforeAll
  static void data() throws IOException {
    idx = SmallData.realSubset(tmp.resolve("idx"), 1000, 100);
  }

  @ParameterizedTest
  @ValueSource(strings = {"parquet", "binary"})
  void everyBlockOnceWithItsOwnExamples(String format) throws IOException {
    Path out = SmallData.prepare(idx, tmp.resolve(format), format, 3);
    ShardCatalog c = ShardCatalog.open(HadoopFs.resolve(out.toString()), "train", CONF);
    List<ShardStream.Block> blocks = ShardStream.blocks(c.manifest(), 70);
    long total = 0;
    for (ShardStream.Block b : blocks) {
      total += b.count();
    }
    assertEquals(1000, total);

    List<List<ShardStream.Block>> e1 = ShardStream.rounds(blocks, 2, 7, 1);
    assertEquals(e1, ShardStream.rounds(blocks, 2, 7, 1));
    assertNotEquals(e1, ShardStream.rounds(blocks, 2, 7, 2));
    List<ShardStream.Block> dealt = new ArrayList<>();
    e1.forEach(dealt::addAll);
    assertEquals(blocks.size(), dealt.size());
    assertEquals(new java.util.HashSet<>(blocks), new java.util.HashSet<>(dealt));

    // each shard read in full, as the reference
    List<Map<String, Integer>> shardRows = new ArrayList<>();
    List<List<String>> ordered = new ArrayList<>();
    for (org.apache.hadoop.fs.Path p : c.shards()) {
      List<String> rows = new ArrayList<>();
      try (ShardRecordReader r = c.manifest().shardFormat().codec().open(p, CONF, 28, 28)) {
        float[] f = new float[SIZE];
        int[] l = new int[1];
        int[] i = new int[1];
        while (r.read(f, l, i, 1) == 1) {
          rows.add(l[0] + ":" + Arrays.hashCode(f));
        }
      }
      ordered.add(rows);
      shardRows.add(new HashMap<>());
    }
    for (ShardStream.Block b : dealt) {
      List<DataSet> batches = ShardStream.read(b, c.shards().get(b.shard()).toString(),
          c.manifest().shardFormat(), CONF, 28, 28, 32, 7, 1, null);
      List<String> got = new ArrayList<>();
      for (DataSet d : batches) {
        int n = d.numExamples();
        assertTrue(n <= 32, "minibatch of " + n);
        float[] f = d.getFeatures().ravel().toFloatVector();
        for (int k = 0; k < n; k++) {
          int label = d.getLabels().getRow(k).argMax().getInt(0);
          got.add(label + ":" + Arrays.hashCode(Arrays.copyOfRange(f, k * SIZE, (k + 1) * SIZE)));
        }
      }
      List<String> want = new ArrayList<>(ordered.get(b.shard())
          .subList((int) b.offset(), (int) b.offset() + b.count()));
      List<String> sortedGot = new ArrayList<>(got);
      sortedGot.sort(null);
      want.sort(null);
      assertEquals(want, sortedGot, "block " + b);

      // the validation split's records (here every third of the block) are never read
      long first = c.manifest().shards().get(b.shard()).firstIndex() + b.offset();
      List<Integer> held = new ArrayList<>();
      List<String> wantKept = new ArrayList<>();
      for (int k = 0; k < b.count(); k++) {
        if (k % 3 == 0) {
          held.add((int) first + k);
        } else {
          wantKept.add(ordered.get(b.shard()).get((int) b.offset() + k));
        }
      }
      int[] heldOut = held.stream().mapToInt(Integer::intValue).toArray();
      List<String> kept = new ArrayList<>();
      for (DataSet d : ShardStream.read(b, c.shards().get(b.shard()).toString(),
          c.manifest().shardFormat(), CONF, 28, 28, 32, 7, 1, heldOut)) {
        float[] f = d.getFeatures().ravel().toFloatVector();
        for (int k = 0; k < d.numExamples(); k++) {
          kept.add(d.getLabels().getRow(k).argMax().getInt(0) + ":"
              + Arrays.hashCode(Arrays.copyOfRange(f, k * SIZE, (k + 1) * SIZE)));
        }
      }
      kept.sort(null);
      wantKept.sort(null);
      assertEquals(wantKept, kept, "block " + b + " without its held-out records");
    }
  }
}
