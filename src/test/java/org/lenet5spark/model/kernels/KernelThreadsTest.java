package org.lenet5spark.model.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@link KernelThreads#run} and its {@link KernelHelper}s: every slice runs once, on distinct
 * threads, and is finished when run returns; a failure in any slice reaches the caller only
 * after all slices stopped; helpers are reused from call to call, claimed by one caller at a
 * time, and retire when left idle.
 */
class KernelThreadsTest {
  @Test
  void everySliceRunsOnceOnItsOwnThreadAndIsDoneOnReturn() {
    for (int call = 0; call < 200; call++) {
      int n = 1 + call % 4;
      int[] ran = new int[n];
      Set<Thread> threads = ConcurrentHashMap.newKeySet();
      KernelThreads.run(n, i -> {
        threads.add(Thread.currentThread());
        ran[i]++;
      });
      int[] once = new int[n];
      java.util.Arrays.fill(once, 1);
      assertArrayEquals(once, ran, "call " + call);
      assertEquals(n, threads.size(), "slices of one call run on distinct threads");
      assertTrue(threads.contains(Thread.currentThread()), "slice 0 runs on the caller");
    }
    assertTrue(KernelThreads.helpers() <= 3 + 8, "helpers are reused, not started per call: "
        + KernelThreads.helpers());
  }

  @Test
  void aFailingSliceIsRethrownAfterTheOthersFinished() {
    AtomicInteger finished = new AtomicInteger();
    IllegalStateException thrown = assertThrows(IllegalStateException.class,
        () -> KernelThreads.run(3, i -> {
          if (i == 1) {
            throw new IllegalStateException("slice 1 failed");
          }
          sleep(i == 2 ? 200 : 10);
          finished.incrementAndGet();
        }));
    assertEquals("slice 1 failed", thrown.getMessage());
    assertEquals(2, finished.get(), "the other slices had stopped before the failure surfaced");
    AssertionError error = assertThrows(AssertionError.class,
        () -> KernelThreads.run(2, i -> {
          if (i == 0) {
            throw new AssertionError("caller's slice");
          }
        }));
    assertEquals("caller's slice", error.getMessage());
    int[] ran = new int[2];
    KernelThreads.run(2, i -> ran[i]++);
    assertArrayEquals(new int[] {1, 1}, ran, "helpers work again after a failure");
  }

  @Test
  void concurrentCallersGetDistinctHelpers() throws Exception {
    int callers = 4;
    CountDownLatch start = new CountDownLatch(1);
    AtomicReference<Throwable> problem = new AtomicReference<>();
    Thread[] ts = new Thread[callers];
    for (int c = 0; c < callers; c++) {
      ts[c] = new Thread(() -> {
        try {
          start.await();
          for (int call = 0; call < 300; call++) {
            long[] sums = new long[3];
            KernelThreads.run(3, i -> {
              long s = 0;
              for (int k = 0; k <= 1000 * (i + 1); k++) {
                s += k;
              }
              sums[i] = s;
            });
            assertArrayEquals(new long[] {500500, 2001000, 4501500}, sums);
          }
        } catch (Throwable t) {
          problem.compareAndSet(null, t);
        }
      });
      ts[c].start();
    }
    start.countDown();
    for (Thread t : ts) {
      t.join(TimeUnit.MINUTES.toMillis(2));
      assertTrue(!t.isAlive(), "a caller did not finish");
    }
    assertNull(problem.get());
  }

  @Test
  void anIdleHelperRetires() throws Exception {
    AtomicInteger retired = new AtomicInteger();
    KernelHelper h = new KernelHelper(retired::incrementAndGet, TimeUnit.MILLISECONDS.toNanos(20));
    h.start();
    int[] ran = new int[1];
    h.submit(i -> ran[0] += i, 5);
    assertNull(h.await());
    assertEquals(5, ran[0]);
    h.state.set(KernelHelper.FREE);
    h.join(TimeUnit.SECONDS.toMillis(30));
    assertTrue(!h.isAlive(), "the idle helper ended");
    assertEquals(1, retired.get());
    assertEquals(KernelHelper.RETIRED, h.state.get());
    assertSame(Thread.State.TERMINATED, h.getState());
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
