package org.lenet5spark.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The paper model of parameter averaging, checked against sums worked out by hand. */
class ScalingModelTest {
  private static final ScalingModel.Constants C = new ScalingModel.Constants(60_000, 32,
      0.004, 0.020, 0.002, 740_000);

  @Test
  void roundsCoverTheEpoch() {
    assertEquals(94, ScalingModel.rounds(60_000, 2, 32, 10));
    assertEquals(188, ScalingModel.rounds(60_000, 1, 32, 10));
    assertEquals(1, ScalingModel.rounds(60_000, 1, 32, 1875));
  }

  @Test
  void networkCountsBroadcastHopsAndTreeLevels() {
    // one worker: one broadcast transfer, two levels of one result each
    assertEquals(3.0, ScalingModel.networkPerRound(1, 1000, 1000, 2), 1e-12);
    // 64 workers: log2 64 + 1 = 7 broadcast transfers, 2 levels of 8 results
    assertEquals(23.0, ScalingModel.networkPerRound(64, 1000, 1000, 2), 1e-12);
    // 5 workers at depth 2: 3 + 1 transfers, fan-in 3 per level
    assertEquals(10.0, ScalingModel.networkPerRound(5, 1000, 1000, 2), 1e-12);
    assertEquals(2, ScalingModel.fanIn(8, 3));
    assertEquals(3, ScalingModel.fanIn(9, 2));
  }

  @Test
  void epochIsComputePlusRoundCostsOnOneMachine() {
    ScalingModel.Row two = ScalingModel.table(C, List.of(2), 10, Double.POSITIVE_INFINITY, 2)
        .get(0);
    // 938 minibatches per worker of 4 ms; 94 rounds of 20 + 2 x 2 ms
    assertEquals(938 * 0.004, two.computeSeconds(), 1e-9);
    assertEquals(94 * 0.024, two.overheadSeconds(), 1e-9);
    assertEquals(0.0, two.networkSeconds());
    assertEquals(938 * 0.004 + 94 * 0.024, two.epochSeconds(), 1e-9);
    double one = 1875 * 0.004 + 188 * 0.022;
    assertEquals(one / two.epochSeconds(), two.speedUp(), 1e-9);
  }

  @Test
  void aLongerPeriodScalesFurther() {
    List<ScalingModel.Row> fixed = ScalingModel.table(C, List.of(1, 64), 10, 1.25e9, 2);
    List<ScalingModel.Row> longer = ScalingModel.table(C, List.of(1, 64), 80, 1.25e9, 2);
    assertTrue(fixed.get(1).efficiency() < longer.get(1).efficiency());
    assertEquals(1.0, fixed.get(0).speedUp(), 1e-12);
    // the period that keeps round costs at 10% of compute grows with the workers
    assertTrue(ScalingModel.periodFor(C, 64, 1.25e9, 2, 0.1)
        > ScalingModel.periodFor(C, 2, 1.25e9, 2, 0.1));
    assertEquals(55, ScalingModel.periodFor(C, 1, Double.POSITIVE_INFINITY, 2, 0.1));
  }
}
