package org.lenet5spark.io;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.lenet5spark.errors.BadInputException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes a folder built beside its target ({@code .<name>.staged-<token>}) so that a crash at
 * any moment leaves a state the next run of the same command completes or rolls back
 * ({@link #recover}, called while holding the output's {@link OutputLock}). No file system offers
 * an atomic rename onto an existing folder, so replacing one takes two renames: the old output
 * moves aside to {@code .<name>.replaced-<token>}, the staged one moves in, then the old one is
 * deleted. A staged folder is complete ("committed") once it holds its {@code _SUCCESS}; recovery
 * publishes a committed staged folder, deletes an uncommitted one, deletes an aside folder once
 * the target exists and moves it back when nothing replaced it. Used by {@code prepare},
 * {@code report} and {@code train --overwrite}.
 */
public final class Publisher {
  /** Environment variable that makes a test process halt at a step of {@link #publish}. */
  public static final String FAULT_ENV = "LENET5_FAULT_PUBLISH";
  /** The value of {@link #FAULT_ENV} that halts between the two renames. */
  public static final String HALT_AFTER_ASIDE = "halt-after-aside";
  /** Exit status of a process halted by {@link #FAULT_ENV}. */
  public static final int FAULT_STATUS = 97;
  /**
   * The marker a complete output folder holds, written last (Hadoop's name): {@code prepare}'s,
   * {@code train}'s and {@code report}'s folders all end with it. The one definition.
   */
  public static final String SUCCESS = "_SUCCESS";

  private static final Logger LOG = LoggerFactory.getLogger(Publisher.class);
  private static final Pattern TOKEN = Pattern.compile("[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}");

  private Publisher() {
  }

  /** A folder being built beside {@code target}. */
  public record Staged(FileSystem fs, Path target, Path dir, String token) {
  }

  /** Creates the staging folder of {@code target} (qualified) beside it. */
  public static Staged stage(FileSystem fs, Path target) throws IOException {
    String token = UUID.randomUUID().toString();
    Path dir = sibling(target, "staged", token);
    try {
      if (!fs.mkdirs(dir)) {
        throw new IOException("mkdirs returned false");
      }
    } catch (IOException e) {
      if (HadoopFs.unreachable(e)) {
        throw e;
      }
      throw new BadInputException("cannot write to " + target.getParent() + ": "
          + HadoopFs.oneLine(e), e);
    }
    return new Staged(fs, target, dir, token);
  }

  /** Deletes a staged folder that will not be published. */
  public static void discard(Staged s) {
    HadoopFs.deleteQuietly(s.fs(), s.dir());
  }

  /**
   * Publishes a committed staged folder (it must hold {@code _SUCCESS}) as its target, after
   * checking that {@code lock} is still held; the previous target is deleted only once the new
   * one is in place.
   */
  public static void publish(Staged s, OutputLock lock) throws IOException {
    if (!s.fs().exists(new Path(s.dir(), SUCCESS))) {
      throw new IllegalStateException("publishing an uncommitted folder " + s.dir());
    }
    if (lock != null) {
      lock.checkHeld();
    }
    replace(s.fs(), s.dir(), s.target(), s.token());
  }

  private static void replace(FileSystem fs, Path staged, Path target, String token)
      throws IOException {
    Path aside = null;
    if (fs.exists(target)) {
      aside = sibling(target, "replaced", token);
      if (!fs.rename(target, aside)) {
        throw new IOException("could not move the previous output " + target + " aside");
      }
      if (HALT_AFTER_ASIDE.equals(System.getenv(FAULT_ENV))) {
        LOG.error("fault injection: halting between the two renames of {}", target);
        Runtime.getRuntime().halt(FAULT_STATUS);
      }
    }
    if (!fs.rename(staged, target)) {
      if (aside != null && !fs.exists(target)) {
        fs.rename(aside, target);
      }
      throw new IOException("could not rename " + staged + " to " + target);
    }
    if (aside != null) {
      HadoopFs.deleteQuietly(fs, aside);
    }
  }

  /**
   * Completes or rolls back what an interrupted {@link #publish} of {@code target} left beside
   * it (call while holding the output's lock): returns what was done, one line per folder.
   */
  public static List<String> recover(FileSystem fs, Path target) throws IOException {
    List<String> done = new ArrayList<>();
    Path parent = target.getParent();
    if (parent == null || !fs.exists(parent)) {
      return done;
    }
    String prefix = "." + target.getName() + ".";
    List<FileStatus> staged = new ArrayList<>();
    List<FileStatus> aside = new ArrayList<>();
    for (FileStatus st : fs.listStatus(parent, p -> p.getName().startsWith(prefix))) {
      String rest = st.getPath().getName().substring(prefix.length());
      Matcher m = Pattern.compile("(staged|replaced)-(.+)").matcher(rest);
      if (!st.isDirectory() || !m.matches() || !TOKEN.matcher(m.group(2)).matches()) {
        continue;
      }
      (m.group(1).equals("staged") ? staged : aside).add(st);
    }
    staged.sort((a, b) -> Long.compare(a.getModificationTime(), b.getModificationTime()));
    for (FileStatus st : staged) {
      Path dir = st.getPath();
      String token = dir.getName().substring(prefix.length() + "staged-".length());
      if (fs.exists(new Path(dir, SUCCESS))) {
        replace(fs, dir, target, token);
        done.add("published the complete output left by an interrupted run: " + dir);
      } else {
        HadoopFs.deleteQuietly(fs, dir);
        done.add("deleted the unfinished output of an interrupted run: " + dir);
      }
    }
    for (FileStatus st : aside) {
      Path dir = st.getPath();
      if (!fs.exists(dir)) {
        continue;
      }
      if (fs.exists(target)) {
        HadoopFs.deleteQuietly(fs, dir);
        done.add("deleted the previous output that an interrupted run had replaced: " + dir);
      } else if (fs.rename(dir, target)) {
        done.add("restored the previous output that an interrupted run had moved aside: "
            + dir);
      }
    }
    done.forEach(d -> LOG.warn("recovery of {}: {}", target, d));
    return done;
  }

  /** {@code .<name>.<what>-<token>} beside {@code target}. */
  static Path sibling(Path target, String what, String token) {
    return new Path(target.getParent(), "." + target.getName() + "." + what + "-" + token);
  }

  /**
   * Renames the file {@code src} to {@code dst} (a name nobody else uses) in one step; returns
   * false when {@code src} is gone. On local disks this is rename(2): Hadoop's local rename
   * falls back to copy and delete, which is not one step.
   */
  public static boolean renameFile(FileSystem fs, Path src, Path dst) throws IOException {
    if ("file".equals(src.toUri().getScheme())) {
      try {
        Files.move(java.nio.file.Path.of(src.toUri()), java.nio.file.Path.of(dst.toUri()),
            java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return true;
      } catch (java.nio.file.NoSuchFileException e) {
        return false;
      }
    }
    try {
      return fs.rename(src, dst);
    } catch (FileNotFoundException e) {
      return false;
    }
  }

  /**
   * Renames the file {@code src} to {@code dst} only if {@code dst} does not exist, atomically:
   * a hard link then an unlink on local disks (a plain rename there replaces), the file system's
   * non-replacing rename elsewhere. Returns false when {@code dst} exists or {@code src} is gone.
   */
  public static boolean renameFileNoReplace(FileSystem fs, Path src, Path dst,
      Configuration conf) throws IOException {
    if ("file".equals(src.toUri().getScheme())) {
      java.nio.file.Path s = java.nio.file.Path.of(src.toUri());
      java.nio.file.Path d = java.nio.file.Path.of(dst.toUri());
      try {
        Files.createLink(d, s);
      } catch (FileAlreadyExistsException | java.nio.file.NoSuchFileException e) {
        return false;
      }
      Files.deleteIfExists(s);
      return true;
    }
    try {
      FileContext.getFileContext(src.toUri(), conf).rename(src, dst, Options.Rename.NONE);
      return true;
    } catch (org.apache.hadoop.fs.FileAlreadyExistsException | FileNotFoundException e) {
      return false;
    }
  }
}
