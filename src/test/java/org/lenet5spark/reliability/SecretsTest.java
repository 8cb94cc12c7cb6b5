package org.lenet5spark.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.cli.Lenet5Cli;
import org.lenet5spark.testing.CliRun;
import org.lenet5spark.testing.Java17Flags;
import org.lenet5spark.testing.MiniHdfs;
import org.lenet5spark.testing.SmallData;

/**
 * Secrets never reach the job's outputs, its console lines, its error lines or its logs: a secret
 * key in the Hadoop configuration (passed the usual way, as a {@code spark.hadoop.*} setting), and
 * credentials embedded in a location ({@code hdfs://user:password@host/...},
 * {@code s3a://KEY:SECRET@bucket/...}) on a real in-process HDFS, in this JVM and in a child JVM
 * that logs with the production {@code conf/log4j2.properties}.
 */
class SecretsTest {
  private static final String SECRET = "TopSecret-7f3a9c-DoNotPrint";

  @TempDir
  Path tmp;

  @Test
  void hadoopSecretsStayOutOfRunFilesAndConsole() throws IOException {
    Path data = SmallData.prepare(SmallData.realSubset(tmp.resolve("idx"), 500, 200),
        tmp.resolve("shards"), "binary", 1);
    Path run = tmp.resolve("run");
    System.setProperty("spark.hadoop.fs.s3a.secret.key", SECRET);
    System.setProperty("spark.hadoop.fs.s3a.access.key", SECRET + "-access");
    CliRun r;
    try {
      r = CliRun.of("train", "--data", data.toString(), "--output", run.toString(), "--epochs",
          "1", "--master", "local[1]", "--workers", "1");
    } finally {
      System.clearProperty("spark.hadoop.fs.s3a.secret.key");
      System.clearProperty("spark.hadoop.fs.s3a.access.key");
    }
    assertEquals(0, r.code(), r.err());
    assertFalse(r.out().contains(SECRET) || r.err().contains(SECRET));
    List<Path> files;
    try (Stream<Path> s = Files.walk(run)) {
      files = s.filter(Files::isRegularFile).toList();
    }
    for (Path f : files) {
      byte[] bytes = Files.readAllBytes(f);
      assertFalse(new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1)
          .contains(SECRET), f + " holds the secret");
    }
  }

  /**
   * A training run whose data is read through {@code hdfs://user:password@host} (a real
   * MiniDFSCluster; HDFS ignores the user-info) in a child JVM with the production logging:
   * the password is in none of the run's files (run.json records the location without it), the
   * console or the log lines; a failing run with {@code --verbose} keeps it out of the error line
   * and the stack trace too.
   */
  @Test
  void credentialsInLocationsStayOutOfRunJsonLogsAndErrors() throws Exception {
    Path idx = SmallData.realSubset(tmp.resolve("idx"), 300, 100);
    Path local = SmallData.prepare(idx, tmp.resolve("shards"), "binary", 1);
    try (MiniHdfs hdfs = MiniHdfs.start(tmp.resolve("hdfs"), 0)) {
      hdfs.fs().copyFromLocalFile(new org.apache.hadoop.fs.Path(local.toUri()),
          new org.apache.hadoop.fs.Path(hdfs.root() + "/data"));
      String withCredentials = hdfs.root().replace("hdfs://", "hdfs://alice:" + SECRET + "@")
          + "/data";
      Path run = tmp.resolve("run");
      File log = tmp.resolve("train.log").toFile();
      int code = childCli(log, "train", "--engine", "local", "--data", withCredentials,
          "--output", run.toString(), "--epochs", "1", "--verbose");
      String console = Files.readString(log.toPath(), StandardCharsets.UTF_8);
      assertEquals(0, code, console);
      assertTrue(Files.readString(run.resolve("run.json")).contains("hdfs://***@localhost:"),
          "run.json names the data without the password");
      assertNoSecret(run, console);

      File failed = tmp.resolve("failed.log").toFile();
      code = childCli(failed, "train", "--engine", "local", "--data",
          withCredentials + "-missing", "--output", tmp.resolve("run2").toString(),
          "--epochs", "1", "--verbose");
      String out = Files.readString(failed.toPath(), StandardCharsets.UTF_8);
      assertEquals(3, code, out);
      assertTrue(out.contains("error: data folder does not exist: hdfs://***@localhost:"), out);
      assertTrue(out.contains("\tat "), "the --verbose stack trace is there: " + out);
      assertNoSecret(tmp.resolve("run2"), out);
    }
  }

  /** An S3 location with an access key and a secret (with a '/') in an error line. */
  @Test
  void credentialsOfAnUnreachableLocationStayOutOfTheErrorLine() {
    String secret = "wJalrXUtnFEMI/K7MDENG/" + SECRET;
    for (boolean verbose : List.of(false, true)) {
      List<String> args = new ArrayList<>(List.of("train", "--engine", "local", "--data",
          "s3a://AKIAEXAMPLEKEY:" + secret + "@bucket/data", "--output",
          tmp.resolve("s3run").toString(), "--epochs", "1"));
      if (verbose) {
        args.add("--verbose");
      }
      CliRun r = CliRun.of(args.toArray(String[]::new));
      assertEquals(3, r.code(), r.err());
      assertTrue(r.errorLines().contains("s3a://***@bucket/data"), r.err());
      assertFalse(r.err().contains(SECRET) || r.out().contains(SECRET)
          || r.err().contains("AKIAEXAMPLEKEY"), r.err());
    }
  }

  private void assertNoSecret(Path run, String console) throws IOException {
    assertFalse(console.contains(SECRET), "console/log lines hold the secret: " + console);
    if (!Files.exists(run)) {
      return;
    }
    try (Stream<Path> s = Files.walk(run)) {
      for (Path f : s.filter(Files::isRegularFile).toList()) {
        assertFalse(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1)
            .contains(SECRET), f + " holds the secret");
      }
    }
  }

  /** Runs the CLI in a child JVM that logs with conf/log4j2.properties; returns its exit code. */
  private static int childCli(File log, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(Java17Flags.read());
    cmd.addAll(List.of("-Xmx1g", "-Dlog4j2.configurationFile="
        + Path.of("conf", "log4j2.properties").toAbsolutePath(), "-cp",
        System.getProperty("java.class.path"), Lenet5Cli.class.getName()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log);
    pb.environment().put("OMP_NUM_THREADS", "1");
    Process p = pb.start();
    if (!p.waitFor(300, java.util.concurrent.TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("child JVM did not finish: " + Files.readString(log.toPath()));
    }
    return p.exitValue();
  }
}
