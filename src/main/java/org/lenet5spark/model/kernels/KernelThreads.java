package org.lenet5spark.model.kernels;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntConsumer;
import org.apache.spark.TaskContext;

/**
 * How many threads the fused kernels use per layer call, and the helper threads that run the
 * slices other than the caller's ({@link KernelHelper}: claimed for one call, spinning briefly
 * between calls). The count is the system property {@code lenet5.kernel.threads} when set; inside
 * a Spark task, the task's CPUs ({@code spark.task.cpus}, 1 by default: Spark already runs one
 * task per core, so the kernels never oversubscribe the executor and no helper is started);
 * otherwise (the single-process engine, evaluation) the number of available processors.
 */
public final class KernelThreads {
  /** System property overriding the thread count. */
  public static final String PROPERTY = "lenet5.kernel.threads";
  private static final int MAX = 64;
  private static final List<KernelHelper> HELPERS = new CopyOnWriteArrayList<>();

  private KernelThreads() {
  }

  /** The number of threads a layer call may use now, on this thread. */
  public static int count() {
    String p = System.getProperty(PROPERTY);
    if (p != null) {
      return parse(p);
    }
    TaskContext tc = TaskContext.get();
    if (tc != null) {
      return Math.max(1, Math.min(MAX, tc.cpus()));
    }
    return Math.max(1, Math.min(MAX, Runtime.getRuntime().availableProcessors()));
  }

  static int parse(String v) {
    try {
      int n = Integer.parseInt(v.trim());
      if (n >= 1) {
        return Math.min(n, MAX);
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new IllegalStateException(PROPERTY + "='" + v + "' is not a positive thread count");
  }

  /**
   * Runs {@code task} for 0..n-1, task 0 on the calling thread and the others on helpers claimed
   * for this call, and waits for all; rethrows the first failure once every slice has stopped
   * (the slices share the caller's buffers).
   */
  static void run(int n, IntConsumer task) {
    if (n == 1) {
      task.accept(0);
      return;
    }
    List<KernelHelper> mine = claim(n - 1);
    Throwable failure = null;
    try {
      for (int i = 1; i < n; i++) {
        mine.get(i - 1).submit(task, i);
      }
      try {
        task.accept(0);
      } catch (Throwable t) {
        failure = t;
      }
      for (KernelHelper h : mine) {
        Throwable t = h.await();
        if (failure == null) {
          failure = t;
        }
      }
    } finally {
      for (KernelHelper h : mine) {
        h.state.set(KernelHelper.FREE);
      }
    }
    if (failure instanceof RuntimeException r) {
      throw r;
    }
    if (failure instanceof Error e) {
      throw e;
    }
    if (failure != null) {
      throw new IllegalStateException(failure);
    }
  }

  /** {@code count} helpers for one call: free ones first, new ones for the rest. */
  private static List<KernelHelper> claim(int count) {
    List<KernelHelper> mine = new ArrayList<>(count);
    for (KernelHelper h : HELPERS) {
      if (mine.size() == count) {
        break;
      }
      if (h.state.compareAndSet(KernelHelper.FREE, KernelHelper.CLAIMED)) {
        mine.add(h);
      }
    }
    while (mine.size() < count) {
      KernelHelper[] self = new KernelHelper[1];
      self[0] = new KernelHelper(() -> HELPERS.remove(self[0]), KernelHelper.IDLE_NANOS);
      HELPERS.add(self[0]);
      self[0].start();
      mine.add(self[0]);
    }
    return mine;
  }

  /** Helper threads alive now (free or claimed). */
  static int helpers() {
    return HELPERS.size();
  }
}
