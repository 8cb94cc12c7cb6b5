package org.lenet5spark.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Small but real data for tests: the first images of real MNIST (see {@link RealMnist}) written
 * as IDX files and prepared into shards through the CLI.
 */
public final class SmallData {
  private SmallData() {
  }

  /** Writes IDX files holding the first {@code train} / {@code test} images of real MNIST. */
  public static Path realSubset(Path dir, int train, int test) throws IOException {
    Path src = RealMnist.dir();
    Files.createDirectories(dir);
    copyImages(src.resolve("train-images-idx3-ubyte"), dir.resolve("train-images-idx3-ubyte"),
        train);
    copyLabels(src.resolve("train-labels-idx1-ubyte"), dir.resolve("train-labels-idx1-ubyte"),
        train);
    copyImages(src.resolve("t10k-images-idx3-ubyte"), dir.resolve("t10k-images-idx3-ubyte"),
        test);
    copyLabels(src.resolve("t10k-labels-idx1-ubyte"), dir.resolve("t10k-labels-idx1-ubyte"),
        test);
    return dir;
  }

  /** Prepares {@code idx} into {@code out} with the CLI (local[2]). */
  public static Path prepare(Path idx, Path out, String format, int shards) {
    CliRun r = CliRun.of("prepare", "--input", idx.toString(), "--output", out.toString(),
        "--format", format, "--shards", String.valueOf(shards), "--master", "local[2]");
    assertEquals(0, r.code(), r.err());
    return out;
  }

  private static void copyImages(Path from, Path to, int n) throws IOException {
    byte[] all = Files.readAllBytes(from);
    byte[] out = Arrays.copyOf(all, 16 + n * 784);
    putInt(out, 4, n);
    Files.write(to, out);
  }

  private static void copyLabels(Path from, Path to, int n) throws IOException {
    byte[] all = Files.readAllBytes(from);
    byte[] out = Arrays.copyOf(all, 8 + n);
    putInt(out, 4, n);
    Files.write(to, out);
  }

  private static void putInt(byte[] b, int off, int v) {
    b[off] = (byte) (v >>> 24);
    b[off + 1] = (byte) (v >>> 16);
    b[off + 2] = (byte) (v >>> 8);
    b[off + 3] = (byte) v;
  }
}
