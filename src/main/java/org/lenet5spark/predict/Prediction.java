package org.lenet5spark.predict;

import java.io.Serializable;

/**
 * One row of {@code predict}'s output: the input's id (a file name or an index), its true label
 * when the input has one (else -1), the predicted digit and the ten class probabilities. Made by
 * {@link Predictor}, written by {@link PredictionWriter}.
 */
public record Prediction(String id, int label, int predicted, float[] probabilities)
    implements Serializable {
  private static final long serialVersionUID = 1L;
}
