package org.lenet5spark.run;

/**
 * One line of {@code confusion.jsonl}: the test split's confusion matrix after {@code epoch},
 * {@code confusion[actual][predicted]}.
 */
public record EpochConfusion(int epoch, long[][] confusion) {
}
