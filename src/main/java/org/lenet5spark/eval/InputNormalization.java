package org.lenet5spark.eval;

import org.lenet5spark.data.Normalization;
import org.lenet5spark.errors.BadInputException;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.linalg.dataset.api.preprocessor.NormalizerStandardize;

/**
 * Reads the input normalisation back out of a model's own DL4J normaliser (the
 * {@link NormalizerStandardize} for raw 0-255 pixels that {@code train} stores in
 * {@code model.zip}), so raw pixels (IDX files, pictures) are normalised exactly as the model's
 * training data was. Runs after the model is loaded.
 */
public final class InputNormalization {
  private InputNormalization() {
  }

  /** The normalisation of {@code normalizer}; {@code source} names the model in errors. */
  public static Normalization of(DataNormalization normalizer, String source) {
    if (!(normalizer instanceof NormalizerStandardize ns) || ns.getMean() == null
        || ns.getStd() == null) {
      throw new BadInputException(source
          + ": model has no input normaliser (was it written by 'train'?)");
    }
    double mean = ns.getMean().getDouble(0) / 255.0;
    double std = ns.getStd().getDouble(0) / 255.0;
    try {
      return new Normalization(mean, std);
    } catch (IllegalArgumentException e) {
      throw new BadInputException(source + ": " + e.getMessage());
    }
  }
}
