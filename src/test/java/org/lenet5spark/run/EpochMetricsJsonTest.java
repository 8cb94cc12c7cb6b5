package org.lenet5spark.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.io.Json;

/**
 * Metrics hold JSON numbers or null, never the string "NaN" (Jackson's default), and read back
 * to the same record; the CSV leaves a non-finite cell empty.
 */
class EpochMetricsJsonTest {
  private static EpochMetrics withNonFinite() {
    List<Double> tens = Collections.nCopies(10, 0.5);
    return new EpochMetrics(2, Double.NaN, Double.POSITIVE_INFINITY, 0.9, Double.NaN, 1.5, 0.25,
        100, 6000, 0.002, tens, tens, tens);
  }

  @Test
  void nonFiniteNumbersAreWrittenAsNullAndReadBack() {
    String json = Json.compact(withNonFinite());
    assertFalse(json.contains("NaN") || json.contains("Infinity"), json);
    assertTrue(json.contains("\"train_loss\":null") && json.contains("\"macro_f1\":null"), json);
    EpochMetrics back = Json.parseNullAsNaN(json, EpochMetrics.class, "test");
    assertTrue(Double.isNaN(back.trainLoss()) && Double.isNaN(back.testLoss()));
    assertEquals(0.9, back.testAccuracy());
    assertEquals(withNonFinite().precision(), back.precision());
  }

  @Test
  void nullIsStillRefusedForNumbersOutsideTheMetricsAndGarbageAlways() {
    String json = Json.compact(withNonFinite());
    assertThrows(BadInputException.class, () -> Json.parse(json, EpochMetrics.class, "test"));
    assertThrows(BadInputException.class, () -> Json.parseNullAsNaN(
        json.replace("\"test_accuracy\":0.9", "\"test_accuracy\":\"high\""), EpochMetrics.class,
        "test"));
  }

  @Test
  void csvCellsOfNonFiniteValuesAreEmpty() {
    String[] cells = withNonFinite().csvLine().split(",", -1);
    assertEquals(EpochMetrics.csvHeader().size(), cells.length);
    assertEquals("", cells[1]);
    assertEquals("", cells[2]);
    assertEquals("0.9", cells[3]);
  }
}
