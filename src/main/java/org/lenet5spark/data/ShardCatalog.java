package org.lenet5spark.data;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.io.Checksums;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.io.Publisher;
import org.lenet5spark.io.SerializableHadoopConf;

/**
 * One split of prepared data, opened for reading: its manifest and the fully qualified path of
 * every shard. {@link #open} refuses output that {@code prepare} did not finish ({@code _SUCCESS}
 * missing), a missing shard or a shard of the wrong size; {@link #verifyChecksums} also reads
 * every shard (in parallel on Spark, on the executors) and compares its CRC32 and its decoded
 * content with the manifest ({@link ExampleChecks}), so altered or invalid data is refused before
 * any training starts.
 */
public record ShardCatalog(Path dataRoot, String split, Manifest manifest, List<Path> shards)
    implements Serializable {

  /** Opens {@code <dataRoot>/<split>} and checks what can be checked without reading data. */
  public static ShardCatalog open(Path dataRoot, String split, Configuration conf)
      throws IOException {
    if (!HadoopFs.exists(dataRoot, conf)) {
      throw new BadInputException("data folder does not exist: " + dataRoot);
    }
    if (!HadoopFs.exists(new Path(dataRoot, Publisher.SUCCESS), conf)) {
      throw new BadInputException("no " + Publisher.SUCCESS + " in " + dataRoot
          + ": not the output of a completed 'prepare'");
    }
    Path dir = new Path(dataRoot, split);
    Manifest m = Manifest.read(dir, conf);
    if (!split.equals(m.split())) {
      throw new BadInputException(dir + ": manifest describes split '" + m.split() + "'");
    }
    List<Path> paths = new ArrayList<>();
    for (Manifest.Shard s : m.shards()) {
      Path p = new Path(dir, s.file());
      FileStatus st;
      try {
        st = HadoopFs.fs(p, conf).getFileStatus(p);
      } catch (FileNotFoundException e) {
        throw new BadInputException("missing shard " + p + " (listed in the manifest)");
      }
      if (st.getLen() != s.bytes()) {
        throw new BadInputException("shard " + p + " has " + st.getLen()
            + " bytes, the manifest says " + s.bytes());
      }
      paths.add(st.getPath());
    }
    return new ShardCatalog(dataRoot, split, m, List.copyOf(paths));
  }

  /**
   * Reads every shard on the cluster, one task per shard on the executors (no example travels to
   * the driver): compares its CRC32 with the manifest, then decodes every record, so a label
   * outside 0-9, a non-finite pixel or a count or class histogram that differs from the manifest
   * is refused before any training starts ({@link ExampleChecks}).
   */
  public void verifyChecksums(JavaSparkContext sc) {
    SerializableHadoopConf conf = new SerializableHadoopConf(sc.hadoopConfiguration());
    List<Integer> work = new ArrayList<>();
    for (int i = 0; i < shards.size(); i++) {
      work.add(i);
    }
    ShardCatalog catalog = this;
    // A shard that fails a check is a result of its task, not a task failure: Spark would log
    // each failed task with its stack trace and, on a cluster, retry it spark.task.maxFailures
    // times, reading the bad data again, before the one-line cause reached the user.
    List<String[]> problems = sc.parallelize(work, Math.max(1, work.size()))
        .map(i -> catalog.problemOf(i, conf.get()))
        .filter(p -> p.length > 0)
        .collect();
    List<String> mismatches = new ArrayList<>();
    for (String[] p : problems) {
      if (p[0].equals("content")) {
        throw new BadInputException(p[1]);
      }
      mismatches.add(p[1]);
    }
    if (!mismatches.isEmpty()) {
      throw new BadInputException("corrupt shard: checksum differs from the manifest: "
          + mismatches.get(0) + (mismatches.size() > 1 ? " and " + (mismatches.size() - 1)
          + " more" : ""));
    }
  }

  /**
   * What is wrong with shard {@code i}, as data for the driver: empty when nothing,
   * {@code {"checksum", what}} for a checksum mismatch, {@code {"content", message}} for content
   * that breaks {@link ExampleChecks}. Failures to read stay exceptions (a retry may cure them).
   */
  private String[] problemOf(int i, Configuration conf) throws IOException {
    try {
      String mismatch = checkShard(i, conf, false);
      return mismatch.isEmpty() ? new String[0] : new String[] {"checksum", mismatch};
    } catch (BadInputException e) {
      return new String[] {"content", e.getMessage()};
    }
  }

  /** Same checks without Spark (for the local engine, evaluation and prediction). */
  public void verifyChecksums(Configuration conf) throws IOException {
    for (int i = 0; i < shards.size(); i++) {
      checkShard(i, conf, true);
    }
  }

  /**
   * Checks shard {@code i}: a checksum mismatch is returned as a description (or thrown when
   * {@code throwOnMismatch}); content that breaks {@link ExampleChecks} is always thrown.
   */
  private String checkShard(int i, Configuration conf, boolean throwOnMismatch)
      throws IOException {
    Path p = shards.get(i);
    Manifest.Shard expected = manifest.shards().get(i);
    Checksums.Sum sum = Checksums.crc32(p, conf);
    if (!sum.hex().equals(expected.crc32())) {
      String what = p + " (crc32 " + sum.hex() + ", manifest " + expected.crc32() + ")";
      if (throwOnMismatch) {
        throw new BadInputException("corrupt shard: checksum differs from the manifest: "
            + what);
      }
      return what;
    }
    ExampleChecks.shard(manifest.shardFormat(), p, conf, manifest.rows(), manifest.cols(),
        expected);
    return "";
  }

  /** Number of examples in the split. */
  public long count() {
    return manifest.count();
  }
}
