package org.lenet5spark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.lenet5spark.errors.BadInputException;

/**
 * {@link AveragingSchedule}: the periods of each epoch (the last repeating), the canonical form
 * that makes equal schedules resume as equal, the values the checkpoints and {@code run.json}
 * record (a fixed period as the number earlier versions wrote), and the refusal of every bad
 * spelling with a message naming the flag.
 */
class AveragingScheduleTest {

  @Test
  void periodsRepeatTheLastOneAndCompareCanonically() {
    AveragingSchedule s = AveragingSchedule.parse(" 10, 20,40 ,80 ");
    assertEquals(List.of(10, 20, 40, 80, 80, 80), s.periodsOfEpochs(6));
    assertEquals(10, s.first());
    assertEquals(80, s.periodAt(100));
    assertFalse(s.isFixed());
    assertEquals("10,20,40,80", s.spelling());
    assertEquals(s, AveragingSchedule.parse("10,20,40,80,80,80"));
    assertEquals(AveragingSchedule.fixed(10), AveragingSchedule.parse("10,10"));
    assertEquals(10, AveragingSchedule.parse("10").recorded(), "a number, as before");
    assertEquals("10,20,40,80", s.recorded());
  }

  @Test
  void badSchedulesAreRefusedNamingTheFlag() {
    String[] bad = {"", " ", "10,,20", "10,20,", ",10", "0", "-5", "10,0", "ten", "10;20",
        "1.5", "10,15", "20,10", "99999999999", "100001", "1," + "2,".repeat(100) + "2"};
    for (String b : bad) {
      BadInputException e = assertThrows(BadInputException.class,
          () -> AveragingSchedule.parse(b), "'" + b + "'");
      assertTrue(e.getMessage().startsWith("--averaging-frequency"), e.getMessage());
      assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
  }

  @Test
  void optionsRecordTheScheduleAndEachEpochsPeriodOnSparkOnly() {
    TrainOptions spark = TrainOptions.builder(new Path("/d"), new Path("/o")).epochs(5)
        .averagingSchedule(AveragingSchedule.parse("10,20,40")).build();
    assertEquals("10,20,40", spark.trajectorySettings().get("averaging_frequency"));
    Map<String, Object> d = spark.describe();
    assertEquals("10,20,40", d.get("averaging_frequency"));
    assertEquals(List.of(10, 20, 40), d.get("averaging_schedule"));
    assertEquals(List.of(10, 20, 40, 40, 40), d.get("averaging_periods"));
    assertEquals(spark, spark.toBuilder().build(), "the schedule survives toBuilder");

    TrainOptions fixed = TrainOptions.builder(new Path("/d"), new Path("/o"))
        .averagingFrequency(10).build();
    assertEquals(10, fixed.trajectorySettings().get("averaging_frequency"),
        "the number every earlier checkpoint holds");

    // the local engine does not average: as before, its trajectory records 0 and no periods
    TrainOptions local = spark.toBuilder().engine(TrainOptions.Engine.LOCAL).build();
    assertEquals(0, local.trajectorySettings().get("averaging_frequency"));
    assertFalse(local.describe().containsKey("averaging_periods"));
  }
}
