package org.lenet5spark.cli;

import java.util.function.Supplier;
import org.lenet5spark.errors.BadInputException;
import picocli.CommandLine;

/**
 * Turns the validation failure of a command's options (thrown as {@link BadInputException} by the
 * option records) into a picocli usage error, so a wrong flag value exits with
 * {@link ExitCodes#USAGE} before any work starts.
 */
final class Usage {
  private Usage() {
  }

  /** Builds the options, reporting invalid values as usage errors. */
  static <T> T check(CommandLine.Model.CommandSpec spec, Supplier<T> options) {
    try {
      return options.get();
    } catch (BadInputException e) {
      CommandLine.ParameterException usage =
          new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
      usage.initCause(e);
      throw usage;
    }
  }
}
