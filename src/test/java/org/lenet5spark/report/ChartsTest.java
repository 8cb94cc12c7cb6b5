package org.lenet5spark.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import org.lenet5spark.run.EpochMetrics;

/**
 * The training curves show train, validation and test accuracy and loss when the metrics hold
 * them, mark the epoch of model.zip, and leave out the curves an older run or a run without a
 * validation split has no values for (never a NaN point).
 */
class ChartsTest {
  private static EpochMetrics epoch(int e, double trainAcc, double valLoss, double valAcc) {
    List<Double> tens = Collections.nCopies(10, 0.9);
    return new EpochMetrics(e, 0.5 / e, 0.3 / e, 0.9 + e / 100.0, 0.9, 1, 1, 100, 1000, 0.002,
        tens, tens, tens, trainAcc, valLoss, valAcc, 0.9);
  }

  @Test
  void threeCurvesAndTheSelectedEpochAreDrawn() throws Exception {
    List<EpochMetrics> m = List.of(epoch(1, 0.8, 0.4, 0.88), epoch(2, 0.9, 0.3, 0.92),
        epoch(3, 0.95, 0.35, 0.91));
    XYChart acc = Charts.accuracyChart(m, 2);
    assertEquals(Set.of("train accuracy (during the epoch)", "validation accuracy",
        "test accuracy", "model.zip: epoch 2"), acc.getSeriesMap().keySet());
    assertEquals(Set.of("train loss", "validation loss", "test loss", "model.zip: epoch 2"),
        Charts.lossChart(m, 2).getSeriesMap().keySet());
    BufferedImage img = ImageIO.read(new ByteArrayInputStream(Charts.trainingCurves(m, 2)));
    assertTrue(img.getWidth() > 600 && img.getHeight() > 300);
  }

  @Test
  void curvesWithoutValuesAreLeftOut() {
    List<EpochMetrics> m = List.of(epoch(1, Double.NaN, Double.NaN, Double.NaN),
        epoch(2, Double.NaN, Double.NaN, Double.NaN));
    XYChart acc = Charts.accuracyChart(m, 0);
    assertEquals(Set.of("test accuracy"), acc.getSeriesMap().keySet());
    assertFalse(Charts.lossChart(m, 0).getSeriesMap().containsKey("validation loss"));
  }
}
