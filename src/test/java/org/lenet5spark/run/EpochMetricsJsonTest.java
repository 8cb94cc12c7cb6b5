package org.lenet5spark.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.util.Collections;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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
        100, 6000, 0.002, tens, tens, tens, 0.75, Double.NaN, 0.5, 0.4);
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
  void metricsWrittenBeforeTheValidationColumnsReadWithThemAsNaN(@TempDir java.nio.file.Path tmp)
      throws Exception {
    // a line as the version before the validation split wrote it: no train_accuracy and no
    // validation_* fields
    ObjectNode old = (ObjectNode) Json.tree(Json.compact(withNonFinite()), "test");
    EpochMetrics.LATER_COLUMNS.forEach(old::remove);
    assertFalse(old.toString().contains("validation"), old.toString());
    Files.writeString(tmp.resolve("metrics.jsonl"), old + "\n");
    RunFiles files = new RunFiles(new Path(tmp.toUri()));
    List<EpochMetrics> back = files.readMetrics(new Configuration());
    assertEquals(1, back.size());
    assertTrue(Double.isNaN(back.get(0).trainAccuracy()));
    assertTrue(Double.isNaN(back.get(0).validationLoss()));
    assertTrue(Double.isNaN(back.get(0).validationAccuracy()));
    assertTrue(Double.isNaN(back.get(0).validationMacroF1()));
    assertEquals(0.9, back.get(0).testAccuracy());
    // and written again, the new columns are null in JSON and empty in CSV, never "NaN"
    List<long[][]> confusions = Collections.singletonList(new long[10][10]);
    files.writeMetrics(back, confusions, new Configuration());
    String jsonl = Files.readString(tmp.resolve("metrics.jsonl"));
    assertTrue(jsonl.contains("\"validation_loss\":null"), jsonl);
    assertFalse(jsonl.contains("NaN"), jsonl);
    String[] csv = Files.readString(tmp.resolve("metrics.csv")).split("\n");
    List<String> header = List.of(csv[0].split(","));
    String[] cells = csv[1].split(",", -1);
    assertEquals("", cells[header.indexOf("validation_accuracy")]);
    assertEquals("", cells[header.indexOf("train_accuracy")]);
  }

  @Test
  void csvCellsOfNonFiniteValuesAreEmpty() {
    String[] cells = withNonFinite().csvLine().split(",", -1);
    assertEquals(EpochMetrics.csvHeader().size(), cells.length);
    assertEquals("", cells[1]);
    assertEquals("", cells[2]);
    assertEquals("0.9", cells[3]);
    List<String> header = EpochMetrics.csvHeader();
    assertEquals("0.75", cells[header.indexOf("train_accuracy")]);
    assertEquals("", cells[header.indexOf("validation_loss")]);
    assertEquals("0.5", cells[header.indexOf("validation_accuracy")]);
    assertEquals("0.4", cells[header.indexOf("validation_macro_f1")]);
  }
}
