package org.lenet5spark.data;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.io.HadoopFs;

/**
 * Turns a PNG or JPEG picture of one digit, of any size, into a 28x28 MNIST-style image (unsigned
 * bytes, 255 = ink) the way the MNIST digits were made: grey levels, inverted when the background
 * is light, cropped to the bounding box of the ink, the longer side scaled to 20 px keeping the
 * aspect ratio, then pasted into 28x28 so that the centre of mass lies at the centre. Decoding uses
 * {@code javax.imageio}; the dimensions are read from the header and capped (per side and in
 * pixels, {@link #MAX_PIXELS}) before any raster is decoded. Used by {@code predict} before the
 * model's normaliser is applied.
 */
public final class DigitImage {
  /** Largest accepted width or height of an input picture, checked before decoding. */
  public static final int MAX_DIMENSION = 10_000;
  /**
   * Largest accepted number of pixels (width x height, 16 Mpixels: 4096 x 4096), checked from the
   * header before decoding. A picture at the cap needs at most about 16 bytes per pixel while it
   * is converted (the decoded raster, up to 8 bytes per pixel for 16-bit RGBA, plus one array of
   * doubles), 256 MiB per task; a 10,000 x 10,000 16-bit picture would need about 2.4 GB.
   */
  public static final long MAX_PIXELS = 1L << 24;
  /** Largest accepted input file. */
  public static final long MAX_FILE_BYTES = 64L << 20;
  /** Side of the output image. */
  public static final int SIZE = 28;
  /** The longer side of the digit's bounding box after scaling. */
  public static final int BOX = 20;
  /** Share of the strongest ink below which a pixel is background when finding the box. */
  private static final double INK_THRESHOLD = 0.2;

  private DigitImage() {
  }

  /** Whether a file name looks like a picture this class reads. */
  public static boolean isImageName(String name) {
    String n = name.toLowerCase(java.util.Locale.ROOT);
    return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg");
  }

  /** Decodes {@code bytes} (named {@code source} in errors) and converts them to 28x28. */
  public static byte[] fromEncoded(byte[] bytes, String source) {
    return toMnist(decode(bytes, source), source);
  }

  /** Decodes a PNG or JPEG, refusing unknown formats, corrupt data and oversized pictures. */
  public static BufferedImage decode(byte[] bytes, String source) {
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
      Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
      if (readers == null || !readers.hasNext()) {
        throw new BadInputException(source + ": not a PNG or JPEG image");
      }
      ImageReader reader = readers.next();
      try {
        String format = reader.getFormatName().toLowerCase(java.util.Locale.ROOT);
        if (!format.equals("png") && !format.equals("jpeg")) {
          throw new BadInputException(source + ": " + format + " images are not supported "
              + "(PNG or JPEG only)");
        }
        reader.setInput(in, true, true);
        int w = reader.getWidth(0);
        int h = reader.getHeight(0);
        if (w <= 0 || h <= 0 || w > MAX_DIMENSION || h > MAX_DIMENSION) {
          throw new BadInputException(String.format("%s: image is %dx%d, accepted up to %dx%d",
              source, w, h, MAX_DIMENSION, MAX_DIMENSION));
        }
        if ((long) w * h > MAX_PIXELS) {
          throw new BadInputException(String.format("%s: image is %dx%d = %d pixels, accepted up "
              + "to %d pixels (scale it down first)", source, w, h, (long) w * h, MAX_PIXELS));
        }
        BufferedImage img = reader.read(0);
        if (img == null) {
          throw new BadInputException(source + ": image could not be decoded");
        }
        return img;
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof BadInputException bad) {
        throw bad;
      }
      throw new BadInputException(source + ": corrupt or unreadable image: "
          + HadoopFs.oneLine(e), e);
    }
  }

  /** Converts a decoded picture to a centred 28x28 digit (row-major, 255 = ink). */
  public static byte[] toMnist(BufferedImage img, String source) {
    int w = img.getWidth();
    int h = img.getHeight();
    double[] grey = greyOnWhite(img);
    // the background is what the border shows: light borders mean dark ink, so invert
    double border = 0;
    int borderCount = 0;
    for (int x = 0; x < w; x++) {
      border += grey[x] + grey[(h - 1) * w + x];
      borderCount += 2;
    }
    for (int y = 0; y < h; y++) {
      border += grey[y * w] + grey[y * w + w - 1];
      borderCount += 2;
    }
    border /= borderCount;
    boolean invert = border > 127.5;
    // the ink replaces the grey levels in place: one array of doubles per picture, not two
    double[] ink = grey;
    double background = invert ? 255 - border : border;
    double max = 0;
    for (int i = 0; i < ink.length; i++) {
      double v = invert ? 255 - grey[i] : grey[i];
      v = Math.max(0, v - background);
      ink[i] = v;
      max = Math.max(max, v);
    }
    if (max < 16) {
      throw new BadInputException(source + ": no digit found (the image is blank)");
    }
    int x0 = w;
    int y0 = h;
    int x1 = -1;
    int y1 = -1;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        double v = ink[y * w + x] / max;
        ink[y * w + x] = v;
        if (v > INK_THRESHOLD) {
          x0 = Math.min(x0, x);
          x1 = Math.max(x1, x);
          y0 = Math.min(y0, y);
          y1 = Math.max(y1, y);
        }
      }
    }
    int bw = x1 - x0 + 1;
    int bh = y1 - y0 + 1;
    double scale = (double) BOX / Math.max(bw, bh);
    int tw = Math.max(1, (int) Math.round(bw * scale));
    int th = Math.max(1, (int) Math.round(bh * scale));
    double[] box = resample(ink, w, x0, y0, bw, bh, tw, th);
    return centre(box, tw, th);
  }

  /** Luminance 0-255 of every pixel, with transparency composed over white. */
  private static double[] greyOnWhite(BufferedImage img) {
    int w = img.getWidth();
    int h = img.getHeight();
    double[] out = new double[w * h];
    int[] row = new int[w];
    for (int y = 0; y < h; y++) {
      img.getRGB(0, y, w, 1, row, 0, w);
      for (int x = 0; x < w; x++) {
        int argb = row[x];
        double a = ((argb >>> 24) & 0xff) / 255.0;
        double r = (argb >> 16) & 0xff;
        double g = (argb >> 8) & 0xff;
        double b = argb & 0xff;
        double lum = 0.299 * r + 0.587 * g + 0.114 * b;
        out[y * w + x] = a * lum + (1 - a) * 255;
      }
    }
    return out;
  }

  /**
   * Area-averaging resampling of the box {@code (x0, y0, bw, bh)} of {@code src} to
   * {@code tw x th}: every output pixel is the mean of the source area it covers (fractional
   * pixels weighted), which both shrinks without aliasing and enlarges smoothly enough.
   */
  static double[] resample(double[] src, int srcWidth, int x0, int y0, int bw, int bh, int tw,
      int th) {
    double[] out = new double[tw * th];
    double sx = (double) bw / tw;
    double sy = (double) bh / th;
    for (int ty = 0; ty < th; ty++) {
      double fy0 = ty * sy;
      double fy1 = fy0 + sy;
      for (int tx = 0; tx < tw; tx++) {
        double fx0 = tx * sx;
        double fx1 = fx0 + sx;
        double sum = 0;
        double area = 0;
        for (int y = (int) Math.floor(fy0); y < Math.min(bh, (int) Math.ceil(fy1)); y++) {
          double wy = Math.min(fy1, y + 1) - Math.max(fy0, y);
          for (int x = (int) Math.floor(fx0); x < Math.min(bw, (int) Math.ceil(fx1)); x++) {
            double wx = Math.min(fx1, x + 1) - Math.max(fx0, x);
            double wgt = wx * wy;
            sum += wgt * src[(y0 + y) * srcWidth + x0 + x];
            area += wgt;
          }
        }
        out[ty * tw + tx] = area == 0 ? 0 : sum / area;
      }
    }
    return out;
  }

  /** Pastes a {@code tw x th} patch (0-1 ink) into 28x28 with its centre of mass at the centre. */
  private static byte[] centre(double[] patch, int tw, int th) {
    double mass = 0;
    double mx = 0;
    double my = 0;
    for (int y = 0; y < th; y++) {
      for (int x = 0; x < tw; x++) {
        double v = patch[y * tw + x];
        mass += v;
        mx += v * (x + 0.5);
        my += v * (y + 0.5);
      }
    }
    int dx = (int) Math.round(SIZE / 2.0 - mx / mass);
    int dy = (int) Math.round(SIZE / 2.0 - my / mass);
    byte[] out = new byte[SIZE * SIZE];
    for (int y = 0; y < th; y++) {
      int oy = y + dy;
      if (oy < 0 || oy >= SIZE) {
        continue;
      }
      for (int x = 0; x < tw; x++) {
        int ox = x + dx;
        if (ox >= 0 && ox < SIZE) {
          long v = Math.round(Math.min(1, Math.max(0, patch[y * tw + x])) * 255);
          out[oy * SIZE + ox] = (byte) v;
        }
      }
    }
    return out;
  }
}
