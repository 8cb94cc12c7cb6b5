package org.lenet5spark.train;

import java.io.IOException;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.io.OutputLock;
import org.lenet5spark.io.OutputOwnership;
import org.lenet5spark.io.Publisher;
import org.lenet5spark.run.RunFiles;

/**
 * Where a {@code train} run writes, decided by the output rules before any data is read (used by
 * {@link TrainingRun}, holding the output's lock): the output folder itself (new, empty, or an
 * unfinished run continued with {@code --resume}), or, for {@code --overwrite} of an existing
 * run, a staged folder beside it that replaces the old run only once the new one is complete
 * ({@link Publisher}). A folder that is not recognisably a run of this job
 * ({@link OutputOwnership}) or that equals, contains or lies inside the data is refused (exit 3)
 * and left as it was. An interrupted earlier publish is completed or rolled back first.
 */
final class RunOutput implements AutoCloseable {
  private final FileSystem fs;
  private final Path root;
  private final OutputLock lock;
  private final Publisher.Staged staged;
  private final boolean holdsPublishedRun;
  private final boolean createdRoot;
  private boolean published;

  private RunOutput(FileSystem fs, Path root, OutputLock lock, Publisher.Staged staged,
      boolean holdsPublishedRun, boolean createdRoot) {
    this.fs = fs;
    this.root = root;
    this.lock = lock;
    this.staged = staged;
    this.holdsPublishedRun = holdsPublishedRun;
    this.createdRoot = createdRoot;
  }

  /** Applies the output rules to {@code o.output()}; call while holding {@code lock}. */
  static RunOutput open(TrainOptions o, Configuration conf, OutputLock lock) throws IOException {
    FileSystem fs = HadoopFs.fs(o.output().dir(), conf);
    Path root = fs.makeQualified(o.output().dir());
    OutputOwnership.checkApart(root, List.of(o.data().dir()), conf);
    Publisher.recover(fs, root);
    OutputOwnership.State state = OutputOwnership.inspect(root, OutputOwnership.Kind.RUN, conf);
    if (state == OutputOwnership.State.OURS) {
      boolean complete = fs.exists(new RunFiles(root).success());
      if (complete && o.output().resume()) {
        return new RunOutput(fs, root, lock, null, true, false);
      }
      if (o.output().overwrite()) {
        return new RunOutput(fs, root, lock, Publisher.stage(fs, root), false, false);
      }
      if (complete) {
        throw new BadInputException("output " + root + " holds a complete run (pass --resume "
            + "to accept it as done, or --overwrite to replace it)");
      }
      if (!o.output().resume()) {
        throw new BadInputException("output " + root + " holds an unfinished run (pass "
            + "--resume to continue it, or --overwrite to replace it)");
      }
    }
    boolean created = state == OutputOwnership.State.ABSENT;
    try {
      if (!fs.mkdirs(root)) {
        throw new IOException("mkdirs returned false");
      }
    } catch (IOException e) {
      if (HadoopFs.unreachable(e)) {
        throw e;
      }
      throw new BadInputException("cannot write to " + root + ": " + HadoopFs.oneLine(e), e);
    }
    return new RunOutput(fs, root, lock, null, false, created);
  }

  /**
   * Whether the folder holds a published run ({@code _SUCCESS}) that {@code --resume} continues
   * in place: the resume checks then decide between a no-op, an extension and a refusal.
   */
  boolean holdsPublishedRun() {
    return holdsPublishedRun;
  }

  /** The files this run writes (in the staged folder when it replaces a run). */
  RunFiles files() {
    return new RunFiles(staged != null ? staged.dir() : root);
  }

  /** The run's files where readers find them once published. */
  RunFiles published() {
    return new RunFiles(root);
  }

  /** Stops with exit 4 when the lock was lost; called before the model is published. */
  void checkHeld() {
    lock.checkHeld();
  }

  /**
   * Publishes a staged run (it holds its {@code _SUCCESS}) in place of the old one; nothing to do
   * for a run written in place.
   */
  void publish() throws IOException {
    if (staged != null) {
      Publisher.publish(staged, lock);
    }
    published = true;
  }

  /** After a failure: deletes the staged folder, or the output folder this run created empty. */
  @Override
  public void close() {
    if (published) {
      return;
    }
    if (staged != null) {
      Publisher.discard(staged);
    } else if (createdRoot) {
      try {
        if (fs.exists(root) && fs.listStatus(root).length == 0) {
          fs.delete(root, false);
        }
      } catch (IOException | RuntimeException ignored) {
        // best effort: the original error matters more
      }
    }
  }
}
