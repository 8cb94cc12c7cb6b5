package org.lenet5spark.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.cli.ExitCodes;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.io.OutputLock;
import org.lenet5spark.testing.ChildJvm;
import org.lenet5spark.testing.CliRun;
import org.lenet5spark.testing.SmallData;

/**
 * Two runs into the same output: the second is refused with exit code 4 while the first holds the
 * output's lock; the lock is released on exit and recovered after a crash (dead owner on this
 * host, or no heartbeat from another host), but not taken from a live owner.
 */
class ConcurrentRunsTest {
  @TempDir
  static Path tmp;
  static Path idx;
  static Path data;

  @BeforeAll
  static void data() throws IOException {
    idx = SmallData.realSubset(tmp.resolve("idx"), 3000, 500);
    data = SmallData.prepare(idx, tmp.resolve("shards"), "binary", 2);
  }

  @Test
  void secondTrainIntoTheSameOutputIsRefusedWhileTheFirstRuns() throws Exception {
    Path out = tmp.resolve("run");
    List<String> args = List.of("train", "--engine", "local", "--data", data.toString(),
        "--output", out.toString(), "--epochs", "4");
    File log = tmp.resolve("first.log").toFile();
    Process first = ChildJvm.start(log, args);
    Path lock = Path.of(OutputLock.lockFileOf(HadoopFs.resolve(out.toString())).toUri());
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (!Files.exists(out.resolve("run.json")) && first.isAlive()
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertTrue(first.isAlive() && Files.exists(lock), Files.readString(log.toPath()));
    CliRun second = CliRun.of(args.toArray(String[]::new));
    assertEquals(ExitCodes.LOCKED, second.code(), second.err());
    assertTrue(second.errorLines().startsWith("error: output ") && second.err().contains(
        "in use by another run"), second.err());
    assertTrue(first.waitFor(5, TimeUnit.MINUTES));
    assertEquals(0, first.exitValue(), Files.readString(log.toPath()));
    assertFalse(Files.exists(lock), "lock released on exit");
    assertEquals(4, Files.readAllLines(out.resolve("metrics.jsonl")).size());
  }

  @Test
  void prepareIsRefusedWhileAnotherRunHoldsTheLock() throws IOException {
    Path out = tmp.resolve("held");
    try (OutputLock held = OutputLock.acquire(HadoopFs.resolve(out.toString()),
        HadoopFs.newConfiguration(), "test")) {
      CliRun r = CliRun.of("prepare", "--input", idx.toString(), "--output", out.toString(),
          "--master", "local[1]");
      assertEquals(ExitCodes.LOCKED, r.code(), r.err());
    }
    assertFalse(Files.exists(out), "the refused run wrote nothing");
    assertEquals(ExitCodes.OK, CliRun.of("prepare", "--input", idx.toString(), "--output",
        out.toString(), "--master", "local[1]").code());
  }

  @Test
  void lockOfACrashedRunIsRecovered() throws Exception {
    Path out = tmp.resolve("crashed");
    Path lock = Path.of(OutputLock.lockFileOf(HadoopFs.resolve(out.toString())).toUri());
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    String host = java.net.InetAddress.getLocalHost().getHostName();
    Files.writeString(lock, "{\"host\":\"" + host + "\",\"pid\":" + gone.pid()
        + ",\"command\":\"train\",\"started\":\"2026-01-01T00:00:00Z\"}");
    CliRun r = CliRun.of("prepare", "--input", idx.toString(), "--output", out.toString(),
        "--master", "local[1]");
    assertEquals(ExitCodes.OK, r.code(), r.err());
    assertFalse(Files.exists(lock), "recovered, then released");
    assertTrue(Files.exists(out.resolve("_SUCCESS")));

    Path other = tmp.resolve("other-host");
    Path otherLock = Path.of(OutputLock.lockFileOf(HadoopFs.resolve(other.toString())).toUri());
    Files.writeString(otherLock, "{\"token\":\"t\",\"host\":\"elsewhere\",\"pid\":1,"
        + "\"command\":\"train\"}");
    System.setProperty(OutputLock.STALE_PROPERTY, "2");
    AtomicBoolean beating = new AtomicBoolean(true);
    Thread heartbeat = new Thread(() -> {
      // another host's live run, whose clock is an hour behind ours
      long t = System.currentTimeMillis() - 3_600_000;
      while (beating.get()) {
        try {
          Files.setLastModifiedTime(otherLock, FileTime.fromMillis(t += 1000));
          Thread.sleep(200);
        } catch (IOException | InterruptedException e) {
          return;
        }
      }
    });
    try {
      heartbeat.start();
      CliRun live = CliRun.of("prepare", "--input", idx.toString(), "--output",
          other.toString(), "--master", "local[1]");
      assertEquals(ExitCodes.LOCKED, live.code(), "a heartbeating lock of another host is "
          + "respected, whatever its clock says");
      beating.set(false);
      heartbeat.join();
      CliRun stale = CliRun.of("prepare", "--input", idx.toString(), "--output",
          other.toString(), "--master", "local[1]");
      assertEquals(ExitCodes.OK, stale.code(), stale.err());
      assertFalse(Files.exists(otherLock));
    } finally {
      beating.set(false);
      System.clearProperty(OutputLock.STALE_PROPERTY);
    }
  }

  @Test
  void aRunThatLostItsLockStopsWithExitFourAndPublishesNothing() throws Exception {
    Path out = tmp.resolve("taken");
    List<String> args = List.of("train", "--engine", "local", "--data", data.toString(),
        "--output", out.toString(), "--epochs", "3");
    File log = tmp.resolve("taken.log").toFile();
    Process first = ChildJvm.start(log, args);
    Path lock = Path.of(OutputLock.lockFileOf(HadoopFs.resolve(out.toString())).toUri());
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (!Files.exists(out.resolve("run.json")) && first.isAlive()
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertTrue(first.isAlive(), Files.readString(log.toPath()));
    // another run takes the output over (as after a wrong staleness verdict)
    String foreign = "{\"token\":\"other-run\",\"host\":\"elsewhere\",\"pid\":1}";
    Files.delete(lock);
    Files.writeString(lock, foreign);
    assertTrue(first.waitFor(5, TimeUnit.MINUTES));
    String text = Files.readString(log.toPath());
    assertEquals(ExitCodes.LOCKED, first.exitValue(), text);
    assertTrue(text.contains("error: lost the lock of output"), text);
    assertFalse(Files.exists(out.resolve("model.zip")), "no model published");
    assertFalse(Files.exists(out.resolve("_SUCCESS")), "no _SUCCESS");
    assertTrue(Files.exists(out.resolve("metrics.jsonl")), "completed epochs are kept");
    assertEquals(foreign, Files.readString(lock), "the new owner's lock is left alone");
    Files.delete(lock);
  }
}
