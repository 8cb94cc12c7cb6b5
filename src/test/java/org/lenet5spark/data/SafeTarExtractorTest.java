package org.lenet5spark.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.errors.BadInputException;

/** Checks that {@link SafeTarExtractor} extracts plain archives and refuses every escape. */
final class SafeTarExtractorTest {
  private static final byte[] HELLO = "hello".getBytes(StandardCharsets.UTF_8);

  @TempDir
  Path tmp;

  @Test
  void extractsFilesAndFolders() throws IOException {
    Path archive = tmp.resolve("ok.tgz");
    byte[] big = new byte[200_000];
    for (int i = 0; i < big.length; i++) {
      big[i] = (byte) (i * 31);
    }
    try (TestArchives a = TestArchives.create(archive)) {
      a.folder("package").folder("package/data").file("package/data/a.bin", big)
          .file("./package/readme.txt", HELLO).folder("package/empty");
    }
    Path dest = tmp.resolve("dest");
    SafeTarExtractor.Result r = new SafeTarExtractor().extract(archive, dest);
    assertEquals(2, r.files());
    assertEquals(3, r.folders());
    assertEquals(0, r.skipped());
    assertEquals(big.length + HELLO.length, r.bytes());
    assertArrayEquals(big, Files.readAllBytes(dest.resolve("package/data/a.bin")));
    assertArrayEquals(HELLO, Files.readAllBytes(dest.resolve("package/readme.txt")));
    assertTrue(Files.isDirectory(dest.resolve("package/empty")));
  }

  @Test
  void refusesParentEscape() throws IOException {
    Path archive = tmp.resolve("evil.tgz");
    try (TestArchives a = TestArchives.create(archive)) {
      a.file("package/ok.txt", HELLO).file("package/../../evil", HELLO);
    }
    Path dest = tmp.resolve("dest");
    BadInputException e = assertThrows(BadInputException.class,
        () -> new SafeTarExtractor().extract(archive, dest));
    assertTrue(e.getMessage().contains("'package/../../evil'"), e.getMessage());
    assertTrue(e.getMessage().contains("leaves the destination"), e.getMessage());
    assertFalse(Files.exists(tmp.resolve("evil")));
  }

  @Test
  void refusesAbsoluteEntries() throws IOException {
    Path outside = tmp.resolve("outside.txt");
    for (String name : new String[] {"/etc/x", outside.toString()}) {
      Path archive = tmp.resolve("abs.tgz");
      try (TestArchives a = TestArchives.create(archive)) {
        a.file(name, HELLO);
      }
      BadInputException e = assertThrows(BadInputException.class,
          () -> new SafeTarExtractor().extract(archive, tmp.resolve("dest")));
      assertTrue(e.getMessage().contains("'" + name + "' has an absolute path"), e.getMessage());
    }
    assertFalse(Files.exists(outside));
    assertFalse(Files.exists(Path.of("/etc/x")));
  }

  @Test
  void refusesLinksThatLeave() throws IOException {
    String[][] cases = {
        {"sym", "package/passwd", "/etc/passwd"},
        {"sym", "package/up", "../../outside.txt"},
        {"hard", "package/hard", "../outside.txt"},
        {"hard", "package/hardabs", "/etc/passwd"},
    };
    for (String[] c : cases) {
      Path archive = tmp.resolve("links.tgz");
      try (TestArchives a = TestArchives.create(archive)) {
        a.file("package/ok.txt", HELLO);
        if (c[0].equals("sym")) {
          a.symlink(c[1], c[2]);
        } else {
          a.hardLink(c[1], c[2]);
        }
      }
      Path dest = tmp.resolve("dest-" + c[1].replace('/', '_'));
      BadInputException e = assertThrows(BadInputException.class,
          () -> new SafeTarExtractor().extract(archive, dest));
      assertTrue(e.getMessage().contains("'" + c[1] + "'"), e.getMessage());
      assertTrue(e.getMessage().contains("'" + c[2] + "'"), e.getMessage());
      assertFalse(Files.exists(dest.resolve(c[1]), LinkOption.NOFOLLOW_LINKS));
    }
    assertFalse(Files.exists(tmp.resolve("outside.txt")));
  }

  @Test
  void skipsLinksThatStayInside() throws IOException {
    Path archive = tmp.resolve("inner.tgz");
    try (TestArchives a = TestArchives.create(archive)) {
      a.file("package/data/a.txt", HELLO).symlink("package/data/b.txt", "a.txt")
          .symlink("package/c.txt", "data/../data/a.txt").hardLink("package/d.txt",
              "package/data/a.txt");
    }
    Path dest = tmp.resolve("dest");
    SafeTarExtractor.Result r = new SafeTarExtractor().extract(archive, dest);
    assertEquals(1, r.files());
    assertEquals(3, r.skipped());
    try (Stream<Path> all = Files.walk(dest)) {
      assertEquals(1, all.filter(p -> Files.isSymbolicLink(p) || Files.isRegularFile(p)).count());
    }
  }

  @Test
  void refusesWritingThroughExistingLinkOutside() throws IOException {
    Path dest = Files.createDirectories(tmp.resolve("dest"));
    Path outsideDir = Files.createDirectories(tmp.resolve("elsewhere"));
    Files.createSymbolicLink(dest.resolve("sub"), outsideDir);
    Path archive = tmp.resolve("through.tgz");
    try (TestArchives a = TestArchives.create(archive)) {
      a.file("sub/file.txt", HELLO);
    }
    BadInputException e = assertThrows(BadInputException.class,
        () -> new SafeTarExtractor().extract(archive, dest));
    assertTrue(e.getMessage().contains("'sub/file.txt'"), e.getMessage());
    assertFalse(Files.exists(outsideDir.resolve("file.txt")));
  }

  @Test
  void capsBytesAndEntries() throws IOException {
    Path archive = tmp.resolve("big.tgz");
    try (TestArchives a = TestArchives.create(archive)) {
      a.file("a.bin", new byte[600]).file("b.bin", new byte[600]).file("c.bin", new byte[10]);
    }
    BadInputException bytes = assertThrows(BadInputException.class,
        () -> new SafeTarExtractor(1000, 100).extract(archive, tmp.resolve("d1")));
    assertTrue(bytes.getMessage().contains("more than 1000 bytes"), bytes.getMessage());
    assertTrue(bytes.getMessage().contains("'b.bin'"), bytes.getMessage());
    BadInputException entries = assertThrows(BadInputException.class,
        () -> new SafeTarExtractor(1 << 20, 2).extract(archive, tmp.resolve("d2")));
    assertTrue(entries.getMessage().contains("more than 2 entries"), entries.getMessage());
    assertEquals(3, new SafeTarExtractor(1210, 3).extract(archive, tmp.resolve("d3")).files());
  }

  @Test
  void refusesNonGzipAndTruncatedArchives() throws IOException {
    Path notGzip = tmp.resolve("plain.tgz");
    Files.write(notGzip, "this is not an archive".getBytes(StandardCharsets.UTF_8));
    BadInputException e = assertThrows(BadInputException.class,
        () -> new SafeTarExtractor().extract(notGzip, tmp.resolve("d1")));
    assertTrue(e.getMessage().contains("not a gzip-compressed tar archive"), e.getMessage());

    Path good = tmp.resolve("good.tgz");
    byte[] noise = new byte[100_000];
    new Random(7).nextBytes(noise);
    try (TestArchives a = TestArchives.create(good)) {
      a.file("noise.bin", noise);
    }
    byte[] all = Files.readAllBytes(good);
    Path truncated = tmp.resolve("truncated.tgz");
    Files.write(truncated, Arrays.copyOf(all, all.length / 2));
    assertThrows(BadInputException.class,
        () -> new SafeTarExtractor().extract(truncated, tmp.resolve("d2")));
  }

  /**
   * An extraction that outlasts the time limit is refused and stopped: nothing more is written
   * after the refusal (the worker thread is interrupted).
   */
  @Test
  void extractionThatOutlastsTheTimeLimitIsRefusedAndStopped() throws Exception {
    Path archive = tmp.resolve("many.tgz");
    try (TestArchives a = TestArchives.create(archive)) {
      for (int i = 0; i < 3000; i++) {
        a.file("package/f" + i + ".txt", HELLO);
      }
    }
    Path dest = tmp.resolve("dest");
    BadInputException e = assertThrows(BadInputException.class,
        () -> new SafeTarExtractor(1L << 30, 10_000, java.time.Duration.ofMillis(1))
            .extract(archive, dest));
    assertTrue(e.getMessage().contains("did not finish within"), e.getMessage());
    long now = countFiles(dest);
    Thread.sleep(500);
    assertEquals(now, countFiles(dest), "the extraction went on after the refusal");
    assertTrue(now < 3000, "stopped before the end: " + now);
    assertEquals(3000, new SafeTarExtractor().extract(archive, tmp.resolve("d2")).files());
  }

  private static long countFiles(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return 0;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).count();
    }
  }
}
