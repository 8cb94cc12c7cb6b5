package org.lenet5spark.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The JVM flags of submit/lib/java17-flags.txt, the project's one list of them. */
public final class Java17Flags {
  private Java17Flags() {
  }

  /** The flags, in file order. */
  public static List<String> read() throws IOException {
    return Files.readAllLines(Path.of("submit", "lib", "java17-flags.txt")).stream()
        .map(String::trim)
        .filter(l -> !l.isEmpty() && !l.startsWith("#"))
        .toList();
  }
}
