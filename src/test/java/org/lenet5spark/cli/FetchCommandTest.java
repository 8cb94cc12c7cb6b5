package org.lenet5spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.data.MnistFiles;
import org.lenet5spark.data.MnistFiles.ExpectedFile;
import org.lenet5spark.testing.CliRun;

/**
 * Runs the {@code fetch} subcommand through {@link Lenet5Cli#execute} and checks its exit codes and
 * that a refused fetch leaves nothing in the target folder. Uses the real MNIST spec, so the files
 * written by the test never match it.
 */
final class FetchCommandTest {
  @TempDir
  Path tmp;

  private String out;
  private String err;

  @Test
  void helpExitsZero() {
    assertEquals(ExitCodes.OK, run("fetch", "--help"));
    assertTrue(out.contains("--to"), out);
    assertTrue(out.contains("--mirror"), out);
  }

  @Test
  void missingToIsAUsageError() {
    assertEquals(ExitCodes.USAGE, run("fetch"));
    assertTrue(err.contains("--to"), err);
  }

  @Test
  void badOptionValuesAreUsageErrors() {
    String to = tmp.resolve("mnist").toString();
    assertEquals(ExitCodes.USAGE, run("fetch", "--to", to, "--timeout", "0"));
    assertEquals(ExitCodes.USAGE,
        run("fetch", "--to", to, "--from", tmp.toString(), "--mirror", "https://example.com/"));
    assertEquals(ExitCodes.USAGE, run("fetch", "--to", "hdfs://nn/mnist"));
    assertFalse(Files.exists(tmp.resolve("mnist")));
  }

  @Test
  void wrongLocalFilesExitThreeAndLeaveNothing() throws IOException {
    Path from = Files.createDirectories(tmp.resolve("wrong"));
    for (ExpectedFile f : MnistFiles.MNIST) {
      Files.write(from.resolve(f.name()), ("not " + f.name()).getBytes(StandardCharsets.UTF_8));
    }
    Path target = Files.createDirectories(tmp.resolve("mnist"));
    assertEquals(ExitCodes.BAD_INPUT,
        run("fetch", "--to", target.toString(), "--from", from.toString()));
    assertTrue(err.contains("SHA-256 mismatch"), err);
    assertTrue(err.contains(MnistFiles.MNIST.get(0).name()), err);
    try (Stream<Path> left = Files.list(target)) {
      assertEquals(0, left.count());
    }
    assertEquals("", out);
  }

  @Test
  void nonLoopbackHttpMirrorIsBadInput() {
    Path target = tmp.resolve("mnist");
    assertEquals(ExitCodes.BAD_INPUT,
        run("fetch", "--to", target.toString(), "--mirror", "http://example.com/mnist/"));
    assertTrue(err.contains("refusing http:// mirror"), err);
    assertFalse(Files.exists(target));
  }

  @Test
  void unreachableMirrorExitsOneWithOneLineCause() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Path target = tmp.resolve("mnist");
    assertEquals(ExitCodes.FAILURE, run("fetch", "--to", target.toString(), "--timeout", "5",
        "--no-npm-fallback",
        "--mirror", "http://127.0.0.1:" + port + "/mnist/"));
    String first = err.lines().findFirst().orElse("");
    assertTrue(first.startsWith("error: cannot fetch " + MnistFiles.MNIST.get(0).name()), err);
    assertTrue(first.contains("ConnectException"), err);
    assertFalse(Files.exists(target));
  }

  private int run(String... args) {
    CliRun r = CliRun.of(args);
    out = r.out();
    err = r.err();
    return r.code();
  }
}
