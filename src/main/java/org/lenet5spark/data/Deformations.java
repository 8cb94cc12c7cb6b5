package org.lenet5spark.data;

import java.io.Serializable;
import java.util.SplittableRandom;

/**
 * The random deformations of {@code prepare --expand}, in the spirit of Simard, Steinkraus and
 * Platt (2003) and of infiMNIST (Loosli, Canu and Bottou, 2007): an elastic distortion (a random
 * displacement field, uniform in [-1, 1] per pixel and axis, smoothed by a Gaussian of standard
 * deviation {@code elasticSigma} pixels and scaled by {@code elasticAlpha}) plus a small affine
 * transform (rotation, scaling, shear and translation about the image centre, each uniform in
 * +- its maximum), applied together by inverse mapping with bilinear interpolation of the raw
 * 0-255 pixels; a position outside the image reads as 0 (background). The result is rounded to
 * the nearest integer, so a deformed image is again bytes in 0-255 and is normalised exactly as
 * the originals are.
 *
 * <p>Every image's deformation is drawn from its own generator, seeded by the expansion seed, the
 * copy number and the image's index: a deformed image does not depend on the shard layout, the
 * number of tasks or the order in which they run.
 *
 * @param elasticAlpha scale of the smoothed displacement field, in pixels
 * @param elasticSigma standard deviation of the Gaussian that smooths it, in pixels
 * @param maxRotationDegrees largest rotation, in degrees
 * @param maxScale largest relative change of scale
 * @param maxShear largest shear factor
 * @param maxShiftPixels largest translation, in pixels
 */
public record Deformations(double elasticAlpha, double elasticSigma, double maxRotationDegrees,
    double maxScale, double maxShear, double maxShiftPixels) implements Serializable {

  /**
   * The parameters {@code prepare --expand} uses: Simard et al.'s elastic distortion
   * (alpha 34, sigma 4) with a milder affine part than {@code train --augment}'s, as the two add
   * up.
   */
  public static final Deformations DEFAULT = new Deformations(34, 4, 8, 0.08, 0.1, 1.0);

  public Deformations {
    if (!(elasticAlpha >= 0 && elasticSigma > 0 && maxRotationDegrees >= 0 && maxScale >= 0
        && maxScale < 1 && maxShear >= 0 && maxShiftPixels >= 0)
        || !Double.isFinite(elasticAlpha + elasticSigma + maxRotationDegrees + maxShiftPixels
        + maxShear)) {
      throw new IllegalArgumentException("invalid deformation parameters");
    }
  }

  /**
   * The seed of the generator of copy {@code copy} (1-based) of the image at {@code index}: the
   * three numbers mixed by SplitMix64's finaliser, so neighbouring images and copies get
   * unrelated streams.
   */
  public static long imageSeed(long seed, int copy, long index) {
    long z = mix(seed + 0x9E3779B97F4A7C15L * (copy + 1L));
    return mix(z + 0xBF58476D1CE4E5B9L * (index + 1));
  }

  private static long mix(long x) {
    long z = x;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /**
   * Deforms {@code n} images of {@code rows x cols} bytes from {@code src} (starting at image
   * {@code from}) into {@code dst} (starting at image 0); image {@code from + i} has index
   * {@code firstIndex + i} in the source split.
   */
  public void deform(byte[] src, int from, byte[] dst, int n, int rows, int cols, long seed,
      int copy, long firstIndex) {
    Field field = new Field(rows, cols, elasticSigma);
    for (int i = 0; i < n; i++) {
      SplittableRandom random = new SplittableRandom(imageSeed(seed, copy, firstIndex + i));
      deformOne(src, (from + i) * rows * cols, dst, i * rows * cols, rows, cols, random, field);
    }
  }

  private void deformOne(byte[] src, int srcOff, byte[] dst, int dstOff, int rows, int cols,
      SplittableRandom random, Field field) {
    field.draw(random, elasticAlpha);
    double angle = Math.toRadians(uniform(random, maxRotationDegrees));
    double scale = 1 + uniform(random, maxScale);
    double shear = uniform(random, maxShear);
    double tx = uniform(random, maxShiftPixels);
    double ty = uniform(random, maxShiftPixels);
    // forward map A = R(angle) * scale * [[1, shear], [0, 1]] about the centre, then the shift;
    // each output pixel reads the source at A^-1 (p - c - t) + c plus its elastic displacement
    double cos = Math.cos(angle);
    double sin = Math.sin(angle);
    double a = scale * cos;
    double b = scale * (cos * shear - sin);
    double c = scale * sin;
    double d = scale * (sin * shear + cos);
    double det = a * d - b * c;
    double cy = (rows - 1) / 2.0;
    double cx = (cols - 1) / 2.0;
    for (int y = 0; y < rows; y++) {
      for (int x = 0; x < cols; x++) {
        double ux = x - cx - tx;
        double uy = y - cy - ty;
        int at = y * cols + x;
        double sx = (d * ux - b * uy) / det + cx + field.dx[at];
        double sy = (-c * ux + a * uy) / det + cy + field.dy[at];
        long v = Math.round(sample(src, srcOff, rows, cols, sx, sy));
        dst[dstOff + at] = (byte) Math.max(0, Math.min(255, v));
      }
    }
  }

  private static double uniform(SplittableRandom random, double max) {
    return (random.nextDouble() * 2 - 1) * max;
  }

  private static double sample(byte[] src, int off, int rows, int cols, double x, double y) {
    int x0 = (int) Math.floor(x);
    int y0 = (int) Math.floor(y);
    double fx = x - x0;
    double fy = y - y0;
    double v00 = pixel(src, off, rows, cols, x0, y0);
    double v10 = pixel(src, off, rows, cols, x0 + 1, y0);
    double v01 = pixel(src, off, rows, cols, x0, y0 + 1);
    double v11 = pixel(src, off, rows, cols, x0 + 1, y0 + 1);
    return (v00 * (1 - fx) + v10 * fx) * (1 - fy) + (v01 * (1 - fx) + v11 * fx) * fy;
  }

  private static int pixel(byte[] src, int off, int rows, int cols, int x, int y) {
    if (x < 0 || y < 0 || x >= cols || y >= rows) {
      return 0;
    }
    return src[off + y * cols + x] & 0xff;
  }

  /** A reused elastic displacement field and the buffers that smooth it. */
  private static final class Field {
    private final int rows;
    private final int cols;
    private final double[] kernel;
    private final double[] dx;
    private final double[] dy;
    private final double[] tmp;

    Field(int rows, int cols, double sigma) {
      this.rows = rows;
      this.cols = cols;
      int radius = (int) Math.ceil(3 * sigma);
      kernel = new double[2 * radius + 1];
      double sum = 0;
      for (int i = -radius; i <= radius; i++) {
        kernel[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma));
        sum += kernel[i + radius];
      }
      for (int i = 0; i < kernel.length; i++) {
        kernel[i] /= sum;
      }
      dx = new double[rows * cols];
      dy = new double[rows * cols];
      tmp = new double[rows * cols];
    }

    /** Draws a new field: uniform noise, smoothed (zero outside the image), times alpha. */
    void draw(SplittableRandom random, double alpha) {
      for (int i = 0; i < dx.length; i++) {
        dx[i] = random.nextDouble() * 2 - 1;
        dy[i] = random.nextDouble() * 2 - 1;
      }
      smooth(dx, alpha);
      smooth(dy, alpha);
    }

    private void smooth(double[] f, double alpha) {
      int r = kernel.length / 2;
      for (int y = 0; y < rows; y++) {
        for (int x = 0; x < cols; x++) {
          double s = 0;
          for (int k = -r; k <= r; k++) {
            int xx = x + k;
            if (xx >= 0 && xx < cols) {
              s += kernel[k + r] * f[y * cols + xx];
            }
          }
          tmp[y * cols + x] = s;
        }
      }
      for (int y = 0; y < rows; y++) {
        for (int x = 0; x < cols; x++) {
          double s = 0;
          for (int k = -r; k <= r; k++) {
            int yy = y + k;
            if (yy >= 0 && yy < rows) {
              s += kernel[k + r] * tmp[yy * cols + x];
            }
          }
          f[y * cols + x] = s * alpha;
        }
      }
    }
  }
}
