package org.lenet5spark.data;

import java.io.Serializable;

/**
 * Pixel normalisation: {@code value = (pixel / 255 - mean) / std}, with {@code mean} and
 * {@code std} computed once over every pixel of the training split and reused for the test split
 * and at prediction time. Values are converted through a 256-entry table, so every writer and
 * reader produces bit-identical float32 values for the same pixel.
 */
public record Normalization(double mean, double std) implements Serializable {

  /** Normalisation formula, as recorded in manifests. */
  public static final String FORMULA = "(pixel / 255 - mean) / std";

  public Normalization {
    if (!Double.isFinite(mean) || !Double.isFinite(std) || std <= 0) {
      throw new IllegalArgumentException("invalid normalisation mean=" + mean + " std=" + std);
    }
  }

  /** Computes mean and standard deviation of {@code pixel / 255} over all given pixels. */
  public static Normalization of(byte[] pixels) {
    long[] histogram = new long[256];
    for (byte p : pixels) {
      histogram[p & 0xff]++;
    }
    double n = pixels.length;
    double sum = 0;
    for (int v = 0; v < 256; v++) {
      sum += histogram[v] * (v / 255.0);
    }
    double mean = sum / n;
    double var = 0;
    for (int v = 0; v < 256; v++) {
      double d = v / 255.0 - mean;
      var += histogram[v] * d * d;
    }
    return new Normalization(mean, Math.sqrt(var / n));
  }

  /** The float32 value of every possible pixel byte. */
  public float[] lookupTable() {
    float[] lut = new float[256];
    for (int v = 0; v < 256; v++) {
      lut[v] = (float) ((v / 255.0 - mean) / std);
    }
    return lut;
  }
}
