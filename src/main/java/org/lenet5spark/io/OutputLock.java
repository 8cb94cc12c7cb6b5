package org.lenet5spark.io;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.errors.OutputInUseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A lock that keeps two runs from writing the same output: the file {@code .<name>.lock} beside
 * the output, created atomically (HDFS create without overwrite; {@code CREATE_NEW} on local
 * disks) and holding its owner (a random token, host, pid, start).
 *
 * <ul>
 *   <li>Heartbeat: every {@link #heartbeatMillis()} the owner reads the lock back and, when it
 *       still holds its token, moves its modification time forward. A missing lock or a foreign
 *       token means the lock was taken over: the owner marks it lost, and {@link #checkHeld}
 *       (called before anything is published) then stops the command with exit 4. A heartbeat
 *       that cannot refresh the lock for longer than half the stale period also counts as lost,
 *       since another run may by then see the lock as abandoned.</li>
 *   <li>Staleness without comparing clocks: a lock whose owner ran on this host and is gone is
 *       recovered at once (the process table says so); any other lock is watched with this
 *       process's monotonic clock, and is abandoned only when its modification time and content
 *       do not change for {@link #staleAfterMillis()}. A change means a live owner: exit 4.</li>
 *   <li>Takeover deletes only the lock it examined: the examiner renames the lock to a name of
 *       its own, reads it, deletes it only when it holds the examined token, and otherwise puts
 *       it back (a rename that never replaces). Release does the same with its own token.</li>
 * </ul>
 */
public final class OutputLock implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OutputLock.class);
  /** Seconds between two heartbeats (fewer when the stale period is short). */
  public static final int HEARTBEAT_SECONDS = 10;
  /** Environment variable overriding the stale period (seconds); for tests and slow stores. */
  public static final String STALE_ENV = "LENET5_LOCK_STALE_SECONDS";
  /** System property overriding the stale period (seconds, may be fractional); wins over env. */
  public static final String STALE_PROPERTY = "lenet5.lock.stale.seconds";

  private final FileSystem fs;
  private final Path file;
  private final Path output;
  private final String token;
  private final Configuration conf;
  private final ScheduledExecutorService heartbeat;
  private final Thread shutdownHook;
  private volatile boolean released;
  private volatile String lostBecause;
  private volatile long lastBeatNanos = System.nanoTime();
  private long lastMtime;

  private OutputLock(FileSystem fs, Path file, Path output, String token, Configuration conf) {
    this.fs = fs;
    this.file = file;
    this.output = output;
    this.token = token;
    this.conf = conf;
    this.heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "output-lock-heartbeat");
      t.setDaemon(true);
      return t;
    });
    long beat = heartbeatMillis();
    heartbeat.scheduleWithFixedDelay(this::beat, beat, beat, TimeUnit.MILLISECONDS);
    this.shutdownHook = new Thread(this::release, "output-lock-release");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** Seconds without a visible heartbeat after which a lock is considered abandoned. */
  public static long staleAfterSeconds() {
    return Math.max(1, staleAfterMillis() / 1000);
  }

  /** The stale period in milliseconds. */
  public static long staleAfterMillis() {
    String v = System.getProperty(STALE_PROPERTY);
    if (v == null) {
      v = System.getenv(STALE_ENV);
    }
    if (v == null) {
      return 6_000L * HEARTBEAT_SECONDS;
    }
    try {
      return Math.max(200L, (long) (Double.parseDouble(v.trim()) * 1000));
    } catch (NumberFormatException e) {
      throw new BadInputException(STALE_ENV + " must be a number of seconds, not " + v);
    }
  }

  /** Milliseconds between two heartbeats: {@value #HEARTBEAT_SECONDS} s, or a quarter of a
   * shorter stale period. */
  public static long heartbeatMillis() {
    return Math.max(50L, Math.min(HEARTBEAT_SECONDS * 1000L, staleAfterMillis() / 4));
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
    Path qualified = fs.makeQualified(output);
    Path file = lockFileOf(qualified);
    try {
      fs.mkdirs(file.getParent());
    } catch (IOException e) {
      if (HadoopFs.unreachable(e)) {
        throw e;
      }
      throw new BadInputException("cannot write to " + file.getParent() + ": "
          + HadoopFs.oneLine(e), e);
    }
    String token = UUID.randomUUID().toString();
    for (int attempt = 0; attempt < 4; attempt++) {
      if (tryCreate(fs, file, describeSelf(command, token))) {
        OutputLock lock = new OutputLock(fs, file, qualified, token, conf);
        lock.lastMtime = mtimeOrZero(fs, file);
        return lock;
      }
      Seen seen = Seen.of(fs, file, conf);
      if (seen == null) {
        continue;
      }
      String why = abandoned(fs, file, seen, conf);
      if (why == null) {
        throw inUse(output, file, seen);
      }
      LOG.warn("Taking over the lock {} ({})", file, why);
      takeOver(fs, file, seen, token, conf);
    }
    throw new OutputInUseException("output " + output + " is in use by another run (lock "
        + file + " was taken again while recovering it)");
  }

  private static OutputInUseException inUse(Path output, Path file, Seen seen) {
    return new OutputInUseException("output " + output + " is in use by another run ("
        + seen.describeOwner() + "); if that run is gone, its lock " + file
        + " is recovered once it shows no heartbeat for " + staleAfterSeconds() + " s");
  }

  /** What an examiner saw of a lock: enough to tell a change and to name the owner. */
  private record Seen(long mtime, long length, String content, Map<?, ?> owner) {
    static Seen of(FileSystem fs, Path file, Configuration conf) throws IOException {
      FileStatus st;
      String content;
      try {
        st = fs.getFileStatus(file);
        content = HadoopFs.readString(file, conf, 1 << 16);
      } catch (FileNotFoundException e) {
        return null;
      } catch (BadInputException e) {
        if (!fs.exists(file)) {
          return null;
        }
        content = "";
        st = fs.getFileStatus(file);
      }
      Map<?, ?> owner;
      try {
        owner = Json.parse(content, Map.class, file.toString());
      } catch (RuntimeException e) {
        owner = null;
      }
      return new Seen(st.getModificationTime(), st.getLen(), content, owner);
    }

    String token() {
      return owner == null ? null : Objects.toString(owner.get("token"), null);
    }

    String describeOwner() {
      return owner == null ? "owner unknown" : owner.get("command") + ", pid "
          + owner.get("pid") + " on " + owner.get("host") + " since " + owner.get("started");
    }
  }

  private static boolean tryCreate(FileSystem fs, Path file, Map<String, Object> self)
      throws IOException {
    byte[] content = Json.pretty(self).getBytes(StandardCharsets.UTF_8);
    if ("file".equals(file.toUri().getScheme())) {
      try {
        Files.write(java.nio.file.Path.of(file.toUri()), content,
            java.nio.file.StandardOpenOption.CREATE_NEW,
            java.nio.file.StandardOpenOption.WRITE);
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
      if (fs.exists(file) || anotherCreatorHoldsIt(e)) {
        return false;
      }
      throw e;
    }
  }

  /**
   * Whether HDFS refused the create because another create of the same file is under way: its
   * {@code AlreadyBeingCreatedException} (a {@code RemoteException}; also when both creators
   * share one client, as two runs in one JVM do). The other creator wins the race, exactly as if
   * its file already existed, even if a recovery deleted that file again before this check.
   */
  private static boolean anotherCreatorHoldsIt(IOException e) {
    String alreadyBeingCreated = "org.apache.hadoop.hdfs.protocol.AlreadyBeingCreatedException";
    return e instanceof org.apache.hadoop.ipc.RemoteException r
        ? alreadyBeingCreated.equals(r.getClassName())
        : e.getClass().getName().equals(alreadyBeingCreated);
  }

  private static Map<String, Object> describeSelf(String command, String token) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("token", token);
    m.put("host", hostName());
    m.put("pid", ProcessHandle.current().pid());
    m.put("command", command);
    m.put("started", Instant.now().toString());
    return m;
  }

  /**
   * Why the lock may be taken over, or null when its owner is alive. An owner on this host is
   * judged by the process table; any other is watched for the stale period on this process's
   * monotonic clock.
   */
  private static String abandoned(FileSystem fs, Path file, Seen first, Configuration conf)
      throws IOException {
    Map<?, ?> owner = first.owner();
    if (owner != null && hostName().equals(owner.get("host"))
        && owner.get("pid") instanceof Number n) {
      long pid = n.longValue();
      if (pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).isEmpty()) {
        return "its owner, process " + pid + " on this host, is gone";
      }
      return null;
    }
    long stale = staleAfterMillis();
    long poll = Math.max(20L, Math.min(1000L, heartbeatMillis() / 2));
    long start = System.nanoTime();
    LOG.info("Lock {} is held by {}; watching it for up to {} s for a heartbeat", file,
        first.describeOwner(), stale / 1000.0);
    while (TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < stale) {
      try {
        Thread.sleep(poll);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new OutputInUseException("interrupted while watching the lock " + file);
      }
      Seen now = Seen.of(fs, file, conf);
      if (now == null) {
        return "it was just released";
      }
      if (now.mtime() != first.mtime() || now.length() != first.length()
          || !now.content().equals(first.content())) {
        return null;
      }
    }
    return "no heartbeat for " + stale / 1000.0 + " s";
  }

  /**
   * Deletes the lock only if it is still the one examined: renames it to a name of this
   * examiner, checks the token, and puts a lock that changed meanwhile back.
   */
  private static void takeOver(FileSystem fs, Path file, Seen examined, String myToken,
      Configuration conf) throws IOException {
    Path mine = new Path(file.getParent(), file.getName() + ".taking-" + myToken);
    if (!Publisher.renameFile(fs, file, mine)) {
      return;
    }
    Seen taken = Seen.of(fs, mine, conf);
    if (taken != null && taken.content().equals(examined.content())) {
      fs.delete(mine, false);
      return;
    }
    LOG.warn("The lock {} changed while it was being recovered; putting it back", file);
    if (!Publisher.renameFileNoReplace(fs, mine, file, conf)) {
      // a third run created a new lock meanwhile; the owner of the displaced one sees its
      // lock gone and stops before publishing
      fs.delete(mine, false);
    }
  }

  private static long mtimeOrZero(FileSystem fs, Path file) {
    try {
      return fs.getFileStatus(file).getModificationTime();
    } catch (IOException e) {
      return 0;
    }
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown-host";
    }
  }

  /** The token that this lock wrote into its file. */
  public String token() {
    return token;
  }

  /** The lock file. */
  public Path file() {
    return file;
  }

  /** Why this owner lost its lock, or null while it holds it (as far as it can tell). */
  private String whyLost() {
    if (lostBecause != null) {
      return lostBecause;
    }
    String held = readToken();
    if (held == null) {
      return "its lock " + file + " is gone";
    }
    if (!held.equals(token)) {
      return "its lock " + file + " now belongs to another run";
    }
    long silent = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastBeatNanos);
    if (silent > staleAfterMillis() / 2 && silent > 2 * heartbeatMillis()) {
      return "its lock " + file + " could not be refreshed for " + silent / 1000 + " s";
    }
    return null;
  }

  /**
   * Stops the command with {@link OutputInUseException} (exit 4) when this run no longer holds
   * its lock; called before anything is published.
   */
  public void checkHeld() {
    String why = whyLost();
    if (why != null) {
      throw new OutputInUseException("lost the lock of output " + output + ": " + why
          + "; another run may be writing it, so nothing was published");
    }
  }

  /** The token in the lock file; null when it is missing; "" when unreadable. */
  private String readToken() {
    try {
      Seen s = Seen.of(fs, file, conf);
      if (s == null) {
        return null;
      }
      String t = s.token();
      return t == null ? "" : t;
    } catch (IOException | RuntimeException e) {
      return token; // cannot tell; the time since the last beat decides
    }
  }

  private synchronized void beat() {
    if (released || lostBecause != null) {
      return;
    }
    try {
      String held = readToken();
      if (held == null || !held.equals(token)) {
        lostBecause = held == null ? "its lock " + file + " disappeared"
            : "its lock " + file + " was taken over by another run";
        LOG.error("Lost the lock of {}: {}; this run will stop before publishing", output,
            lostBecause);
        return;
      }
      long next = Math.max(System.currentTimeMillis(), lastMtime + 1);
      fs.setTimes(file, next, -1);
      lastMtime = next;
      lastBeatNanos = System.nanoTime();
    } catch (IOException | RuntimeException e) {
      LOG.warn("Could not refresh the lock {}: {} (lost after {} s without refresh)", file,
          HadoopFs.oneLine(e), staleAfterMillis() / 2000);
    }
  }

  private synchronized void release() {
    if (released) {
      return;
    }
    released = true;
    heartbeat.shutdownNow();
    Path mine = new Path(file.getParent(), file.getName() + ".releasing-" + token);
    try {
      if (!Publisher.renameFile(fs, file, mine)) {
        return;
      }
      Seen s = Seen.of(fs, mine, conf);
      if (s != null && token.equals(s.token())) {
        fs.delete(mine, false);
      } else if (!Publisher.renameFileNoReplace(fs, mine, file, conf)) {
        fs.delete(mine, false);
      }
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
