package org.lenet5spark.model.kernels;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * A helper thread of {@link KernelThreads}: runs one slice of a layer call at a time for whoever
 * has claimed it. Between calls it spins for {@link #SPIN_NANOS} before it parks, and a caller
 * waiting for it spins as long before parking, because a training step hands work over twice
 * within a few milliseconds and waking a parked thread costs 50-250 us on this kind of machine
 * (docs/performance.md, round 4). A helper left unclaimed for a while (a minute for
 * {@link KernelThreads}' helpers) retires.
 */
final class KernelHelper extends Thread {
  /** How long a helper spins for new work, and a caller for a helper, before parking. */
  static final long SPIN_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
  /** How long a parked, unclaimed helper of {@link KernelThreads} waits before it retires. */
  static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(60);
  static final int FREE = 0;
  static final int CLAIMED = 1;
  static final int RETIRED = 2;

  /** FREE, CLAIMED (by one caller, for one call) or RETIRED. */
  final AtomicInteger state = new AtomicInteger(CLAIMED);
  private final Runnable retire;
  private final long idleNanos;
  private volatile long posted;
  private volatile long done;
  private volatile boolean helperParked;
  private volatile boolean callerParked;
  private volatile Thread caller;
  private IntConsumer task;
  private int index;
  private Throwable failure;

  /**
   * A new helper, claimed by its creator, that retires (running {@code retire}) after
   * {@code idleNanos} parked and unclaimed.
   */
  KernelHelper(Runnable retire, long idleNanos) {
    super("lenet5-kernel");
    this.retire = retire;
    this.idleNanos = idleNanos;
    setDaemon(true);
  }

  /** Hands slice {@code i} of {@code t} to this (claimed) helper. */
  void submit(IntConsumer t, int i) {
    task = t;
    index = i;
    failure = null;
    caller = Thread.currentThread();
    posted = posted + 1;
    if (helperParked) {
      LockSupport.unpark(this);
    }
  }

  /** Waits for the slice last submitted and returns what it threw, or null. */
  Throwable await() {
    long ticket = posted;
    long until = System.nanoTime() + SPIN_NANOS;
    while (done != ticket && System.nanoTime() < until) {
      Thread.onSpinWait();
    }
    while (done != ticket) {
      callerParked = true;
      if (done != ticket) {
        LockSupport.park(this);
      }
      callerParked = false;
    }
    return failure;
  }

  @Override
  public void run() {
    long seen = 0;
    while (true) {
      long until = System.nanoTime() + SPIN_NANOS;
      while (posted == seen && System.nanoTime() < until) {
        Thread.onSpinWait();
      }
      long idleSince = System.nanoTime();
      while (posted == seen) {
        helperParked = true;
        if (posted == seen) {
          LockSupport.parkNanos(this, idleNanos);
        }
        helperParked = false;
        if (posted == seen && System.nanoTime() - idleSince >= idleNanos
            && state.compareAndSet(FREE, RETIRED)) {
          retire.run();
          return;
        }
      }
      seen = posted;
      try {
        task.accept(index);
      } catch (Throwable t) {
        failure = t;
      }
      task = null;
      done = seen;
      if (callerParked) {
        LockSupport.unpark(caller);
      }
    }
  }
}
