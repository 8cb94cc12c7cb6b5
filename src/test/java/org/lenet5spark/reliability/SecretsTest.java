package org.lenet5spark.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.testing.CliRun;
import org.lenet5spark.testing.SmallData;

/**
 * Secrets in the Hadoop configuration (here an S3 secret key passed the usual way, as a
 * {@code spark.hadoop.*} setting) never reach the job's outputs or its console output.
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
}
