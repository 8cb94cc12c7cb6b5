package org.lenet5spark.testing;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.lenet5spark.cli.Lenet5Cli;

/** Runs the CLI in-process and captures its exit code, stdout and stderr. */
public record CliRun(int code, String out, String err) {

  /** Runs {@code lenet5-spark args...}. */
  public static synchronized CliRun of(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    int code;
    try {
      System.setOut(new PrintStream(outBytes, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(errBytes, true, StandardCharsets.UTF_8));
      code = Lenet5Cli.execute(args);
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
    return new CliRun(code, outBytes.toString(StandardCharsets.UTF_8),
        errBytes.toString(StandardCharsets.UTF_8));
  }

  /** The lines of stderr that are not log lines (log lines start with a time stamp). */
  public String errorLines() {
    StringBuilder sb = new StringBuilder();
    for (String line : err.split("\n")) {
      if (!line.matches("^\\d\\d:\\d\\d:\\d\\d .*") && !line.isBlank()) {
        sb.append(line).append('\n');
      }
    }
    return sb.toString();
  }
}
