package org.lenet5spark.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.testing.IdxFixtures;

/** IDX parsing: good files raw and gzipped, and every kind of broken file. */
class IdxReaderTest {
  private static final Configuration CONF = HadoopFs.newConfiguration();

  @TempDir
  java.nio.file.Path dir;

  private Path write(String name, byte[] bytes) throws IOException {
    java.nio.file.Path p = dir.resolve(name);
    Files.write(p, bytes);
    return HadoopFs.resolve(p.toString());
  }

  @Test
  void readsImagesAndLabelsRawAndGzipped() throws IOException {
    byte[] px = IdxFixtures.images(5, 7);
    byte[] lb = IdxFixtures.labels(5, 8);
    Path raw = write("i", IdxFixtures.imagesFile(0x803, 5, 28, 28, px));
    Path gz = write("i.gz", IdxFixtures.gzip(IdxFixtures.imagesFile(0x803, 5, 28, 28, px)));
    Path labels = write("l", IdxFixtures.labelsFile(0x801, 5, lb));
    IdxReader.Images a = IdxReader.readImages(raw, CONF, 28, 28);
    IdxReader.Images b = IdxReader.readImages(gz, CONF, 28, 28);
    assertEquals(5, a.count());
    assertArrayEquals(px, a.pixels());
    assertArrayEquals(px, b.pixels());
    IdxReader.Labels l = IdxReader.readLabels(labels, CONF);
    assertArrayEquals(lb, l.labels());
    IdxReader.checkPair(a, l);
  }

  @Test
  void wrongMagicIsRefused() throws IOException {
    Path p = write("i", IdxFixtures.imagesFile(0x801, 1, 28, 28, new byte[784]));
    BadInputException e = assertThrows(BadInputException.class,
        () -> IdxReader.readImages(p, CONF, 28, 28));
    assertTrue(e.getMessage().contains("wrong magic number"), e.getMessage());
    Path l = write("l", IdxFixtures.labelsFile(0x803, 1, new byte[1]));
    assertThrows(BadInputException.class, () -> IdxReader.readLabels(l, CONF));
  }

  @Test
  void truncatedHeaderIsRefused() throws IOException {
    byte[] full = IdxFixtures.imagesFile(0x803, 1, 28, 28, new byte[784]);
    Path p = write("i", Arrays.copyOf(full, 10));
    BadInputException e = assertThrows(BadInputException.class,
        () -> IdxReader.readImages(p, CONF, 28, 28));
    assertTrue(e.getMessage().contains("truncated header"), e.getMessage());
  }

  @Test
  void truncatedBodyIsRefusedRawAndGzipped() throws IOException {
    byte[] full = IdxFixtures.imagesFile(0x803, 3, 28, 28, new byte[3 * 784]);
    byte[] cut = Arrays.copyOf(full, full.length - 100);
    Path p = write("i", cut);
    BadInputException e = assertThrows(BadInputException.class,
        () -> IdxReader.readImages(p, CONF, 28, 28));
    assertTrue(e.getMessage().contains("truncated body"), e.getMessage());
    byte[] gz = IdxFixtures.gzip(full);
    Path g = write("i.gz", Arrays.copyOf(gz, gz.length / 2));
    assertThrows(BadInputException.class, () -> IdxReader.readImages(g, CONF, 28, 28));
  }

  @Test
  void trailingBytesAreRefused() throws IOException {
    byte[] full = IdxFixtures.imagesFile(0x803, 1, 28, 28, new byte[785]);
    Path p = write("i", full);
    assertThrows(BadInputException.class, () -> IdxReader.readImages(p, CONF, 28, 28));
  }

  @Test
  void countMismatchIsRefused() throws IOException {
    IdxReader.Images i = IdxReader.readImages(
        write("i", IdxFixtures.imagesFile(0x803, 2, 28, 28, new byte[2 * 784])), CONF, 28, 28);
    IdxReader.Labels l = IdxReader.readLabels(
        write("l", IdxFixtures.labelsFile(0x801, 3, new byte[3])), CONF);
    BadInputException e = assertThrows(BadInputException.class, () -> IdxReader.checkPair(i, l));
    assertTrue(e.getMessage().contains("counts differ"), e.getMessage());
  }

  @Test
  void labelOutOfRangeIsRefused() throws IOException {
    Path p = write("l", IdxFixtures.labelsFile(0x801, 3, new byte[] {1, 10, 2}));
    BadInputException e = assertThrows(BadInputException.class,
        () -> IdxReader.readLabels(p, CONF));
    assertTrue(e.getMessage().contains("record 1 has label 10, outside 0-9"), e.getMessage());
  }

  @Test
  void wrongImageSizeIsRefused() throws IOException {
    Path p = write("i", IdxFixtures.imagesFile(0x803, 1, 32, 32, new byte[1024]));
    BadInputException e = assertThrows(BadInputException.class,
        () -> IdxReader.readImages(p, CONF, 28, 28));
    assertTrue(e.getMessage().contains("32x32"), e.getMessage());
  }

  @Test
  void hugeHeaderClaimIsNotTrustedForAllocation() throws IOException {
    Path p = write("i", IdxFixtures.imagesFile(0x803, 2_000_000_000, 28, 28, new byte[10]));
    BadInputException e = assertThrows(BadInputException.class,
        () -> IdxReader.readImages(p, CONF, 28, 28));
    assertTrue(e.getMessage().contains("more than this reader accepts"), e.getMessage());
    // a plausible claim with a short body fails on the body, after reading only what is there
    Path q = write("j", IdxFixtures.imagesFile(0x803, 1_000_000, 28, 28, new byte[10]));
    assertThrows(BadInputException.class, () -> IdxReader.readImages(q, CONF, 28, 28));
  }

  @Test
  void emptyAndMissingFilesAreRefused() throws IOException {
    Path empty = write("e", new byte[0]);
    assertTrue(assertThrows(BadInputException.class,
        () -> IdxReader.readImages(empty, CONF, 28, 28)).getMessage().contains("empty"));
    Path missing = HadoopFs.resolve(dir.resolve("nope").toString());
    assertTrue(assertThrows(BadInputException.class,
        () -> IdxReader.readLabels(missing, CONF)).getMessage().contains("missing"));
  }

  @Test
  void corruptGzipIsRefused() throws IOException {
    byte[] gz = IdxFixtures.gzip(IdxFixtures.labelsFile(0x801, 3, new byte[3]));
    gz[12] ^= 0x55;
    gz[13] ^= 0x55;
    Path p = write("l.gz", gz);
    assertThrows(BadInputException.class, () -> IdxReader.readLabels(p, CONF));
  }
}
