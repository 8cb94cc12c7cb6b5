package org.lenet5spark.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.lenet5spark.io.Json;

/**
 * What tests read from a run folder (metrics.jsonl rows, run.json) and the fingerprint of a
 * validation split recomputed from its indices by the documented rule (SHA-256 of one index per
 * line), independently of the job's own code for it.
 */
public final class RunFiles {
  private RunFiles() {
  }

  /** The rows of {@code run}/metrics.jsonl, in order. */
  public static List<JsonNode> metrics(Path run) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
      out.add(Json.mapper().readTree(line));
    }
    return out;
  }

  /** {@code run}/run.json. */
  public static JsonNode runJson(Path run) throws IOException {
    return Json.mapper().readTree(run.resolve("run.json").toFile());
  }

  /** SHA-256, in hex, of the ascending indices written one per line. */
  public static String sha256OfLines(int[] sorted) throws GeneralSecurityException {
    StringBuilder sb = new StringBuilder();
    for (int i : sorted) {
      sb.append(i).append('\n');
    }
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
        .digest(sb.toString().getBytes(StandardCharsets.UTF_8)));
  }
}
