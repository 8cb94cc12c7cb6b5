package org.lenet5spark.submit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code submit/gpu-smoke.sh} on this machine, which has no GPU: {@code --dry-run} prints the
 * whole plan (both builds, doctor, the GPU run on {@code local-cluster} with one executor per GPU
 * and no global GPU per task, the CPU run, the checks) and runs none of it; a real run fails at
 * once with one line, whether {@code nvidia-smi} is missing or lists no GPU; a fake
 * {@code nvidia-smi} listing two GPUs sizes the dry run's cluster.
 */
class GpuSmokeScriptTest {
  @TempDir
  Path tmp;

  /** What a run of the script did. */
  private record Result(int code, String out, String err) {
  }

  private Result run(String path, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("bash", "submit/gpu-smoke.sh"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("PATH", path);
    pb.redirectError(tmp.resolve("err.txt").toFile());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "gpu-smoke.sh hung");
    return new Result(p.exitValue(), out, Files.readString(tmp.resolve("err.txt")));
  }

  /** A PATH without nvidia-smi (the system's tools only), or with a fake one first. */
  private String path(String fakeNvidiaSmiOutput) throws Exception {
    if (fakeNvidiaSmiOutput == null) {
      return "/usr/bin:/bin";
    }
    Path bin = Files.createDirectories(tmp.resolve("bin"));
    Path smi = bin.resolve("nvidia-smi");
    Files.writeString(smi, "#!/usr/bin/env bash\nprintf '" + fakeNvidiaSmiOutput + "'\n");
    assertTrue(smi.toFile().setExecutable(true));
    return bin + ":/usr/bin:/bin";
  }

  @Test
  void dryRunPrintsThePlanAndRunsNothing() throws Exception {
    Path out = tmp.resolve("smoke");
    Result r = run(path(null), "--dry-run", "--gpus", "2", "--out", out.toString());
    assertEquals(0, r.code(), r.err());
    String o = r.out();
    assertTrue(o.contains("-DskipTests package\n"), "the CPU build: " + o);
    assertTrue(o.contains("-DskipTests -Pcuda package\n"), "the CUDA build: " + o);
    assertTrue(o.contains("Lenet5Cli doctor --data " + out.resolve("shards")), o);
    assertTrue(o.contains("prepare --input"), o);
    assertTrue(o.contains("train --master local-cluster\\[1\\,4\\,7168\\]"),
        "one worker with two executors of 2 cores: " + o);
    assertTrue(o.contains("-Dspark.worker.resource.gpu.amount=2"), o);
    assertTrue(o.contains("-Dspark.executor.resource.gpu.amount=1"), "one GPU per executor");
    assertTrue(o.contains("--workers 2"), o);
    assertFalse(o.contains("spark.task.resource.gpu.amount"), "stage-level scheduling: " + o);
    assertTrue(o.contains("gpu-smoke-check.py " + out.resolve("run-cuda") + " "
        + out.resolve("run-cpu") + " 2"), o);
    assertFalse(Files.exists(out), "a dry run writes nothing");
  }

  @Test
  void withoutAGpuARealRunFailsWithOneLine() throws Exception {
    for (String smi : new String[] {null, ""}) {
      Result r = run(path(smi), "--out", tmp.resolve("smoke").toString());
      assertEquals(1, r.code(), r.out() + r.err());
      assertEquals("error: no NVIDIA GPU found (nvidia-smi is missing or lists none); run "
          + "gpu-smoke.sh on a machine with NVIDIA GPUs, or use --dry-run", r.err().strip());
      assertEquals("", r.out(), "nothing started");
      assertFalse(Files.exists(tmp.resolve("smoke")));
    }
  }

  @Test
  void theGpusNvidiaSmiListsSizeTheCluster() throws Exception {
    Result r = run(path("0\\n1\\n"), "--dry-run", "--cores", "3", "--out",
        tmp.resolve("s").toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("local-cluster\\[1\\,6\\,7168\\]"), r.out());
    Result usage = run(path(null), "--gpus", "0");
    assertEquals(2, usage.code());
    assertEquals("error: --gpus needs a positive integer, got '0'", usage.err().strip());
  }
}
