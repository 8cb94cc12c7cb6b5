package org.lenet5spark.model.kernels;

/**
 * The sizes of one convolution + pooling stage for one input shape: {@code channels} input planes
 * of {@code height} x {@code width}, {@code filters} k x k filters with stride 1 and zero padding
 * {@code padding}, then 2 x 2 pooling with stride 2.
 *
 * @param maxPooling max pooling (else average)
 * @param relu ReLU activation (else tanh)
 */
record ConvPoolShape(int channels, int height, int width, int filters, int kernel, int padding,
    boolean maxPooling, boolean relu) {

  ConvPoolShape {
    if (channels < 1 || filters < 1 || kernel < 1 || padding < 0) {
      throw new IllegalArgumentException("bad convolution shape: " + channels + " channels, "
          + filters + " filters, kernel " + kernel + ", padding " + padding);
    }
    int ch = height + 2 * padding - kernel + 1;
    int cw = width + 2 * padding - kernel + 1;
    if (ch < 2 || cw < 2 || ch % 2 != 0 || cw % 2 != 0) {
      throw new IllegalArgumentException("a " + height + "x" + width + " input with kernel "
          + kernel + " and padding " + padding + " gives a " + ch + "x" + cw
          + " convolution output; 2x2 pooling needs even sizes of at least 2");
    }
  }

  int paddedHeight() {
    return height + 2 * padding;
  }

  int paddedWidth() {
    return width + 2 * padding;
  }

  int convHeight() {
    return paddedHeight() - kernel + 1;
  }

  int convWidth() {
    return paddedWidth() - kernel + 1;
  }

  int poolHeight() {
    return convHeight() / 2;
  }

  int poolWidth() {
    return convWidth() / 2;
  }

  int inputSize() {
    return channels * height * width;
  }

  int outputSize() {
    return filters * poolHeight() * poolWidth();
  }

  int weightCount() {
    return filters * channels * kernel * kernel;
  }
}
