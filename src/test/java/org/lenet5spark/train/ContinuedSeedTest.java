package org.lenet5spark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A resumed Spark run continues DL4J's split seeds: {@code new Random(continuedSeed(s, k))}
 * draws what {@code new Random(s)} draws after its first k {@code nextLong()} calls.
 */
class ContinuedSeedTest {
  @Test
  void continuesTheSequenceOfTheOriginalSeed() {
    for (long seed : new long[] {0, 7, 11, 12345, -1, Long.MAX_VALUE, Long.MIN_VALUE}) {
      Random straight = new Random(seed);
      for (int k = 0; k < 40; k++) {
        Random resumed = new Random(TrainingMasters.continuedSeed(seed, k));
        long expected = straight.nextLong();
        assertEquals(expected, resumed.nextLong(), "seed " + seed + " after " + k + " draws");
        assertEquals(straight.nextLong(), resumed.nextLong());
        straight = new Random(seed);
        for (int i = 0; i <= k; i++) {
          straight.nextLong();
        }
      }
    }
  }
}
