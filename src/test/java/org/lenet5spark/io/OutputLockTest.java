package org.lenet5spark.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.protocol.HdfsConstants;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lenet5spark.errors.OutputInUseException;
import org.lenet5spark.testing.MiniHdfs;

/**
 * {@link OutputLock} under races, on the real local file system and on a real HDFS
 * (MiniDFSCluster): concurrent recoveries of one stale lock let exactly one run proceed, a lock is
 * judged stale by watching its heartbeat with this process's monotonic clock (not by comparing
 * its modification time with this host's clock), an owner notices that it lost its lock (taken
 * over, or not refreshable), and release deletes only its own lock.
 */
class OutputLockTest {
  @TempDir
  static java.nio.file.Path tmp;
  static MiniHdfs hdfs;
  static final double STALE_SECONDS = 1.5;

  @BeforeAll
  static void start() throws IOException {
    System.setProperty(OutputLock.STALE_PROPERTY, String.valueOf(STALE_SECONDS));
    hdfs = MiniHdfs.start(tmp.resolve("hdfs"), 0);
  }

  @AfterAll
  static void stop() {
    System.clearProperty(OutputLock.STALE_PROPERTY);
    if (hdfs != null) {
      hdfs.close();
    }
  }

  static Stream<String> roots() {
    return Stream.of(HadoopFs.resolve(tmp.resolve("local").toString()).toString(),
        hdfs.root() + "/locks");
  }

  static Configuration conf() {
    return new Configuration();
  }

  /** Writes a lock as another host's run would (token {@code token}). */
  static Path foreignLock(Path output, String token) throws IOException {
    Path lock = OutputLock.lockFileOf(output);
    FileSystem fs = HadoopFs.fs(lock, conf());
    fs.mkdirs(lock.getParent());
    try (FSDataOutputStream out = fs.create(lock, true)) {
      out.write(("{\"token\":\"" + token + "\",\"host\":\"elsewhere\",\"pid\":1,"
          + "\"command\":\"train\",\"started\":\"2026-01-01T00:00:00Z\"}")
          .getBytes(StandardCharsets.UTF_8));
    }
    return lock;
  }

  static String content(Path p) throws IOException {
    return HadoopFs.readString(p, conf(), 1 << 16);
  }

  @ParameterizedTest
  @MethodSource("roots")
  void concurrentRecoveriesOfOneStaleLockLetExactlyOneRunProceed(String root) throws Exception {
    Path output = new Path(root + "/race");
    Path lock = foreignLock(output, "dead-owner");
    // its owner's last heartbeat, an hour ago by this host's clock
    HadoopFs.fs(lock, conf()).setTimes(lock, System.currentTimeMillis() - 3_600_000L, -1);
    int runs = 4;
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(runs);
    List<Future<OutputLock>> results = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      results.add(pool.submit(() -> {
        go.await();
        try {
          return OutputLock.acquire(output, conf(), "test");
        } catch (OutputInUseException e) {
          return null;
        }
      }));
    }
    go.countDown();
    List<OutputLock> acquired = new ArrayList<>();
    for (Future<OutputLock> f : results) {
      OutputLock l = f.get(60, TimeUnit.SECONDS);
      if (l != null) {
        acquired.add(l);
      }
    }
    pool.shutdown();
    // a run proceeds when it acquired the lock and still holds it when it is about to publish
    List<OutputLock> proceeding = new ArrayList<>();
    for (OutputLock l : acquired) {
      try {
        l.checkHeld();
        proceeding.add(l);
      } catch (OutputInUseException e) {
        l.close();
      }
    }
    assertEquals(1, proceeding.size(), "exactly one of the runs that recovered the lock "
        + "proceeds (" + acquired.size() + " acquired it)");
    OutputLock winner = proceeding.get(0);
    assertTrue(content(lock).contains(winner.token()));
    winner.close();
    assertFalse(HadoopFs.exists(lock, conf()), "released");
  }

  @ParameterizedTest
  @MethodSource("roots")
  void aSilentLockStampedByAClockFarAheadIsRecoveredAfterTheStalePeriod(String root)
      throws IOException {
    Path output = new Path(root + "/ahead");
    Path lock = foreignLock(output, "owner-with-a-fast-clock");
    HadoopFs.fs(lock, conf()).setTimes(lock, System.currentTimeMillis() + 3_600_000L, -1);
    long t0 = System.nanoTime();
    try (OutputLock l = OutputLock.acquire(output, conf(), "test")) {
      double waited = (System.nanoTime() - t0) / 1e9;
      assertTrue(waited >= STALE_SECONDS, "watched for the stale period, not " + waited);
      assertTrue(content(lock).contains(l.token()));
    }
  }

  @ParameterizedTest
  @MethodSource("roots")
  void aHeartbeatingLockStampedByAClockFarBehindIsRespected(String root) throws Exception {
    Path output = new Path(root + "/behind");
    Path lock = foreignLock(output, "owner-with-a-slow-clock");
    FileSystem fs = HadoopFs.fs(lock, conf());
    long past = System.currentTimeMillis() - 3_600_000L;
    AtomicBoolean beating = new AtomicBoolean(true);
    Thread owner = new Thread(() -> {
      long t = past;
      while (beating.get()) {
        try {
          fs.setTimes(lock, t += 1000, -1);
          Thread.sleep(200);
        } catch (IOException | InterruptedException e) {
          return;
        }
      }
    });
    owner.start();
    try {
      OutputInUseException e = assertThrows(OutputInUseException.class,
          () -> OutputLock.acquire(output, conf(), "test"));
      assertTrue(e.getMessage().contains("elsewhere"), e.getMessage());
      assertTrue(content(lock).contains("owner-with-a-slow-clock"), "lock left alone");
    } finally {
      beating.set(false);
      owner.join();
    }
  }

  @ParameterizedTest
  @MethodSource("roots")
  void anOwnerNoticesItLostItsLockAndReleaseLeavesTheNewOwnersLock(String root)
      throws Exception {
    Path output = new Path(root + "/lost");
    OutputLock mine = OutputLock.acquire(output, conf(), "test");
    mine.checkHeld();
    FileSystem fs = HadoopFs.fs(output, conf());
    fs.delete(mine.file(), false);
    Path lock = foreignLock(output, "new-owner");
    OutputInUseException e = assertThrows(OutputInUseException.class, mine::checkHeld);
    assertTrue(e.getMessage().contains("another run"), e.getMessage());
    Thread.sleep(2 * OutputLock.heartbeatMillis());
    assertTrue(content(lock).contains("new-owner"), "the heartbeat does not touch it");
    mine.close();
    assertTrue(HadoopFs.exists(lock, conf()), "release deletes only its own lock");
    assertTrue(content(lock).contains("new-owner"));
    fs.delete(lock, false);
  }

  @Test
  void anOwnerWhoseHeartbeatFailsStopsBeforePublishing() throws Exception {
    Path output = new Path(hdfs.root() + "/locks/safemode");
    OutputLock mine = OutputLock.acquire(output, conf(), "test");
    var dfs = hdfs.fs();
    dfs.setSafeMode(HdfsConstants.SafeModeAction.SAFEMODE_ENTER);
    try {
      Thread.sleep((long) (STALE_SECONDS * 1000) + 2 * OutputLock.heartbeatMillis());
      OutputInUseException e = assertThrows(OutputInUseException.class, mine::checkHeld);
      assertTrue(e.getMessage().contains("could not be refreshed"), e.getMessage());
    } finally {
      dfs.setSafeMode(HdfsConstants.SafeModeAction.SAFEMODE_LEAVE);
    }
    mine.close();
  }
}
