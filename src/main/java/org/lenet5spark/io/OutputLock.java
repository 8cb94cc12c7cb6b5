package org.lenet5spark.io;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A lock that keeps two runs from writing the same output: the file {@code .<name>.lock} beside
 * the output, created atomically (HDFS create without overwrite; {@code CREATE_NEW} on local
 * disks) and holding its owner (host, pid, start). The owner refreshes its modification time every
 * {@value #HEARTBEAT_SECONDS} s and deletes it on exit (also from a shutdown hook on SIGTERM). After
 * a crash the lock is recovered: at once when its owner ran on this host and is gone, otherwise
 * once it has had no heartbeat for {@link #staleAfterSeconds()}.
 */
public final class OutputLock implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OutputLock.class);
  /** Seconds between two heartbeats. */
  public static final int HEARTBEAT_SECONDS = 10;
  /** Environment variable overriding the stale age (seconds); for tests and slow stores. */
  public static final String STALE_ENV = "LENET5_LOCK_STALE_SECONDS";

  private final FileSystem fs;
  private final Path file;
  private final ScheduledExecutorService heartbeat;
  private final Thread shutdownHook;
  private volatile boolean released;

  private OutputLock(FileSystem fs, Path file) {
    this.fs = fs;
    this.file = file;
    this.heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "output-lock-heartbeat");
      t.setDaemon(true);
      return t;
    });
    heartbeat.scheduleAtFixedRate(this::beat, HEARTBEAT_SECONDS, HEARTBEAT_SECONDS,
        TimeUnit.SECONDS);
    this.shutdownHook = new Thread(this::release, "output-lock-release");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** Seconds without heartbeat after which a lock of another host is considered abandoned. */
  public static long staleAfterSeconds() {
    String v = System.getenv(STALE_ENV);
    return v == null ? 6L * HEARTBEAT_SECONDS : Long.parseLong(v);
  }

  /** The lock file of an output location. */
  public static Path lockFileOf(Path output) {
    return new Path(output.getParent(), "." + output.getName() + ".lock");
  }

  /**
   * Takes the lock of {@code output}.
   *
   * @throws OutputInUseException when a live run holds it
   */
  public static OutputLock acquire(Path output, Configuration conf, String command)
      throws IOException {
    FileSystem fs = HadoopFs.fs(output, conf);
    Path file = lockFileOf(fs.makeQualified(output));
    try {
      fs.mkdirs(file.getParent());
    } catch (IOException e) {
      throw new BadInputException("cannot write to " + file.getParent() + ": "
          + HadoopFs.oneLine(e), e);
    }
    for (int attempt = 0; attempt < 2; attempt++) {
      if (tryCreate(fs, file, command)) {
        return new OutputLock(fs, file);
      }
      String why = abandoned(fs, file);
      if (why == null) {
        throw new OutputInUseException("output " + output + " is in use by another run ("
            + owner(fs, file) + "); if that run is gone, its lock " + file
            + " is recovered after " + staleAfterSeconds() + " s without heartbeat");
      }
      LOG.warn("Taking over the lock {} ({})", file, why);
      fs.delete(file, false);
    }
    throw new OutputInUseException("output " + output + " is in use by another run (lock "
        + file + " was taken again while recovering it)");
  }

  private static boolean tryCreate(FileSystem fs, Path file, String command) throws IOException {
    byte[] content = Json.pretty(describeSelf(command)).getBytes(StandardCharsets.UTF_8);
    if ("file".equals(file.toUri().getScheme())) {
      try {
        Files.write(java.nio.file.Path.of(file.toUri()), content,
            java.nio.file.StandardOpenOption.CREATE_NEW);
        return true;
      } catch (FileAlreadyExistsException e) {
        return false;
      }
    }
    try {
      FSDataOutputStream out = fs.create(file, false);
      try {
        out.write(content);
      } catch (Throwable t) {
        HadoopFs.closeAfter(t, out);
        throw t;
      }
      out.close();
      return true;
    } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
      return false;
    } catch (IOException e) {
      if (fs.exists(file)) {
        return false;
      }
      throw e;
    }
  }

  private static Map<String, Object> describeSelf(String command) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("host", hostName());
    m.put("pid", ProcessHandle.current().pid());
    m.put("command", command);
    m.put("started", Instant.now().toString());
    return m;
  }

  /** Why the lock may be taken over, or null when its owner looks alive. */
  private static String abandoned(FileSystem fs, Path file) throws IOException {
    FileStatus st;
    try {
      st = fs.getFileStatus(file);
    } catch (java.io.FileNotFoundException e) {
      return "it was just released";
    }
    Map<?, ?> owner = readOwner(fs, file);
    if (owner != null && hostName().equals(owner.get("host")) && owner.get("pid") != null) {
      long pid = ((Number) owner.get("pid")).longValue();
      if (pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).isEmpty()) {
        return "its owner, process " + pid + " on this host, is gone";
      }
    }
    long age = (System.currentTimeMillis() - st.getModificationTime()) / 1000;
    if (age > staleAfterSeconds()) {
      return "no heartbeat for " + age + " s";
    }
    return null;
  }

  private static Map<?, ?> readOwner(FileSystem fs, Path file) {
    try {
      return Json.parse(HadoopFs.readString(file, fs.getConf(), 1 << 16), Map.class,
          file.toString());
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static String owner(FileSystem fs, Path file) {
    Map<?, ?> o = readOwner(fs, file);
    return o == null ? "owner unknown" : o.get("command") + ", pid " + o.get("pid") + " on "
        + o.get("host") + " since " + o.get("started");
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown-host";
    }
  }

  private void beat() {
    try {
      fs.setTimes(file, System.currentTimeMillis(), -1);
    } catch (IOException | RuntimeException e) {
      LOG.warn("Could not refresh the lock {}: {}", file, HadoopFs.oneLine(e));
    }
  }

  private synchronized void release() {
    if (released) {
      return;
    }
    released = true;
    heartbeat.shutdownNow();
    try {
      fs.delete(file, false);
    } catch (IOException | RuntimeException e) {
      LOG.warn("Could not delete the lock {}: {}", file, HadoopFs.oneLine(e));
    }
  }

  @Override
  public void close() {
    release();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException ignored) {
      // the JVM is already shutting down
    }
  }
}
