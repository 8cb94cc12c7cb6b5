package org.lenet5spark.cli;

import picocli.CommandLine.Option;

/** Options every subcommand takes (mixed in): {@code --verbose}. */
public final class CommonOptions {
  @Option(names = "--verbose", description = "Print the stack trace of a failure.")
  boolean verbose;
}
