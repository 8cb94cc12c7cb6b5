package org.lenet5spark.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.lenet5spark.errors.BadInputException;

/** The MNIST-style conversion of pictures and the refusal of bad ones. */
class DigitImageTest {

  /** A 'T' of two bars, {@code ink} on {@code background}, off-centre on a 200x160 canvas. */
  private static BufferedImage tee(Color background, Color ink) {
    BufferedImage img = new BufferedImage(200, 160, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(background);
    g.fillRect(0, 0, 200, 160);
    g.setColor(ink);
    g.fillRect(20, 10, 60, 12);   // top bar: 60 wide
    g.fillRect(44, 10, 12, 100);  // stem: 100 tall
    g.dispose();
    return img;
  }

  private static byte[] encode(BufferedImage img, String format) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertTrue(ImageIO.write(img, format, out));
    return out.toByteArray();
  }

  @Test
  void scalesTheLongerSideToTwentyAndCentresTheMass() throws IOException {
    byte[] px = DigitImage.fromEncoded(encode(tee(Color.WHITE, Color.BLACK), "png"), "t.png");
    assertEquals(28 * 28, px.length);
    int x0 = 28;
    int x1 = -1;
    int y0 = 28;
    int y1 = -1;
    double mass = 0;
    double mx = 0;
    double my = 0;
    int max = 0;
    for (int y = 0; y < 28; y++) {
      for (int x = 0; x < 28; x++) {
        int v = px[y * 28 + x] & 0xff;
        max = Math.max(max, v);
        if (v > 0) {
          x0 = Math.min(x0, x);
          x1 = Math.max(x1, x);
          y0 = Math.min(y0, y);
          y1 = Math.max(y1, y);
        }
        mass += v;
        mx += v * (x + 0.5);
        my += v * (y + 0.5);
      }
    }
    assertEquals(255, max, "ink is stretched to full intensity");
    assertEquals(20, y1 - y0 + 1, "the longer side (the stem) becomes 20 px");
    assertEquals(12, x1 - x0 + 1, "60/100 of 20 px wide, aspect kept");
    assertEquals(14.0, mx / mass, 0.5, "centre of mass x");
    assertEquals(14.0, my / mass, 0.5, "centre of mass y");
  }

  @Test
  void lightAndDarkBackgroundsGiveTheSameDigit() throws IOException {
    byte[] light = DigitImage.fromEncoded(encode(tee(Color.WHITE, Color.BLACK), "png"), "a");
    byte[] dark = DigitImage.fromEncoded(encode(tee(Color.BLACK, Color.WHITE), "png"), "b");
    assertArrayEquals(light, dark);
    byte[] jpeg = DigitImage.fromEncoded(encode(tee(Color.WHITE, Color.BLACK), "jpg"), "c");
    int diff = 0;
    for (int i = 0; i < light.length; i++) {
      diff = Math.max(diff, Math.abs((light[i] & 0xff) - (jpeg[i] & 0xff)));
    }
    assertTrue(diff < 80, "JPEG artefacts stay small: " + diff);
  }

  @Test
  void refusesBlankCorruptForeignAndOversizedPictures() throws IOException {
    BufferedImage blank = new BufferedImage(50, 50, BufferedImage.TYPE_INT_RGB);
    BadInputException e = assertThrows(BadInputException.class,
        () -> DigitImage.fromEncoded(encode(blank, "png"), "blank.png"));
    assertTrue(e.getMessage().contains("blank"), e.getMessage());

    e = assertThrows(BadInputException.class,
        () -> DigitImage.fromEncoded("not an image".getBytes(), "x.png"));
    assertTrue(e.getMessage().startsWith("x.png: "), e.getMessage());

    byte[] good = encode(tee(Color.WHITE, Color.BLACK), "png");
    e = assertThrows(BadInputException.class,
        () -> DigitImage.fromEncoded(Arrays.copyOf(good, good.length / 2), "cut.png"));
    assertTrue(e.getMessage().contains("cut.png"), e.getMessage());

    e = assertThrows(BadInputException.class,
        () -> DigitImage.fromEncoded(encode(tee(Color.WHITE, Color.BLACK), "gif"), "t.gif"));
    assertTrue(e.getMessage().contains("not supported"), e.getMessage());

    BufferedImage wide = new BufferedImage(DigitImage.MAX_DIMENSION + 1, 1,
        BufferedImage.TYPE_BYTE_GRAY);
    e = assertThrows(BadInputException.class,
        () -> DigitImage.fromEncoded(encode(wide, "png"), "wide.png"));
    assertTrue(e.getMessage().contains("accepted up to"), e.getMessage());
  }
}
