package org.lenet5spark.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.lenet5spark.cli.ExitCodes;
import org.lenet5spark.data.BinaryShardCodec;
import org.lenet5spark.data.Manifest;
import org.lenet5spark.testing.CliRun;
import org.lenet5spark.testing.IdxFixtures;
import org.lenet5spark.testing.SmallData;

/**
 * A generated corpus of malformed inputs, one case per row, across every reader: IDX and gzip
 * input, shards, manifests, model files and command lines. Each must end with its documented exit
 * code, a one-line {@code error: ...} cause, no stack trace, within a time limit, and without
 * writing the output it was asked for. Listed in docs/RELIABILITY.md.
 */
class BadInputCorpusTest {
  @TempDir
  static Path tmp;
  static Path goodIdx;
  static Path goodData;
  static Path goodModel;

  @BeforeAll
  static void good() throws IOException {
    goodIdx = SmallData.realSubset(tmp.resolve("idx"), 600, 200);
    goodData = SmallData.prepare(goodIdx, tmp.resolve("shards"), "binary", 2);
    CliRun r = CliRun.of("train", "--engine", "local", "--data", goodData.toString(),
        "--output", tmp.resolve("run").toString(), "--epochs", "1");
    assertEquals(0, r.code(), r.err());
    goodModel = tmp.resolve("run/model.zip");
  }

  /** A case: a name, how to break a copy of good inputs, the command, the exit code. */
  record Case(String name, Breaker breaker, int expected, String... args) {
    @Override
    public String toString() {
      return name;
    }
  }

  /** Breaks a copy of the fixture in one way. */
  @FunctionalInterface
  interface Breaker {
    void breakIn(Path dir) throws IOException;
  }

  static Path copyTree(Path src, Path dst) throws IOException {
    try (Stream<Path> s = Files.walk(src)) {
      for (Path p : s.toList()) {
        Path q = dst.resolve(src.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(q);
        } else {
          Files.copy(p, q);
        }
      }
    }
    return dst;
  }

  static void flipByte(Path f, long at) throws IOException {
    try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "rw")) {
      r.seek(at);
      int b = r.read();
      r.seek(at);
      r.write(b ^ 0x40);
    }
  }

  static void truncate(Path f, long keep) throws IOException {
    byte[] b = Files.readAllBytes(f);
    Files.write(f, Arrays.copyOf(b, (int) Math.min(keep, b.length)));
  }

  static void editManifest(Path dir, String split, String from, String to) throws IOException {
    Path m = dir.resolve(split).resolve(Manifest.FILE_NAME);
    String s = Files.readString(m);
    assertTrue(s.contains(from), from);
    Files.writeString(m, s.replaceFirst(java.util.regex.Pattern.quote(from), to));
  }

  static final String TI = "train-images-idx3-ubyte";
  static final String TL = "train-labels-idx1-ubyte";

  static Stream<Arguments> corpus() {
    List<Case> c = new ArrayList<>();
    // IDX input of prepare: the copy of the IDX folder is "in", the output "out"
    c.add(new Case("idx: images file with a labels magic number",
        d -> Files.write(d.resolve("in/" + TI), IdxFixtures.imagesFile(0x801, 600, 28, 28,
            new byte[600 * 784])), 3, "prepare"));
    c.add(new Case("idx: labels file with an images magic number",
        d -> Files.write(d.resolve("in/" + TL), IdxFixtures.labelsFile(0x803, 600,
            new byte[600])), 3, "prepare"));
    c.add(new Case("idx: truncated header", d -> truncate(d.resolve("in/" + TI), 9), 3,
        "prepare"));
    c.add(new Case("idx: truncated body", d -> truncate(d.resolve("in/" + TI), 16 + 300 * 784),
        3, "prepare"));
    c.add(new Case("idx: trailing bytes", d -> Files.write(d.resolve("in/" + TL), new byte[] {1},
        java.nio.file.StandardOpenOption.APPEND), 3, "prepare"));
    c.add(new Case("idx: image and label counts differ",
        d -> Files.write(d.resolve("in/" + TL), IdxFixtures.labelsFile(0x801, 599,
            new byte[599])), 3, "prepare"));
    c.add(new Case("idx: label out of range",
        d -> Files.write(d.resolve("in/" + TL), IdxFixtures.labelsFile(0x801, 600,
            filled(600, (byte) 12))), 3, "prepare"));
    c.add(new Case("idx: 32x32 images", d -> Files.write(d.resolve("in/" + TI),
        IdxFixtures.imagesFile(0x803, 600, 32, 32, new byte[600 * 1024])), 3, "prepare"));
    c.add(new Case("idx: header claims 2 billion images",
        d -> Files.write(d.resolve("in/" + TI), IdxFixtures.imagesFile(0x803, 2_000_000_000,
            28, 28, new byte[784])), 3, "prepare"));
    c.add(new Case("idx: header claims zero images", d -> Files.write(d.resolve("in/" + TI),
        IdxFixtures.imagesFile(0x803, 0, 28, 28, new byte[0])), 3, "prepare"));
    c.add(new Case("idx: empty file", d -> Files.write(d.resolve("in/" + TI), new byte[0]), 3,
        "prepare"));
    c.add(new Case("idx: missing file", d -> Files.delete(d.resolve("in/" + TL)), 3,
        "prepare"));
    c.add(new Case("idx: a folder where a file should be", d -> {
      Files.delete(d.resolve("in/" + TL));
      Files.createDirectories(d.resolve("in/" + TL));
    }, 3, "prepare"));
    c.add(new Case("idx: corrupt gzip", d -> {
      byte[] gz = IdxFixtures.gzip(Files.readAllBytes(d.resolve("in/" + TL)));
      gz[gz.length / 2] ^= 0x7f;
      gz[gz.length / 2 + 1] ^= 0x7f;
      Files.delete(d.resolve("in/" + TL));
      Files.write(d.resolve("in/" + TL + ".gz"), gz);
    }, 3, "prepare"));
    c.add(new Case("idx: truncated gzip", d -> {
      byte[] gz = IdxFixtures.gzip(Files.readAllBytes(d.resolve("in/" + TI)));
      Files.delete(d.resolve("in/" + TI));
      Files.write(d.resolve("in/" + TI + ".gz"), Arrays.copyOf(gz, gz.length / 3));
    }, 3, "prepare"));
    c.add(new Case("idx: input folder missing", d -> deleteTree(d.resolve("in")), 3,
        "prepare"));
    // model files, read by evaluate
    c.add(new Case("model: not a zip", d -> Files.writeString(d.resolve("model.zip"), "hello"),
        3, "evaluate"));
    c.add(new Case("model: truncated zip", d -> truncate(d.resolve("model.zip"), 3000), 3,
        "evaluate"));
    c.add(new Case("model: missing", d -> Files.delete(d.resolve("model.zip")), 3, "evaluate"));
    c.add(new Case("model: trained on other normalisation",
        d -> {
          editManifest(d.resolve("data"), "test", "\"mean\" : 0.", "\"mean\" : 0.5");
          editManifest(d.resolve("data"), "train", "\"mean\" : 0.", "\"mean\" : 0.5");
        }, 3, "evaluate"));
    // command lines
    c.add(new Case("cli: unknown flag", d -> { }, 2, "train", "--learning-speed", "3"));
    c.add(new Case("cli: not a number", d -> { }, 2, "train", "--epochs", "ten"));
    c.add(new Case("cli: negative batch size", d -> { }, 2, "train", "--batch-size", "-4"));
    c.add(new Case("cli: unknown storage level", d -> { }, 2, "train", "--storage-level",
        "IN_THE_CLOUD"));
    c.add(new Case("cli: --resume with --overwrite", d -> { }, 2, "train", "--resume",
        "--overwrite"));
    c.add(new Case("cli: unknown shard format", d -> { }, 2, "prepare", "--format", "csv"));
    c.add(new Case("cli: zero shards", d -> { }, 2, "prepare", "--shards", "0"));
    return c.stream().map(Arguments::of);
  }

  /**
   * A case of broken prepared data: which split it breaks (the split evaluate and predict are
   * pointed at), how, and a fragment that every reader's one-line message must hold.
   */
  record DataCase(String name, String split, String message, Breaker breaker) {
    @Override
    public String toString() {
      return name;
    }
  }

  /** Every command and engine that reads prepared data ({@code report} reads the test split). */
  static final List<String> READERS = List.of("train --engine spark", "train --engine local",
      "evaluate", "predict --engine local", "predict --engine spark", "report");

  static final int RECORD = BinaryShardCodec.recordSize(28, 28);

  static List<DataCase> dataCases() {
    List<DataCase> c = new ArrayList<>();
    // shards (the copy of the prepared folder is "data")
    c.add(new DataCase("shard: one flipped byte (checksum)", "train", "checksum differs",
        d -> flipByte(d.resolve("data/train/part-00001.bin"), 5000)));
    c.add(new DataCase("shard: missing", "train", "missing shard",
        d -> Files.delete(d.resolve("data/train/part-00000.bin"))));
    c.add(new DataCase("shard: truncated", "test", "bytes, the manifest says",
        d -> truncate(d.resolve("data/test/part-00000.bin"), 1000)));
    c.add(new DataCase("shard: header of another format", "train", "checksum differs",
        d -> flipByte(d.resolve("data/train/part-00000.bin"), 0)));
    c.add(new DataCase("shard: header of another format (checksum updated)", "train",
        "not a binary shard", d -> {
          flipByte(d.resolve("data/train/part-00000.bin"), 0);
          updateCrc(d.resolve("data"), "train", 0);
        }));
    c.add(new DataCase("shard: label 10 (checksum updated)", "train",
        "part-00001.bin: record 7 has label 10, outside 0-9", d -> {
          putInt(d.resolve("data/train/part-00001.bin"), BinaryShardCodec.HEADER_SIZE
              + 7L * RECORD, 10);
          updateCrc(d.resolve("data"), "train", 1);
        }));
    c.add(new DataCase("shard: label -1 (checksum updated)", "test",
        "part-00000.bin: record 0 has label -1", d -> {
          putInt(d.resolve("data/test/part-00000.bin"), BinaryShardCodec.HEADER_SIZE, -1);
          updateCrc(d.resolve("data"), "test", 0);
        }));
    c.add(new DataCase("shard: NaN pixel (checksum updated)", "train",
        "part-00000.bin: record 3 has pixel 400 = NaN", d -> {
          putInt(d.resolve("data/train/part-00000.bin"), BinaryShardCodec.HEADER_SIZE
              + 3L * RECORD + 8 + 4 * 400, Float.floatToRawIntBits(Float.NaN));
          updateCrc(d.resolve("data"), "train", 0);
        }));
    c.add(new DataCase("shard: infinite pixel (checksum updated)", "test",
        "part-00000.bin: record 199 has pixel 0 = Infinity", d -> {
          putInt(d.resolve("data/test/part-00000.bin"), BinaryShardCodec.HEADER_SIZE
              + 199L * RECORD + 8, Float.floatToRawIntBits(Float.POSITIVE_INFINITY));
          updateCrc(d.resolve("data"), "test", 0);
        }));
    c.add(new DataCase("shard: a label that the class histogram does not count (checksum "
        + "updated)", "train", "the manifest's class_histogram says", d -> {
          Path f = d.resolve("data/train/part-00000.bin");
          long at = BinaryShardCodec.HEADER_SIZE;
          putInt(f, at, (getInt(f, at) + 1) % 10);
          updateCrc(d.resolve("data"), "train", 0);
        }));
    // manifests
    c.add(new DataCase("manifest: not JSON", "train", "invalid JSON",
        d -> Files.writeString(d.resolve("data/train").resolve(Manifest.FILE_NAME),
            "{ not json")));
    c.add(new DataCase("manifest: missing", "test", "missing " + Manifest.FILE_NAME,
        d -> Files.delete(d.resolve("data/test").resolve(Manifest.FILE_NAME))));
    c.add(new DataCase("manifest: counts do not add up", "train", "the manifest announces 601",
        d -> editJson(d.resolve("data"), "train", m -> m.put("count", 601))));
    c.add(new DataCase("manifest: shard name escapes the folder", "train",
        "invalid shard file name ../part-00000.bin",
        d -> editManifest(d.resolve("data"), "train", "part-00000.bin", "../part-00000.bin")));
    c.add(new DataCase("manifest: shard name with a colon", "train",
        "invalid shard file name part:00000.bin",
        d -> editManifest(d.resolve("data"), "train", "part-00000.bin", "part:00000.bin")));
    c.add(new DataCase("manifest: shard listed twice", "train", "a name listed once",
        d -> editManifest(d.resolve("data"), "train", "part-00001.bin", "part-00000.bin")));
    c.add(new DataCase("manifest: unknown format", "train", "unknown shard format",
        d -> editJson(d.resolve("data"), "train", m -> m.put("format", "csv"))));
    c.add(new DataCase("manifest: unsupported version", "test", "unsupported manifest version",
        d -> editJson(d.resolve("data"), "test", m -> m.put("format_version", 9))));
    c.add(new DataCase("manifest: shape with a 0", "train", "field shape is [1, 0, 28]",
        d -> editJson(d.resolve("data"), "train", m -> m.putArray("shape").add(1).add(0)
            .add(28))));
    c.add(new DataCase("manifest: shape of rank 2", "test", "field shape is [28, 28]",
        d -> editJson(d.resolve("data"), "test", m -> m.putArray("shape").add(28).add(28))));
    c.add(new DataCase("manifest: negative count", "train", "field count is -600",
        d -> editJson(d.resolve("data"), "train", m -> m.put("count", -600))));
    c.add(new DataCase("manifest: negative shard count", "train",
        "field shards[0].count is -1", d -> editJson(d.resolve("data"), "train",
            m -> ((ObjectNode) m.get("shards").get(0)).put("count", -1))));
    c.add(new DataCase("manifest: normalisation std 0", "train",
        "field normalization.std is 0.0", d -> editJson(d.resolve("data"), "train",
            m -> ((ObjectNode) m.get("normalization")).put("std", 0.0))));
    c.add(new DataCase("manifest: normalisation mean NaN", "test",
        "field normalization.mean is NaN", d -> editJson(d.resolve("data"), "test",
            m -> ((ObjectNode) m.get("normalization")).put("mean", "NaN"))));
    c.add(new DataCase("manifest: class histogram of 11 classes", "train",
        "field class_histogram is", d -> editJson(d.resolve("data"), "train",
            m -> ((ArrayNode) m.get("class_histogram")).add(0))));
    c.add(new DataCase("manifest: negative class count", "test",
        "field class_histogram is", d -> editJson(d.resolve("data"), "test", m -> {
          ArrayNode h = (ArrayNode) m.get("class_histogram");
          h.set(0, h.get(0).asLong() + 5);
          h.set(1, -5);
        })));
    // the data folder
    c.add(new DataCase("data: no _SUCCESS (unfinished prepare)", "test", "_SUCCESS",
        d -> Files.delete(d.resolve("data/_SUCCESS"))));
    c.add(new DataCase("data: splits with different normalisations", "test", "normalis",
        d -> editManifest(d.resolve("data"), "test", "\"mean\" : 0.", "\"mean\" : 0.5")));
    return c;
  }

  static Stream<Arguments> dataCorpus() {
    List<Arguments> out = new ArrayList<>();
    for (DataCase c : dataCases()) {
      for (String reader : READERS) {
        if (reader.equals("report") && !c.split().equals("test")) {
          continue;
        }
        out.add(Arguments.of(c, reader));
      }
    }
    return out.stream();
  }

  /**
   * Every case of broken prepared data through every reader: train on the default Spark engine
   * and on the local engine, evaluate, predict in one process and on Spark, and report (its
   * misclassified digits, for the cases that break the test split); the same exit code, the
   * same cause in one line, and nothing published.
   */
  @ParameterizedTest(name = "{0} / {1}")
  @MethodSource("dataCorpus")
  void badDataIsRefusedTheSameWayByEveryReader(DataCase c, String reader) throws IOException {
    Path d = Files.createTempDirectory(tmp, "data");
    copyTree(goodData, d.resolve("data"));
    c.breaker().breakIn(d);
    Path out = d.resolve("out");
    Path preds = out.resolve("predictions.csv");
    List<String> args = new ArrayList<>(List.of(reader.split(" ")));
    switch (args.get(0)) {
      case "train" -> args.addAll(List.of("--data", d.resolve("data").toString(), "--output",
          out.toString(), "--epochs", "1", "--workers", "2"));
      case "evaluate" -> args.addAll(List.of("--model", goodModel.toString(), "--data",
          d.resolve("data").toString(), "--split", c.split()));
      case "report" -> args.addAll(List.of("--run", goodModel.getParent().toString(), "--data",
          d.resolve("data").toString(), "--out", out.toString()));
      default -> args.addAll(List.of("--model", goodModel.toString(), "--input",
          d.resolve("data").toString(), "--split", c.split(), "--output", preds.toString()));
    }
    if (reader.endsWith("spark")) {
      args.addAll(List.of("--master", "local[2]"));
    }
    CliRun r = assertTimeoutPreemptively(Duration.ofSeconds(180),
        () -> CliRun.of(args.toArray(String[]::new)));
    String what = c.name() + " / " + reader + ": " + r.err();
    assertEquals(ExitCodes.BAD_INPUT, r.code(), what);
    String[] lines = r.errorLines().split("\n");
    assertTrue(lines[0].startsWith("error: "), what);
    assertTrue(lines[0].contains(c.message()), "'" + c.message() + "' in " + lines[0]);
    assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    assertFalse(Files.exists(out.resolve("_SUCCESS")), "no _SUCCESS: " + what);
    assertFalse(Files.exists(out.resolve("model.zip")), "no model.zip: " + what);
    assertFalse(Files.exists(preds), "no predictions: " + what);
    assertFalse(Files.exists(out.resolve("index.html")), "no report: " + what);
  }

  /** Rewrites the CRC32 of shard {@code index} of a split in its manifest after an edit. */
  static void updateCrc(Path data, String split, int index) throws IOException {
    Path shard = data.resolve(split).resolve(String.format("part-%05d.bin", index));
    CRC32 crc = new CRC32();
    crc.update(Files.readAllBytes(shard));
    String hex = String.format("%08x", crc.getValue());
    editJson(data, split, m -> ((ObjectNode) m.get("shards").get(index)).put("crc32", hex));
  }

  /** Edits a split's manifest as a JSON tree. */
  static void editJson(Path data, String split, Consumer<ObjectNode> edit) throws IOException {
    Path m = data.resolve(split).resolve(Manifest.FILE_NAME);
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode tree = (ObjectNode) mapper.readTree(m.toFile());
    edit.accept(tree);
    mapper.writerWithDefaultPrettyPrinter().writeValue(m.toFile(), tree);
  }

  static void putInt(Path f, long at, int v) throws IOException {
    try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "rw")) {
      r.seek(at);
      r.writeInt(Integer.reverseBytes(v));
    }
  }

  static int getInt(Path f, long at) throws IOException {
    try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "r")) {
      r.seek(at);
      return Integer.reverseBytes(r.readInt());
    }
  }

  static byte[] filled(int n, byte v) {
    byte[] b = new byte[n];
    Arrays.fill(b, v);
    return b;
  }

  static void deleteTree(Path p) throws IOException {
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corpus")
  void badInputGivesOneLineErrorAndDocumentedExitCode(Case c) throws IOException {
    Path d = Files.createTempDirectory(tmp, "case");
    copyTree(goodIdx, d.resolve("in"));
    copyTree(goodData, d.resolve("data"));
    Files.copy(goodModel, d.resolve("model.zip"));
    c.breaker().breakIn(d);
    Path out = d.resolve("out");
    List<String> args = new ArrayList<>(List.of(c.args()));
    switch (c.args()[0]) {
      case "prepare" -> args.addAll(List.of("--input", d.resolve("in").toString(), "--output",
          out.toString(), "--master", "local[1]"));
      case "train" -> args.addAll(List.of("--data", d.resolve("data").toString(), "--output",
          out.toString(), "--engine", "local", "--epochs", "1"));
      default -> args.addAll(List.of("--model", d.resolve("model.zip").toString(), "--data",
          d.resolve("data").toString()));
    }
    CliRun r = assertTimeoutPreemptively(Duration.ofSeconds(120),
        () -> CliRun.of(args.toArray(String[]::new)));
    assertEquals(c.expected(), r.code(), c.name() + ": " + r.err());
    String[] lines = r.errorLines().split("\n");
    assertTrue(lines[0].startsWith("error: ") && lines[0].length() > 12, r.err());
    assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    assertFalse(Files.exists(out.resolve("_SUCCESS")), "no complete-looking output");
    if (c.args()[0].equals("prepare")) {
      assertFalse(Files.exists(out), "prepare left nothing behind");
    }
  }
}
