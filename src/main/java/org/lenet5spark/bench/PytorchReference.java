package org.lenet5spark.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.lenet5spark.io.Json;

/**
 * Runs {@code bench/pytorch_lenet5.py} (PyTorch CPU, Debian's {@code python3-torch}) on the same
 * binary shards right after the DL4J measurements, so ratios come from one sitting.
 */
public final class PytorchReference {
  private PytorchReference() {
  }

  /** Debian's python3 (which has python3-torch) unless LENET5_PYTHON names another. */
  static String python() {
    String env = System.getenv("LENET5_PYTHON");
    if (env != null && !env.isBlank()) {
      return env;
    }
    return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
  }

  /** The script's JSON result, or a map with an "error" when PyTorch cannot run here. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> run(Path script, Path binaryShards, int batchSize,
      int epochs, int threads) throws IOException, InterruptedException {
    Path log = Files.createTempFile("pytorch-", ".log");
    Process p = new ProcessBuilder(List.of(python(), script.toString(), "--data",
        binaryShards.toString(), "--batch-size", String.valueOf(batchSize), "--epochs",
        String.valueOf(epochs), "--threads", String.valueOf(threads)))
        .redirectError(log.toFile())
        .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.MINUTES) || p.exitValue() != 0) {
      String err = Files.readString(log);
      return Map.of("error", "pytorch reference failed: " + err.strip()
          .lines().reduce((a, b) -> b).orElse("exit " + p.exitValue()));
    }
    return Json.parse(out.strip(), Map.class, script.toString());
  }
}
