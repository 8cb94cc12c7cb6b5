package org.lenet5spark.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.lenet5spark.cli.ExitCodes;
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
    Path m = dir.resolve(split + "/_manifest.json");
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
    // shards and manifests, read by train (the copy of the prepared folder is "data")
    c.add(new Case("shard: one flipped byte (checksum)",
        d -> flipByte(d.resolve("data/train/part-00001.bin"), 5000), 3, "train"));
    c.add(new Case("shard: missing", d -> Files.delete(d.resolve("data/train/part-00000.bin")),
        3, "train"));
    c.add(new Case("shard: truncated", d -> truncate(d.resolve("data/test/part-00000.bin"),
        1000), 3, "train"));
    c.add(new Case("shard: header of another format", d -> {
      Path f = d.resolve("data/train/part-00000.bin");
      flipByte(f, 0);
    }, 3, "train"));
    c.add(new Case("manifest: not JSON", d -> Files.writeString(
        d.resolve("data/train/_manifest.json"), "{ not json"), 3, "train"));
    c.add(new Case("manifest: missing", d -> Files.delete(d.resolve("data/test/_manifest.json")),
        3, "train"));
    c.add(new Case("manifest: counts do not add up",
        d -> editManifest(d.resolve("data"), "train", "\"count\" : 600", "\"count\" : 601"), 3,
        "train"));
    c.add(new Case("manifest: shard name escapes the folder",
        d -> editManifest(d.resolve("data"), "train", "part-00000.bin", "../part-00000.bin"), 3,
        "train"));
    c.add(new Case("manifest: unknown format",
        d -> editManifest(d.resolve("data"), "train", "\"format\" : \"binary\"",
            "\"format\" : \"csv\""), 3, "train"));
    c.add(new Case("manifest: unsupported version",
        d -> editManifest(d.resolve("data"), "test", "\"format_version\" : 1",
            "\"format_version\" : 9"), 3, "train"));
    c.add(new Case("data: no _SUCCESS (unfinished prepare)",
        d -> Files.delete(d.resolve("data/_SUCCESS")), 3, "train"));
    c.add(new Case("data: splits with different normalisations",
        d -> editManifest(d.resolve("data"), "test", "\"mean\" : 0.", "\"mean\" : 0.5"), 3,
        "train"));
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
