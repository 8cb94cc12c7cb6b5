package org.lenet5spark.errors;

/**
 * Thrown when another run holds the lock of the output a command wants to write (see
 * {@code io.OutputLock}). The CLI maps it to exit code {@code 4}: nothing is wrong with the input,
 * and retrying after the other run ends may succeed.
 */
public class OutputInUseException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public OutputInUseException(String message) {
    super(message);
  }
}
