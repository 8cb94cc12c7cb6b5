package org.lenet5spark.eval;

import org.lenet5spark.data.Normalization;
import org.lenet5spark.errors.BadInputException;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.linalg.dataset.api.preprocessor.NormalizerStandardize;

/**
 * Reads the input normalisation back out of a model's own DL4J normaliser (the
 * {@link NormalizerStandardize} for raw 0-255 pixels that {@code train} stores in
 * {@code model.zip}), so raw pixels (IDX files, pictures) are normalised exactly as the model's
 * training data was; and the one check, with its tolerance, that prepared shards were normalised
 * as the model expects ({@code evaluate}, {@code predict}, {@code report}). Runs after the model
 * is loaded.
 */
public final class InputNormalization {
  /** How far the shards' mean or standard deviation may be from the model's. */
  public static final double TOLERANCE = 1e-6;

  private InputNormalization() {
  }

  /**
   * Refuses shards normalised otherwise than the model's training data.
   *
   * @param model the model's normalisation ({@link #of})
   * @param shards the shards' normalisation, from their manifest
   * @throws BadInputException when mean or standard deviation differ by more than
   *     {@link #TOLERANCE}
   */
  public static void requireMatches(Normalization model, Normalization shards) {
    if (Math.abs(model.mean() - shards.mean()) > TOLERANCE
        || Math.abs(model.std() - shards.std()) > TOLERANCE) {
      throw new BadInputException(String.format("the model was trained with normalisation "
          + "mean=%.6f std=%.6f but the shards use mean=%.6f std=%.6f", model.mean(),
          model.std(), shards.mean(), shards.std()));
    }
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
