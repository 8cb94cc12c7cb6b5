package org.lenet5spark.train;

import java.io.Serializable;
import java.util.SplittableRandom;

/**
 * Small random affine distortions of 28x28 images, in the spirit of LeCun et al.'s distortion
 * experiments: rotation up to +-{@value #MAX_DEGREES} degrees, scaling by
 * 1 +- {@value #MAX_SCALE}, shear up to +-{@value #MAX_SHEAR} and translation up to
 * +-{@value #MAX_SHIFT} pixels, by inverse mapping with bilinear interpolation. Pixels mapped from
 * outside the image take the background value (the normalised value of a 0 pixel).
 */
public final class Augmenter implements Serializable {
  private static final long serialVersionUID = 1L;
  /** Largest rotation, in degrees. */
  public static final double MAX_DEGREES = 12;
  /** Largest relative change of scale. */
  public static final double MAX_SCALE = 0.12;
  /** Largest shear factor. */
  public static final double MAX_SHEAR = 0.15;
  /** Largest translation, in pixels. */
  public static final double MAX_SHIFT = 2.5;

  private final int rows;
  private final int cols;
  private final float background;

  public Augmenter(int rows, int cols, float background) {
    this.rows = rows;
    this.cols = cols;
    this.background = background;
  }

  /** Distorts {@code n} images of {@code src} into {@code dst} (row-major, one after another). */
  public void distort(float[] src, float[] dst, int n, SplittableRandom random) {
    int size = rows * cols;
    for (int i = 0; i < n; i++) {
      double angle = Math.toRadians((random.nextDouble() * 2 - 1) * MAX_DEGREES);
      double scale = 1 + (random.nextDouble() * 2 - 1) * MAX_SCALE;
      double shear = (random.nextDouble() * 2 - 1) * MAX_SHEAR;
      double tx = (random.nextDouble() * 2 - 1) * MAX_SHIFT;
      double ty = (random.nextDouble() * 2 - 1) * MAX_SHIFT;
      transform(src, dst, i * size, angle, scale, shear, tx, ty);
    }
  }

  /**
   * Applies one forward transform (shear, scale, rotate about the centre, then translate) to the
   * image at {@code offset}, computing each output pixel from its inverse-mapped source position.
   */
  void transform(float[] src, float[] dst, int offset, double angle, double scale, double shear,
      double tx, double ty) {
    double cos = Math.cos(angle);
    double sin = Math.sin(angle);
    // forward A = R * S * H with H = [[1, shear], [0, 1]], S = scale * I
    double a = scale * cos;
    double b = scale * (cos * shear - sin);
    double c = scale * sin;
    double d = scale * (sin * shear + cos);
    double det = a * d - b * c;
    double ia = d / det;
    double ib = -b / det;
    double ic = -c / det;
    double id = a / det;
    double cy = (rows - 1) / 2.0;
    double cx = (cols - 1) / 2.0;
    for (int y = 0; y < rows; y++) {
      for (int x = 0; x < cols; x++) {
        double ux = x - cx - tx;
        double uy = y - cy - ty;
        double sx = ia * ux + ib * uy + cx;
        double sy = ic * ux + id * uy + cy;
        dst[offset + y * cols + x] = sample(src, offset, sx, sy);
      }
    }
  }

  private float sample(float[] src, int offset, double x, double y) {
    int x0 = (int) Math.floor(x);
    int y0 = (int) Math.floor(y);
    double fx = x - x0;
    double fy = y - y0;
    double v00 = pixel(src, offset, x0, y0);
    double v10 = pixel(src, offset, x0 + 1, y0);
    double v01 = pixel(src, offset, x0, y0 + 1);
    double v11 = pixel(src, offset, x0 + 1, y0 + 1);
    return (float) ((v00 * (1 - fx) + v10 * fx) * (1 - fy) + (v01 * (1 - fx) + v11 * fx) * fy);
  }

  private float pixel(float[] src, int offset, int x, int y) {
    if (x < 0 || y < 0 || x >= cols || y >= rows) {
      return background;
    }
    return src[offset + y * cols + x];
  }
}
