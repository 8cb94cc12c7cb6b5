package org.lenet5spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.model.kernels.VectorWidth;
import org.lenet5spark.testing.CliRun;

/**
 * {@code doctor}: passes in the test JVM (which has every flag), fails with a one-line fix in a
 * child JVM started without the Java 17 flags, and fails with a one-line fix for an output that
 * cannot be written (a path under a regular file, which fails for root too) or missing data.
 */
class DoctorCommandTest {
  @TempDir
  Path tmp;

  @Test
  void passesInTheTestJvm() throws Exception {
    Path data = preparedLayout("data", "_manifest.json");
    Path out = tmp.resolve("new/run");
    CliRun r = CliRun.of("doctor", "--data", data.toString(), "--output", out.toString());
    assertEquals(ExitCodes.OK, r.code(), r.out() + r.err());
    assertTrue(r.out().contains("jvm flags"), r.out());
    assertTrue(r.out().lines().anyMatch(l -> l.startsWith("output") && l.contains(" OK ")),
        r.out());
    assertTrue(r.out().lines().anyMatch(l -> l.startsWith("spark") && l.contains("3.5.")),
        r.out());
    assertFalse(r.out().contains("FAIL"), r.out());
    assertTrue(r.out().lines().anyMatch(l -> l.startsWith("vector width") && l.contains(" OK ")
        && l.contains("MaxVectorSize=32")), "the tests run with " + VectorWidth.JAVA_OPTION
        + " (pom.xml): " + r.out());
    assertFalse(Files.exists(tmp.resolve("new")), "the probe left folders behind");
  }

  @Test
  void dataWithoutItsManifestsFailsAndAnEarlierVersionsLayoutWarns() throws Exception {
    Path legacy = preparedLayout("legacy", "manifest.json");
    DoctorCommand.Check old = DoctorCommand.dataReachable(legacy.toString());
    assertEquals(DoctorCommand.Status.WARN, old.status(), old.toString());
    assertTrue(old.detail().contains("manifest.json") && old.fix().contains("_manifest.json"),
        old.toString());
    Files.delete(legacy.resolve("test/manifest.json"));
    DoctorCommand.Check missing = DoctorCommand.dataReachable(legacy.toString());
    assertEquals(DoctorCommand.Status.FAIL, missing.status(), missing.toString());
    assertTrue(missing.detail().contains("test") && missing.fix().contains("prepare"),
        missing.toString());
    DoctorCommand.Check current = DoctorCommand.dataReachable(
        preparedLayout("current", "_manifest.json").toString());
    assertEquals(DoctorCommand.Status.OK, current.status(), current.toString());
  }

  /** A folder laid out as 'prepare' leaves it ({@code _SUCCESS}, a manifest per split). */
  private Path preparedLayout(String name, String manifest) throws Exception {
    Path data = tmp.resolve(name);
    for (String split : List.of("train", "test")) {
      Files.createDirectories(data.resolve(split));
      Files.writeString(data.resolve(split).resolve(manifest), "{}");
    }
    Files.createFile(data.resolve("_SUCCESS"));
    return data;
  }

  @Test
  void vectorWidthOverTheTunedOneWarnsWithTheOption() {
    assertEquals(DoctorCommand.Status.OK, DoctorCommand.vectorWidth(32).status());
    assertEquals(DoctorCommand.Status.OK, DoctorCommand.vectorWidth(16).status());
    DoctorCommand.Check wide = DoctorCommand.vectorWidth(64);
    assertEquals(DoctorCommand.Status.WARN, wide.status());
    assertTrue(wide.fix().contains(VectorWidth.JAVA_OPTION), wide.fix());
    assertEquals(DoctorCommand.Status.WARN, DoctorCommand.vectorWidth(-1).status());
  }

  @Test
  void unwritableOutputAndMissingDataFailWithAFix() throws Exception {
    Path file = tmp.resolve("plain-file");
    Files.writeString(file, "x");
    CliRun r = CliRun.of("doctor", "--output", file.resolve("sub").toString(), "--data",
        tmp.resolve("nothing").toString());
    assertEquals(ExitCodes.FAILURE, r.code(), r.out());
    assertTrue(r.out().lines().anyMatch(l -> l.startsWith("output") && l.contains("FAIL")),
        r.out());
    assertEquals(1, fixLines(r.out(), "FAIL output: fix: "));
    assertEquals(1, fixLines(r.out(), "FAIL data: fix: run 'prepare"));
    assertTrue(r.err().startsWith("error: doctor found 2 problem(s)"), r.err());
  }

  @Test
  void missingJvmFlagFailsWithAFix() throws Exception {
    String cp = "target/classes" + File.pathSeparator
        + Files.readString(Path.of("target", "classpath.txt")).trim();
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dorg.eclipse.deeplearning4j.helpers.disable=false", "-cp", cp,
        Lenet5Cli.class.getName(), "doctor"));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(false)
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(3, TimeUnit.MINUTES), "doctor timed out");
    assertEquals(ExitCodes.FAILURE, p.exitValue(), out);
    assertEquals(1, fixLines(out, "FAIL jvm flag java.base/java.lang: fix: add the JVM option "
        + "--add-opens=java.base/java.lang=ALL-UNNAMED"), out);
    assertEquals(1, fixLines(out, "FAIL jvm flag jdk.reflect.useDirectMethodHandle: fix: add "
        + "the JVM option -Djdk.reflect.useDirectMethodHandle=false"), out);
  }

  private static long fixLines(String out, String prefix) {
    return out.lines().filter(l -> l.startsWith(prefix)).count();
  }

  @Test
  void reportsGpuSchedulingDynamicAllocationAndSpeculation() {
    SparkConf conf = new SparkConf(false).setMaster("yarn")
        .set("spark.executor.resource.gpu.amount", "1")
        .set("spark.dynamicAllocation.enabled", "true").set("spark.speculation", "true");
    String t = DoctorCommand.table(DoctorCommand.scheduling(conf));
    assertTrue(t.lines().anyMatch(l -> l.startsWith("gpu scheduling") && l.contains(" OK ")
        && l.contains("stage-level")), t);
    assertTrue(t.lines().anyMatch(l -> l.startsWith("dynamic allocation") && l.contains("WARN")
        && l.contains("train refuses it (exit 2)")), t);
    assertTrue(t.lines().anyMatch(l -> l.startsWith("speculation") && l.contains(" OK ")
        && l.contains("never averaged twice")), t);
    SparkConf local = new SparkConf(false).setMaster("local[2]")
        .set("spark.executor.resource.gpu.amount", "1");
    String l = DoctorCommand.table(DoctorCommand.scheduling(local));
    assertTrue(l.lines().anyMatch(x -> x.startsWith("gpu scheduling") && x.contains("WARN")
        && x.contains("global")), l);
    assertTrue(l.lines().anyMatch(x -> x.startsWith("dynamic allocation") && x.contains("off")),
        l);
  }
}
