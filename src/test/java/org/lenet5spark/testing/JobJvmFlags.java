package org.lenet5spark.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The options of submit/lib/job-jvm-flags.txt that every JVM of the job runs with (DL4J's helper
 * switch, the kernels' vector width): the project's one definition of them.
 */
public final class JobJvmFlags {
  private JobJvmFlags() {
  }

  /** The options, in file order. */
  public static List<String> read() throws IOException {
    return Files.readAllLines(Path.of("submit", "lib", "job-jvm-flags.txt")).stream()
        .map(String::trim)
        .filter(l -> !l.isEmpty() && !l.startsWith("#"))
        .toList();
  }
}
