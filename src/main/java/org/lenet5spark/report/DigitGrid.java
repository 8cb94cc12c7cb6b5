package org.lenet5spark.report;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.List;
import org.lenet5spark.data.Normalization;
import org.lenet5spark.eval.Misclassified;

/**
 * Draws the worst misclassified digits ({@link Misclassified}) as a grid PNG with Java2D: each
 * digit enlarged, dark ink on white as a person writes it, with its true label, the predicted
 * label and the probability of the prediction. Pixels are turned back from the normalised values
 * with the data's {@link Normalization}. Runs after {@link Misclassified#worst}.
 */
public final class DigitGrid {
  private static final int SCALE = 4;
  private static final int COLUMNS = 6;
  private static final int PAD = 10;
  private static final int TEXT = 38;

  private DigitGrid() {
  }

  /** The grid as PNG; an image saying so when there is no mistake at all. */
  public static byte[] render(List<Misclassified.Mistake> mistakes, Normalization norm, int rows,
      int cols) throws IOException {
    int cellW = cols * SCALE + 2 * PAD + 20;
    int cellH = rows * SCALE + TEXT + PAD;
    int n = Math.max(1, mistakes.size());
    int gridCols = Math.min(COLUMNS, n);
    int gridRows = (n + gridCols - 1) / gridCols;
    BufferedImage img = new BufferedImage(gridCols * cellW, gridRows * cellH + PAD,
        BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING,
          RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, img.getWidth(), img.getHeight());
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      if (mistakes.isEmpty()) {
        g.setColor(Color.DARK_GRAY);
        g.drawString("no misclassified example", PAD, cellH / 2);
      }
      for (int i = 0; i < mistakes.size(); i++) {
        Misclassified.Mistake m = mistakes.get(i);
        int x0 = (i % gridCols) * cellW + (cellW - cols * SCALE) / 2;
        int y0 = (i / gridCols) * cellH + PAD;
        for (int y = 0; y < rows; y++) {
          for (int x = 0; x < cols; x++) {
            double v = m.pixels()[y * cols + x] * norm.std() + norm.mean();
            int ink = (int) Math.round(Math.min(1, Math.max(0, v)) * 255);
            int shade = 255 - ink;
            g.setColor(new Color(shade, shade, shade));
            g.fillRect(x0 + x * SCALE, y0 + y * SCALE, SCALE, SCALE);
          }
        }
        g.setColor(new Color(0xbbbbbb));
        g.drawRect(x0 - 1, y0 - 1, cols * SCALE + 1, rows * SCALE + 1);
        int tx = (i % gridCols) * cellW + PAD / 2;
        g.setColor(Color.BLACK);
        g.drawString(String.format("true %d, pred %d", m.label(), m.predicted()), tx,
            y0 + rows * SCALE + 15);
        g.setColor(new Color(0x555555));
        g.drawString(String.format("p=%.3f  #%d", m.probability(), m.index()), tx,
            y0 + rows * SCALE + 30);
      }
    } finally {
      g.dispose();
    }
    return Charts.png(img);
  }
}
