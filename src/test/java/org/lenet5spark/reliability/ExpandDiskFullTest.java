package org.lenet5spark.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.apache.hadoop.hdfs.protocol.HdfsConstants;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.cli.ExitCodes;
import org.lenet5spark.testing.CliRun;
import org.lenet5spark.testing.MiniHdfs;
import org.lenet5spark.testing.SmallData;

/**
 * A disk that fills while {@code prepare --expand} writes its deformed copies, for real: an HDFS
 * space quota on the folder that holds the output, large enough for a plain prepare of the same
 * images but not for the expanded one. The run stops with one line naming the quota and exit
 * code 1, publishes nothing, leaves no staging folder behind, and an earlier output at the same
 * place stays as it was.
 */
class ExpandDiskFullTest {
  /** Space quota of the output's parent: a plain prepare (about 2 MB) fits, K = 4 does not. */
  private static final long QUOTA = 6L << 20;

  @TempDir
  static Path tmp;
  private static MiniHdfs cluster;
  private static DistributedFileSystem hdfs;
  private static String root;
  private static Path idx;

  @BeforeAll
  static void start() throws IOException {
    cluster = MiniHdfs.start(tmp.resolve("hdfs"), 1 << 20);
    hdfs = cluster.fs();
    root = cluster.root();
    idx = SmallData.realSubset(tmp.resolve("idx"), 600, 100);
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static CliRun prepare(String out, String... more) {
    String[] base = {"prepare", "--input", idx.toString(), "--output", root + out, "--format",
        "binary", "--shards", "2", "--master", "local[2]"};
    String[] args = Arrays.copyOf(base, base.length + more.length);
    System.arraycopy(more, 0, args, base.length, more.length);
    return CliRun.of(args);
  }

  private static org.apache.hadoop.fs.Path p(String s) {
    return new org.apache.hadoop.fs.Path(root + s);
  }

  @Test
  void diskFullWhileExpandingPublishesNothingAndRemovesThePartialOutput() throws Exception {
    hdfs.mkdirs(p("/full"));
    hdfs.setQuota(p("/full"), HdfsConstants.QUOTA_DONT_SET, QUOTA);
    CliRun plain = prepare("/full/plain");
    assertEquals(ExitCodes.OK, plain.code(), "a plain prepare fits: " + plain.err());
    byte[] before = hdfs.open(p("/full/plain/train/_manifest.json")).readAllBytes();

    CliRun fresh = prepare("/full/data", "--expand", "4");
    assertEquals(ExitCodes.FAILURE, fresh.code(), fresh.err());
    assertTrue(fresh.errorLines().startsWith("error: ") && fresh.err().contains("quota"),
        fresh.err());
    assertEquals(1, fresh.errorLines().split("error: ", -1).length - 1, fresh.errorLines());
    assertFalse(fresh.err().contains("\tat "), "no stack trace");
    assertFalse(hdfs.exists(p("/full/data")), "nothing published");

    CliRun replace = prepare("/full/plain", "--expand", "4", "--overwrite");
    assertEquals(ExitCodes.FAILURE, replace.code(), replace.err());
    assertArrayEquals(before, hdfs.open(p("/full/plain/train/_manifest.json")).readAllBytes(),
        "the earlier output stays");
    assertTrue(hdfs.exists(p("/full/plain/_SUCCESS")));

    for (FileStatus st : hdfs.listStatus(p("/full"))) {
      assertEquals("plain", st.getPath().getName(), "left behind: " + st.getPath());
    }
    long used = hdfs.getContentSummary(p("/full")).getSpaceConsumed();
    long plainBytes = hdfs.getContentSummary(p("/full/plain")).getSpaceConsumed();
    assertEquals(plainBytes, used, "the partial output's bytes are freed");
  }
}
