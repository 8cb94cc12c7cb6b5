package org.lenet5spark.cli;

import picocli.CommandLine;

/**
 * Prints the project's version (from the jar manifest) and the Java version for
 * {@code --version}.
 */
final class VersionProvider implements CommandLine.IVersionProvider {
  @Override
  public String[] getVersion() {
    String v = Lenet5Cli.class.getPackage().getImplementationVersion();
    return new String[] {
        "lenet5-spark " + (v == null ? "(development build)" : v),
        "Java " + Runtime.version()
    };
  }
}
