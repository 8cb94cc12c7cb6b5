package org.lenet5spark.eval;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lenet5spark.data.Normalization;
import org.lenet5spark.errors.BadInputException;

/**
 * The one check that shards were normalised as the model expects: within the tolerance they
 * match, beyond it (in mean or in standard deviation) they are refused with both values named.
 */
class InputNormalizationTest {
  private static final Normalization MODEL = new Normalization(0.1307, 0.3081);

  @Test
  void withinTheToleranceTheShardsMatch() {
    double d = InputNormalization.TOLERANCE / 2;
    assertDoesNotThrow(() -> InputNormalization.requireMatches(MODEL,
        new Normalization(MODEL.mean() + d, MODEL.std() - d)));
  }

  @Test
  void beyondItInMeanOrStdTheyAreRefused() {
    double d = InputNormalization.TOLERANCE * 3;
    BadInputException mean = assertThrows(BadInputException.class,
        () -> InputNormalization.requireMatches(MODEL,
            new Normalization(MODEL.mean() + d, MODEL.std())));
    assertTrue(mean.getMessage().contains("mean=0.130700 std=0.308100"), mean.getMessage());
    assertTrue(mean.getMessage().contains("shards use mean=0.130703"), mean.getMessage());
    assertThrows(BadInputException.class, () -> InputNormalization.requireMatches(MODEL,
        new Normalization(MODEL.mean(), MODEL.std() - d)));
  }
}
