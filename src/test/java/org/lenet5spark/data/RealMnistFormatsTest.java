package org.lenet5spark.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.cli.ExitCodes;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.testing.CliRun;
import org.lenet5spark.testing.RealMnist;
import org.lenet5spark.testing.SmallData;

/**
 * Both shard formats on the real MNIST files: every one of the 70,000 images round-trips
 * bit-exactly (read back equals the normalised source pixel), both formats hold identical values,
 * and training with the same seed gives the same result from either format. Also: an output that
 * cannot be written is refused with nothing left behind.
 */
class RealMnistFormatsTest {
  @TempDir
  Path tmp;

  @Test
  void bothFormatsRoundTripRealMnistBitExactly() throws IOException {
    Path raw = RealMnist.dir();
    Configuration conf = HadoopFs.newConfiguration();
    Path parquet = SmallData.prepare(raw, tmp.resolve("p"), "parquet", 3);
    Path binary = SmallData.prepare(raw, tmp.resolve("b"), "binary", 5);
    for (String split : List.of("train", "test")) {
      String prefix = split.equals("train") ? "train" : "t10k";
      IdxReader.Images images = IdxReader.readImages(HadoopFs.resolve(raw.resolve(prefix
          + "-images-idx3-ubyte").toString()), conf, 28, 28);
      IdxReader.Labels labels = IdxReader.readLabels(HadoopFs.resolve(raw.resolve(prefix
          + "-labels-idx1-ubyte").toString()), conf);
      ExampleBlock p = ExampleBlock.read(ShardCatalog.open(HadoopFs.resolve(parquet.toString()),
          split, conf), conf);
      ExampleBlock b = ExampleBlock.read(ShardCatalog.open(HadoopFs.resolve(binary.toString()),
          split, conf), conf);
      float[] lut = ShardCatalog.open(HadoopFs.resolve(binary.toString()), split, conf)
          .manifest().toNormalization().lookupTable();
      float[] expected = new float[images.pixels().length];
      for (int i = 0; i < expected.length; i++) {
        expected[i] = lut[images.pixels()[i] & 0xff];
      }
      assertArrayEquals(expected, p.features(), split + " parquet");
      assertArrayEquals(expected, b.features(), split + " binary");
      int[] expectedLabels = new int[labels.count()];
      for (int i = 0; i < expectedLabels.length; i++) {
        expectedLabels[i] = labels.labels()[i];
      }
      assertArrayEquals(expectedLabels, p.labels());
      assertArrayEquals(expectedLabels, b.labels());
    }
  }

  @Test
  void sameSeedSameResultFromEitherFormat() throws IOException {
    Path idx = SmallData.realSubset(tmp.resolve("idx"), 4000, 1000);
    Path parquet = SmallData.prepare(idx, tmp.resolve("p"), "parquet", 2);
    Path binary = SmallData.prepare(idx, tmp.resolve("b"), "binary", 2);
    String[] metrics = new String[2];
    int k = 0;
    for (Path data : List.of(parquet, binary)) {
      Path out = tmp.resolve("run-" + k);
      CliRun r = CliRun.of("train", "--data", data.toString(), "--output", out.toString(),
          "--epochs", "1", "--workers", "2", "--seed", "99", "--master", "local[2]");
      assertEquals(ExitCodes.OK, r.code(), r.err());
      String line = Files.readAllLines(out.resolve("metrics.jsonl")).get(0);
      metrics[k++] = line.replaceAll("\"(epoch_seconds|eval_seconds|samples_per_second)\""
          + ":[0-9.E-]+", "");
    }
    assertEquals(metrics[0], metrics[1], "identical losses, accuracy and per-class metrics");
  }

  @Test
  void unwritableOutputIsRefusedAndNothingIsLeft() throws IOException {
    Path idx = SmallData.realSubset(tmp.resolve("idx"), 100, 100);
    Path file = Files.writeString(tmp.resolve("a-file"), "not a folder");
    CliRun r = CliRun.of("prepare", "--input", idx.toString(), "--output",
        file.resolve("shards").toString(), "--master", "local[1]");
    assertEquals(ExitCodes.BAD_INPUT, r.code(), r.err());
    assertTrue(r.errorLines().startsWith("error: cannot write to"), r.err());
    assertEquals("not a folder", Files.readString(file));
    CliRun t = CliRun.of("train", "--data", tmp.resolve("none").toString(), "--output",
        file.resolve("run").toString(), "--engine", "local");
    assertEquals(ExitCodes.BAD_INPUT, t.code(), t.err());
    assertFalse(t.err().contains("\tat "));
  }
}
