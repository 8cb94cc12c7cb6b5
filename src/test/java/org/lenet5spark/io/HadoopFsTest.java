package org.lenet5spark.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link HadoopFs}'s atomic writes when the write fails: the writer's own exception comes out
 * (also when the stream's close rethrows the very same exception, as HDFS's does after a quota
 * or datanode failure), and no file or temporary file is left behind.
 */
class HadoopFsTest {
  @Test
  void aCloseThatRethrowsTheWritesExceptionDoesNotHideIt() {
    IOException quota = new IOException("The DiskSpace quota of /runs is exceeded");
    HadoopFs.closeAfter(quota, () -> {
      throw quota;
    });
    assertEquals(0, quota.getSuppressed().length);
    IOException other = new IOException("close failed too");
    HadoopFs.closeAfter(quota, () -> {
      throw other;
    });
    assertArrayEquals(new Throwable[] {other}, quota.getSuppressed());
  }

  @Test
  void aFailedWriteLeavesNothingBehind(@TempDir java.nio.file.Path dir) throws IOException {
    Path target = new Path(dir.toUri().toString(), "metrics.jsonl");
    IOException cause = new IOException("disk full");
    IOException e = assertThrows(IOException.class, () -> HadoopFs.writeAtomically(target,
        new Configuration(), out -> {
          out.write(new byte[] {1, 2, 3});
          throw cause;
        }));
    assertSame(cause, e);
    try (var files = Files.list(dir)) {
      assertEquals(0, files.count(), "no file and no temporary file");
    }
  }
}
