package org.lenet5spark.errors;

/**
 * Thrown when an input given by the user (a file, a shard, a manifest, a flag value, a path) is
 * wrong or unusable. The CLI maps it to exit code {@code 3} and prints its message as the one-line
 * cause, so the message must say what is wrong and where.
 */
public class BadInputException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BadInputException(String message) {
    super(message);
  }

  public BadInputException(String message, Throwable cause) {
    super(message, cause);
  }
}
