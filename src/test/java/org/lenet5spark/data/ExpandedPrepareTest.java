package org.lenet5spark.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.cli.ExitCodes;
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.testing.CliRun;
import org.lenet5spark.testing.SmallData;

/**
 * {@code prepare --expand} on the first 600 images of real MNIST, through the CLI: the training
 * split holds the originals (byte for byte what a plain prepare writes) then two deformed copies
 * of each, with contiguous indices, right counts, class histograms and checksums (so
 * {@link ShardCatalog} accepts it), the manifest records the expansion; the same seed writes the
 * same bytes and another seed other deformations; every deformed image is in the normalised
 * range and differs from its original; the test split is the one a plain prepare writes; plain
 * Spark SQL reads the expanded split; bad values of {@code --expand} are usage errors naming
 * the maximum.
 */
class ExpandedPrepareTest {
  private static final int TRAIN = 600;
  private static final int TEST = 100;
  private static final int SIZE = 28 * 28;

  @TempDir
  static Path tmp;
  static Path idx;
  static Path plain;
  static Path expanded;
  static final Configuration CONF = new Configuration();

  @BeforeAll
  static void prepareOnce() throws IOException {
    idx = SmallData.realSubset(tmp.resolve("idx"), TRAIN, TEST);
    plain = SmallData.prepare(idx, tmp.resolve("plain"), "parquet", 2);
    expanded = prepare("expanded", "2", "7");
  }

  private static Path prepare(String name, String k, String seed) {
    Path out = tmp.resolve(name);
    CliRun r = CliRun.of("prepare", "--input", idx.toString(), "--output", out.toString(),
        "--format", "parquet", "--shards", "2", "--expand", k, "--expand-seed", seed,
        "--master", "local[2]");
    assertEquals(ExitCodes.OK, r.code(), r.err());
    return out;
  }

  private static ShardCatalog catalog(Path root, String split) throws IOException {
    return ShardCatalog.open(HadoopFs.resolve(root.toString()), split, CONF);
  }

  /** Every record of a split, in shard order: pixels, labels and indices. */
  private record Records(float[] pixels, int[] labels, int[] indices) {
  }

  private static Records read(ShardCatalog c) throws IOException {
    int n = (int) c.count();
    float[] px = new float[n * SIZE];
    int[] lb = new int[n];
    int[] ix = new int[n];
    int at = 0;
    float[] f = new float[64 * SIZE];
    int[] l = new int[64];
    int[] i = new int[64];
    for (org.apache.hadoop.fs.Path p : c.shards()) {
      try (ShardRecordReader r = c.manifest().shardFormat().codec().open(p, CONF, 28, 28)) {
        int got;
        while ((got = r.read(f, l, i, 64)) > 0) {
          System.arraycopy(f, 0, px, at * SIZE, got * SIZE);
          System.arraycopy(l, 0, lb, at, got);
          System.arraycopy(i, 0, ix, at, got);
          at += got;
        }
      }
    }
    assertEquals(n, at);
    return new Records(px, lb, ix);
  }

  @Test
  void expandedSplitHoldsOriginalsThenCopiesWithARightManifest() throws IOException {
    ShardCatalog train = catalog(expanded, "train");
    train.verifyChecksums(CONF);
    Manifest m = train.manifest();
    assertEquals(3L * TRAIN, m.count());
    assertEquals(6, m.shards().size());
    Manifest.Expansion e = m.expansion();
    assertEquals(2, e.copies());
    assertEquals(7, e.seed());
    assertEquals(TRAIN, e.originals());
    assertEquals(Deformations.DEFAULT, e.deformations());
    long next = 0;
    for (Manifest.Shard s : m.shards()) {
      assertEquals(next, s.firstIndex());
      next += s.count();
    }
    Manifest p = catalog(plain, "train").manifest();
    assertNull(p.expansion());
    for (int c = 0; c < 10; c++) {
      assertEquals(3 * p.classHistogram().get(c), m.classHistogram().get(c));
    }
    assertEquals(p.normalization(), m.normalization());

    Records r = read(train);
    Records orig = read(catalog(plain, "train"));
    float lo = m.toNormalization().lookupTable()[0];
    float hi = m.toNormalization().lookupTable()[255];
    for (int i = 0; i < 3 * TRAIN; i++) {
      assertEquals(i, r.indices()[i]);
      assertEquals(orig.labels()[i % TRAIN], r.labels()[i], "a copy keeps its label");
    }
    for (float v : r.pixels()) {
      assertTrue(v >= lo && v <= hi, "pixel " + v + " outside [" + lo + ", " + hi + "]");
    }
    assertArrayEquals(orig.pixels(), java.util.Arrays.copyOf(r.pixels(), TRAIN * SIZE));
    for (int k = 1; k <= 2; k++) {
      for (int i = 0; i < TRAIN; i++) {
        double diff = 0;
        for (int q = 0; q < SIZE; q++) {
          diff += Math.abs(r.pixels()[(k * TRAIN + i) * SIZE + q] - orig.pixels()[i * SIZE + q]);
        }
        assertTrue(diff > 0, "copy " + k + " of image " + i + " equals its original");
      }
    }
  }

  @Test
  void aManifestWhoseExpansionDoesNotAddUpIsRefused() throws IOException {
    String json = Files.readString(expanded.resolve("train/_manifest.json"));
    assertTrue(json.contains("\"originals\" : 600"), json);
    String bad = json.replace("\"originals\" : 600", "\"originals\" : 500");
    BadInputException e = org.junit.jupiter.api.Assertions.assertThrows(
        BadInputException.class, () -> Manifest.parse(bad, "m").check("m"));
    assertTrue(e.getMessage().contains("expansion.originals"), e.getMessage());
    String copies = json.replace("\"copies\" : 2", "\"copies\" : 0");
    e = org.junit.jupiter.api.Assertions.assertThrows(BadInputException.class,
        () -> Manifest.parse(copies, "m").check("m"));
    assertTrue(e.getMessage().contains("expansion.copies"), e.getMessage());
  }

  @Test
  void originalsAndTestSplitAreThoseOfAPlainPrepare() throws IOException {
    assertSameFiles(plain.resolve("test"), expanded.resolve("test"));
    for (String f : List.of("part-00000.parquet", "part-00001.parquet")) {
      assertArrayEquals(Files.readAllBytes(plain.resolve("train").resolve(f)),
          Files.readAllBytes(expanded.resolve("train").resolve(f)), f);
    }
  }

  @Test
  void sameSeedSameBytesOtherSeedOtherDeformations() throws IOException {
    Path again = prepare("again", "2", "7");
    assertSameFiles(expanded.resolve("train"), again.resolve("train"));
    Path other = prepare("other", "2", "8");
    assertArrayEquals(Files.readAllBytes(expanded.resolve("train/part-00001.parquet")),
        Files.readAllBytes(other.resolve("train/part-00001.parquet")), "the originals");
    for (int s = 2; s < 6; s++) {
      String f = String.format("train/part-%05d.parquet", s);
      assertFalse(java.util.Arrays.equals(Files.readAllBytes(expanded.resolve(f)),
          Files.readAllBytes(other.resolve(f))), f);
    }
    float[] a = read(catalog(expanded, "train")).pixels();
    float[] b = read(catalog(other, "train")).pixels();
    int same = 0;
    for (int i = TRAIN; i < 3 * TRAIN; i++) {
      if (java.util.Arrays.equals(a, i * SIZE, (i + 1) * SIZE, b, i * SIZE, (i + 1) * SIZE)) {
        same++;
      }
    }
    assertEquals(0, same, "deformed images equal under two seeds");
  }

  @Test
  void plainSparkSqlReadsTheExpandedSplit() {
    SparkSession spark = SparkSession.builder().master("local[2]").appName("expanded-sql")
        .config("spark.ui.enabled", "false").getOrCreate();
    try {
      Dataset<Row> rows = spark.read().parquet(expanded.resolve("train").toString());
      assertEquals(3L * TRAIN, rows.count());
      Row agg = rows.agg(functions.min("index"), functions.max("index"),
          functions.countDistinct("index")).first();
      assertEquals(0, agg.getInt(0));
      assertEquals(3 * TRAIN - 1, agg.getInt(1));
      assertEquals(3L * TRAIN, agg.getLong(2));
      assertEquals(2L * TRAIN, rows.filter("index >= " + TRAIN).count());
      assertEquals(TEST, spark.read().parquet(expanded.resolve("test").toString()).count());
    } finally {
      spark.stop();
    }
  }

  @Test
  void expandOutsideItsRangeIsAUsageErrorNamingTheMaximum() {
    for (String k : List.of("-1", "100000")) {
      Path out = tmp.resolve("bad" + k);
      CliRun r = CliRun.of("prepare", "--input", idx.toString(), "--output", out.toString(),
          "--expand", k, "--master", "local[2]");
      assertEquals(ExitCodes.USAGE, r.code(), r.err());
      assertTrue(r.errorLines().contains("--expand must be between 0 and "
          + DatasetPreparer.MAX_EXPANSION), r.err());
      assertFalse(Files.exists(out));
    }
  }

  private static void assertSameFiles(Path a, Path b) throws IOException {
    List<String> names;
    try (Stream<Path> s = Files.list(a)) {
      names = s.map(p -> p.getFileName().toString()).sorted().toList();
    }
    try (Stream<Path> s = Files.list(b)) {
      assertEquals(names, s.map(p -> p.getFileName().toString()).sorted().toList());
    }
    for (String n : names) {
      assertArrayEquals(Files.readAllBytes(a.resolve(n)), Files.readAllBytes(b.resolve(n)), n);
    }
  }
}
