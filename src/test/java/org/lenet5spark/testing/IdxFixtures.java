package org.lenet5spark.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/** Generates small IDX files (and broken variants of them) for tests. */
public final class IdxFixtures {
  private IdxFixtures() {
  }

  /** Random 28x28 images: {@code count} images, deterministic for a seed. */
  public static byte[] images(int count, long seed) {
    byte[] px = new byte[count * 784];
    new Random(seed).nextBytes(px);
    return px;
  }

  /** Random labels 0-9. */
  public static byte[] labels(int count, long seed) {
    Random r = new Random(seed);
    byte[] l = new byte[count];
    for (int i = 0; i < count; i++) {
      l[i] = (byte) r.nextInt(10);
    }
    return l;
  }

  /** The bytes of an IDX3 images file with the given header values and body. */
  public static byte[] imagesFile(int magic, int count, int rows, int cols, byte[] body) {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bos)) {
      out.writeInt(magic);
      out.writeInt(count);
      out.writeInt(rows);
      out.writeInt(cols);
      out.write(body);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return bos.toByteArray();
  }

  /** The bytes of an IDX1 labels file. */
  public static byte[] labelsFile(int magic, int count, byte[] body) {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bos)) {
      out.writeInt(magic);
      out.writeInt(count);
      out.write(body);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return bos.toByteArray();
  }

  /** Gzip of some bytes. */
  public static byte[] gzip(byte[] data) {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    try (OutputStream out = new GZIPOutputStream(bos)) {
      out.write(data);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return bos.toByteArray();
  }

  /**
   * Writes a complete, valid MNIST-named data set into {@code dir}: {@code train} training and
   * {@code test} test examples; the test files are gzipped when {@code gzipTest}.
   */
  public static void writeDataset(Path dir, int train, int test, boolean gzipTest)
      throws IOException {
    Files.createDirectories(dir);
    Files.write(dir.resolve("train-images-idx3-ubyte"),
        imagesFile(0x803, train, 28, 28, images(train, 1)));
    Files.write(dir.resolve("train-labels-idx1-ubyte"), labelsFile(0x801, train, labels(train, 2)));
    byte[] ti = imagesFile(0x803, test, 28, 28, images(test, 3));
    byte[] tl = labelsFile(0x801, test, labels(test, 4));
    if (gzipTest) {
      Files.write(dir.resolve("t10k-images-idx3-ubyte.gz"), gzip(ti));
      Files.write(dir.resolve("t10k-labels-idx1-ubyte.gz"), gzip(tl));
    } else {
      Files.write(dir.resolve("t10k-images-idx3-ubyte"), ti);
      Files.write(dir.resolve("t10k-labels-idx1-ubyte"), tl);
    }
  }
}
