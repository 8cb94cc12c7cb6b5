package org.lenet5spark.model.kernels;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;
import org.apache.spark.TaskContext;

/**
 * How many threads the fused kernels use per layer call, and the pool that runs them. The count
 * is the system property {@code lenet5.kernel.threads} when set; inside a Spark task, the task's
 * CPUs ({@code spark.task.cpus}, 1 by default: Spark already runs one task per core, so the
 * kernels never oversubscribe the executor); otherwise (the single-process engine, evaluation)
 * the number of available processors.
 */
public final class KernelThreads {
  /** System property overriding the thread count. */
  public static final String PROPERTY = "lenet5.kernel.threads";
  private static final int MAX = 64;
  private static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "lenet5-kernel");
    t.setDaemon(true);
    return t;
  });

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

  /** Runs {@code task} for 0..n-1, task 0 on the calling thread, and waits for all. */
  static void run(int n, IntConsumer task) {
    if (n == 1) {
      for (int i = 0; i < n; i++) {
        task.accept(i);
      }
      return;
    }
    List<Future<?>> others = new ArrayList<>(n - 1);
    for (int i = 1; i < n; i++) {
      int id = i;
      others.add(POOL.submit(() -> task.accept(id)));
    }
    task.accept(0);
    for (Future<?> f : others) {
      try {
        f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for a kernel thread", e);
      } catch (ExecutionException e) {
        Throwable c = e.getCause();
        if (c instanceof RuntimeException r) {
          throw r;
        }
        if (c instanceof Error err) {
          throw err;
        }
        throw new IllegalStateException(c);
      }
    }
  }
}
