package org.lenet5spark.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The affine distortions: identity is exact, shifts move ink, the background fills the rest. */
class AugmenterTest {
  private static final float BG = -0.42f;

  private static float[] square() {
    float[] img = new float[784];
    java.util.Arrays.fill(img, BG);
    for (int y = 10; y < 18; y++) {
      for (int x = 10; x < 18; x++) {
        img[y * 28 + x] = 2.8f;
      }
    }
    return img;
  }

  @Test
  void identityTransformKeepsTheImage() {
    float[] src = square();
    float[] dst = new float[784];
    new Augmenter(28, 28, BG).transform(src, dst, 0, 0, 1, 0, 0, 0);
    assertArrayEquals(src, dst, 1e-6f);
  }

  @Test
  void translationMovesInkAndFillsBackground() {
    float[] src = square();
    float[] dst = new float[784];
    new Augmenter(28, 28, BG).transform(src, dst, 0, 0, 1, 0, 2, 0);
    assertEquals(2.8f, dst[12 * 28 + 12], 1e-5f);
    assertEquals(BG, dst[12 * 28 + 10], 1e-5f);
    assertEquals(2.8f, dst[12 * 28 + 19], 1e-5f);
    float[] edge = new float[784];
    java.util.Arrays.fill(edge, 1f);
    new Augmenter(28, 28, BG).transform(edge, dst, 0, 0, 1, 0, 3, 0);
    assertEquals(BG, dst[0], 1e-6f, "pixels from outside the image are background");
  }

  @Test
  void randomDistortionsKeepTheInkMassRoughlyAndDiffer() {
    float[] src = new float[784 * 2];
    System.arraycopy(square(), 0, src, 0, 784);
    System.arraycopy(square(), 0, src, 784, 784);
    float[] dst = new float[src.length];
    new Augmenter(28, 28, BG).distort(src, dst, 2, new SplittableRandom(1));
    double in = 0;
    double a = 0;
    double b = 0;
    for (int i = 0; i < 784; i++) {
      in += src[i] - BG;
      a += dst[i] - BG;
      b += dst[784 + i] - BG;
    }
    assertTrue(Math.abs(a / in - 1) < 0.35 && Math.abs(b / in - 1) < 0.35, a + " " + b);
    assertNotEquals(a, b, "two images get different distortions");
  }

  @Test
  void hookDistortsDuringTheStepAndRestoresTheCachedMinibatch() {
    org.nd4j.linalg.api.ndarray.INDArray features = org.nd4j.linalg.factory.Nd4j.create(
        square(), new long[] {1, 1, 28, 28}, 'c');
    org.nd4j.linalg.dataset.DataSet minibatch = new org.nd4j.linalg.dataset.DataSet(features,
        org.nd4j.linalg.factory.Nd4j.zeros(1, 10));
    AugmentHook hook = new AugmentHook(new Augmenter(28, 28, BG), 3);
    hook.preUpdate(minibatch, null);
    assertNotEquals(features, minibatch.getFeatures(), "the step sees distorted features");
    hook.postUpdate(minibatch, null);
    assertTrue(features == minibatch.getFeatures(), "the cached object gets its features back");
    assertArrayEquals(square(), features.data().asFloat(), "and they were not modified");
  }
}
