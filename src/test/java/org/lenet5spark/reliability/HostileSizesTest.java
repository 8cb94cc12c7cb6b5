package org.lenet5spark.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.cli.ExitCodes;
import org.lenet5spark.testing.CliRun;
import org.lenet5spark.testing.IdxFixtures;
import org.lenet5spark.testing.SmallData;

/**
 * Inputs whose size is hostile must be refused from what their headers say, before memory is
 * spent on them: a 10,000 x 10,000 16-bit PNG (about 2.4 GB to convert), a 1 MiB gzip IDX file
 * that expands to a gigabyte, a {@code --batch-size} far above any use; and {@code predict} on
 * Spark reads {@code model.zip} once, so that the bytes its zip guard checked are the bytes the
 * executors restore.
 */
class HostileSizesTest {
  @TempDir
  static Path tmp;
  static Path model;

  @BeforeAll
  static void trainSmallModel() throws IOException {
    Path data = SmallData.prepare(SmallData.realSubset(tmp.resolve("idx"), 300, 100),
        tmp.resolve("shards"), "binary", 1);
    CliRun r = CliRun.of("train", "--engine", "local", "--data", data.toString(), "--output",
        tmp.resolve("run").toString(), "--epochs", "1");
    assertEquals(0, r.code(), r.err());
    model = tmp.resolve("run/model.zip");
  }

  @Test
  void hugePictureIsRefusedFromItsHeaderOnBothEngines() throws IOException {
    Path png = tmp.resolve("huge/huge.png");
    Files.createDirectories(png.getParent());
    writeGreyPng16(png, 10_000, 10_000);
    for (String engine : new String[] {"local", "spark"}) {
      Path out = tmp.resolve("huge-" + engine + ".csv");
      CliRun r = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> CliRun.of("predict",
          "--model", model.toString(), "--input", png.toString(), "--output", out.toString(),
          "--engine", engine));
      assertEquals(ExitCodes.BAD_INPUT, r.code(), engine + ": " + r.err());
      String line = r.errorLines().split("\n")[0];
      assertTrue(line.contains("huge.png: image is 10000x10000 = 100000000 pixels, accepted up to "
          + 16777216 + " pixels"), engine + ": " + line);
      assertFalse(Files.exists(out), "no predictions written");
    }
  }

  @Test
  void gzipBombIdxIsRefusedBeforeDecompressing() throws IOException {
    Path dir = tmp.resolve("bomb");
    Files.createDirectories(dir);
    int count = 1_300_000;
    Path images = dir.resolve("t10k-images-idx3-ubyte.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(images), 1 << 16)) {
      out.write(IdxFixtures.imagesFile(0x803, count, 28, 28, new byte[0]));
      byte[] zeros = new byte[1 << 20];
      long body = (long) count * 784;
      for (long left = body; left > 0; left -= zeros.length) {
        out.write(zeros, 0, (int) Math.min(left, zeros.length));
      }
    }
    long gz = Files.size(images);
    assertTrue(gz < 2L << 20, "a small file: " + gz);
    Files.write(dir.resolve("t10k-labels-idx1-ubyte"), IdxFixtures.labelsFile(0x801, 10,
        new byte[10]));
    CliRun r = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> CliRun.of("evaluate",
        "--model", model.toString(), "--data", dir.toString()));
    assertEquals(ExitCodes.BAD_INPUT, r.code(), r.err());
    String line = r.errorLines().split("\n")[0];
    assertTrue(line.contains("header announces a body of " + (long) count * 784 + " bytes")
        && line.contains("more than " + 64 + "x expansion"), line);
  }

  @Test
  void batchSizeAboveTheMaximumIsAUsageError() {
    CliRun r = CliRun.of("train", "--data", tmp.resolve("shards").toString(), "--output",
        tmp.resolve("bs").toString(), "--batch-size",
        String.valueOf(4096 + 1));
    assertEquals(ExitCodes.USAGE, r.code(), r.err());
    assertTrue(r.errorLines().contains("--batch-size must be between 1 and "
        + 4096 + ", got " + (4096 + 1)), r.err());
    assertFalse(Files.exists(tmp.resolve("bs")));
  }

  /**
   * {@code predict --engine spark} reads {@code model.zip} from the file system once: the bytes
   * read from {@code file:} while it runs are one model plus the picture (Hadoop's own
   * per-scheme statistics), not two models.
   */
  @Test
  void predictOnSparkReadsTheModelOnce() throws IOException {
    Path png = tmp.resolve("one/seven.png");
    Files.createDirectories(png.getParent());
    BufferedImage img = new BufferedImage(56, 56, BufferedImage.TYPE_BYTE_GRAY);
    Graphics2D g = img.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, 56, 56);
    g.setColor(Color.BLACK);
    g.setStroke(new java.awt.BasicStroke(5));
    g.drawLine(12, 10, 44, 10);
    g.drawLine(44, 10, 22, 48);
    g.dispose();
    ImageIO.write(img, "png", png.toFile());
    Path out = tmp.resolve("one.csv");
    long before = bytesReadFromLocalFiles();
    CliRun r = CliRun.of("predict", "--model", model.toString(), "--input", png.toString(),
        "--output", out.toString(), "--engine", "spark", "--master", "local[1]");
    long read = bytesReadFromLocalFiles() - before;
    assertEquals(0, r.code(), r.err());
    long modelBytes = Files.size(model);
    assertTrue(read >= modelBytes, "the model was read: " + read);
    assertTrue(read < 2 * modelBytes, "model.zip (" + modelBytes + " bytes) read more than "
        + "once: " + read + " bytes read");
  }

  private static long bytesReadFromLocalFiles() {
    long n = 0;
    for (FileSystem.Statistics s : FileSystem.getAllStatistics()) {
      if ("file".equals(s.getScheme())) {
        n += s.getBytesRead();
      }
    }
    return n;
  }

  /** A valid, all-white 16-bit grey PNG of {@code w x h} (small on disk: zeros deflate well). */
  static void writeGreyPng16(Path file, int w, int h) throws IOException {
    try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
      out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
      ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
      DataOutputStream d = new DataOutputStream(ihdr);
      d.writeInt(w);
      d.writeInt(h);
      d.write(new byte[] {16, 0, 0, 0, 0});
      chunk(out, "IHDR", ihdr.toByteArray());
      ByteArrayOutputStream idat = new ByteArrayOutputStream();
      try (DeflaterOutputStream z = new DeflaterOutputStream(idat,
          new Deflater(Deflater.BEST_SPEED), 1 << 16)) {
        byte[] row = new byte[1 + 2 * w];
        java.util.Arrays.fill(row, (byte) 0xff);
        row[0] = 0;
        for (int y = 0; y < h; y++) {
          z.write(row);
        }
      }
      chunk(out, "IDAT", idat.toByteArray());
      chunk(out, "IEND", new byte[0]);
    }
  }

  private static void chunk(DataOutputStream out, String type, byte[] data) throws IOException {
    byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    out.writeInt(data.length);
    out.write(t);
    out.write(data);
    CRC32 crc = new CRC32();
    crc.update(t);
    crc.update(data);
    out.writeInt((int) crc.getValue());
  }
}
