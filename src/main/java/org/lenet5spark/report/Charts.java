package org.lenet5spark.report;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.lenet5spark.run.EpochMetrics;

/**
 * Renders the charts of {@code report} as PNG with XChart: the training curves (train,
 * validation and test accuracy and loss per epoch, side by side, the epoch of {@code model.zip}
 * marked) from {@code metrics.jsonl}, and the confusion matrix of the last epoch
 * as a heat map. Needs no display (headless Java2D). Runs after {@link RunRecords#read}.
 */
public final class Charts {
  private static final int W = 640;
  private static final int H = 440;

  private Charts() {
  }

  /**
   * Test accuracy and train/test loss per epoch, as one PNG with two panels.
   */
  public static byte[] trainingCurves(List<EpochMetrics> epochs) throws IOException {
    return trainingCurves(epochs, 0);
  }

  /**
   * Train, validation and test accuracy and loss per epoch (a curve is drawn when every epoch
   * has it: older runs have no train accuracy, runs with {@code --validation 0} no validation),
   * as one PNG with two panels; {@code selected} (the epoch of {@code model.zip}, 0: none) is
   * marked with a vertical line and a point.
   */
  public static byte[] trainingCurves(List<EpochMetrics> epochs, int selected)
      throws IOException {
    XYChart acc = accuracyChart(epochs, selected);
    XYChart loss = lossChart(epochs, selected);
    BufferedImage left = BitmapEncoder.getBufferedImage(acc);
    BufferedImage right = BitmapEncoder.getBufferedImage(loss);
    BufferedImage both = new BufferedImage(left.getWidth() + right.getWidth(),
        Math.max(left.getHeight(), right.getHeight()), BufferedImage.TYPE_INT_RGB);
    Graphics2D g = both.createGraphics();
    try {
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, both.getWidth(), both.getHeight());
      g.drawImage(left, 0, 0, null);
      g.drawImage(right, left.getWidth(), 0, null);
    } finally {
      g.dispose();
    }
    return png(both);
  }

  /** The accuracy panel: train, validation and test accuracy, the selected epoch marked. */
  static XYChart accuracyChart(List<EpochMetrics> epochs, int selected) {
    double[] x = column(epochs, EpochMetrics::epoch);
    XYChart acc = xyChart("Accuracy per epoch", "accuracy");
    addIfComplete(acc, "train accuracy (during the epoch)", x,
        column(epochs, EpochMetrics::trainAccuracy), SeriesMarkers.SQUARE);
    addIfComplete(acc, "validation accuracy", x,
        column(epochs, EpochMetrics::validationAccuracy), SeriesMarkers.TRIANGLE_UP);
    acc.addSeries("test accuracy", x, column(epochs, EpochMetrics::testAccuracy))
        .setMarker(SeriesMarkers.CIRCLE);
    acc.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
    markSelected(acc, epochs, selected, EpochMetrics::testAccuracy);
    padYAxis(acc);
    return acc;
  }

  /** The loss panel: train, validation and test loss, the selected epoch marked. */
  static XYChart lossChart(List<EpochMetrics> epochs, int selected) {
    double[] x = column(epochs, EpochMetrics::epoch);
    XYChart loss = xyChart("Loss per epoch (cross-entropy)", "loss");
    loss.addSeries("train loss", x, column(epochs, EpochMetrics::trainLoss))
        .setMarker(SeriesMarkers.CIRCLE);
    addIfComplete(loss, "validation loss", x, column(epochs, EpochMetrics::validationLoss),
        SeriesMarkers.TRIANGLE_UP);
    loss.addSeries("test loss", x, column(epochs, EpochMetrics::testLoss))
        .setMarker(SeriesMarkers.DIAMOND);
    markSelected(loss, epochs, selected, EpochMetrics::testLoss);
    padYAxis(loss);
    return loss;
  }

  private static void addIfComplete(XYChart chart, String name, double[] x, double[] y,
      Marker marker) {
    for (double v : y) {
      if (!Double.isFinite(v)) {
        return;
      }
    }
    chart.addSeries(name, x, y).setMarker(marker);
  }

  /** A vertical line and a labelled point at the selected epoch's test value. */
  private static void markSelected(XYChart chart, List<EpochMetrics> epochs, int selected,
      ToDoubleFunction<EpochMetrics> test) {
    if (selected < 1 || selected > epochs.size()) {
      return;
    }
    double y = test.applyAsDouble(epochs.get(selected - 1));
    if (!Double.isFinite(y)) {
      return;
    }
    chart.addSeries("model.zip: epoch " + selected, new double[] {selected}, new double[] {y})
        .setMarker(SeriesMarkers.CROSS).setMarkerColor(Color.RED).setLineColor(Color.RED);
    chart.addAnnotation(new AnnotationLine(selected, true, false));
  }

  /** The confusion matrix ({@code [actual][predicted]}) as a heat map with the counts. */
  public static byte[] confusionHeatmap(long[][] confusion, String title) throws IOException {
    HeatMapChart chart = new HeatMapChartBuilder().width(620).height(560).title(title)
        .xAxisTitle("predicted").yAxisTitle("actual").build();
    int[] digits = new int[10];
    for (int i = 0; i < 10; i++) {
      digits[i] = i;
    }
    List<Number[]> cells = new ArrayList<>();
    long max = 1;
    for (int a = 0; a < 10; a++) {
      for (int p = 0; p < 10; p++) {
        // rows are drawn bottom-up: put actual 0 at the top as in the usual printed matrix
        cells.add(new Number[] {p, 9 - a, confusion[a][p]});
        max = Math.max(max, confusion[a][p]);
      }
    }
    List<Integer> xs = new ArrayList<>();
    List<String> ys = new ArrayList<>();
    for (int d : digits) {
      xs.add(d);
      ys.add(Integer.toString(9 - d));
    }
    chart.addSeries("count", xs, ys, cells);
    chart.getStyler().setShowValue(true)
        .setMin(0)
        .setMax(max)
        .setRangeColors(new Color[] {new Color(0xffffff), new Color(0xc6dbef),
            new Color(0x6baed6)})
        .setValueFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11))
        .setValueFontColor(Color.BLACK)
        .setLegendVisible(false);
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
  }

  private static XYChart xyChart(String title, String yTitle) {
    XYChart chart = new XYChartBuilder().width(W).height(H).title(title).xAxisTitle("epoch")
        .yAxisTitle(yTitle).build();
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE)
        .setChartBackgroundColor(Color.WHITE)
        .setMarkerSize(7);
    chart.getStyler().setXAxisDecimalPattern("0");
    return chart;
  }

  /** Leaves 8% of the data's range free above and below, so no marker sits on the frame. */
  private static void padYAxis(XYChart chart) {
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (var series : chart.getSeriesMap().values()) {
      lo = Math.min(lo, series.getYMin());
      hi = Math.max(hi, series.getYMax());
    }
    double pad = hi > lo ? (hi - lo) * 0.08 : Math.max(1e-3, Math.abs(hi) * 0.01);
    chart.getStyler().setYAxisMin(lo - pad).setYAxisMax(hi + pad);
  }

  private static double[] column(List<EpochMetrics> epochs,
      ToDoubleFunction<EpochMetrics> value) {
    double[] v = new double[epochs.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = value.applyAsDouble(epochs.get(i));
    }
    return v;
  }

  /** Encodes an image as PNG. */
  static byte[] png(BufferedImage img) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    if (!ImageIO.write(img, "png", out)) {
      throw new IOException("no PNG writer available");
    }
    return out.toByteArray();
  }
}
