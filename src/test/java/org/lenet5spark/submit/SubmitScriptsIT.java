package org.lenet5spark.submit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.lenet5spark.cli.Lenet5Cli;

/**
 * The submit scripts' {@code --dry-run}: each prints one shell-quoted command whose Spark settings
 * are exactly the active lines of the conf template it reads (cluster scripts as {@code --conf},
 * local.sh as {@code -Dspark.*} minus the driver's own settings), plus the GPU request with
 * {@code --gpus}; options before "--" reach spark-submit, the CLI command after it parses. An IT
 * because local.sh needs the packaged jars.
 */
class SubmitScriptsIT {
  private static final Path CLUSTER = Path.of("conf", "spark-defaults.cluster.conf.template");
  private static final Path LOCAL = Path.of("conf", "spark-defaults.local.conf.template");

  @Test
  void clusterScriptsPassTheClusterTemplate() throws Exception {
    Map<String, String> template = template(CLUSTER);
    assertTrue(template.containsKey("spark.kryo.registrator"));
    List<List<String>> runs = List.of(
        List.of("submit/standalone.sh", "--master", "spark://h:7077", "--dry-run",
            "--num-executors", "3"),
        List.of("submit/yarn.sh", "--deploy-mode", "client", "--dry-run", "--num-executors",
            "3"),
        List.of("submit/yarn.sh", "--dry-run", "--num-executors", "3"),
        List.of("submit/k8s.sh", "--master", "k8s://https://k:6443", "--image", "r/l:1",
            "--dry-run", "--num-executors", "3"));
    for (List<String> run : runs) {
      List<String> words = dryRun(run, "train", "--data", "hdfs:///d", "--output", "hdfs:///o");
      Map<String, String> confs = confs(words);
      for (Map.Entry<String, String> e : template.entrySet()) {
        assertEquals(e.getValue(), confs.get(e.getKey()), run + ": " + e.getKey());
      }
      confs.keySet().removeAll(template.keySet());
      confs.keySet().removeIf(k -> k.startsWith("spark.kubernetes."));
      assertEquals(Map.of(), confs, run + " adds settings that are not in the template");
      assertEquals("org.lenet5spark.cli.Lenet5Cli", words.get(words.indexOf("--class") + 1));
      assertTrue(words.get(0).endsWith("spark-submit"), words.get(0));
      int jar = indexOfJar(words);
      assertTrue(words.subList(0, jar).contains("--num-executors"), "pass-through: " + words);
      List<String> cli = words.subList(jar + 1, words.size());
      assertEquals("--defaults", cli.get(0));
      assertEquals("train", Lenet5Cli.newCommandLine().parseArgs(cli.toArray(String[]::new))
          .subcommand().commandSpec().name());
    }
  }

  @Test
  void gpusAreRequestedTheSpark3Way() throws Exception {
    List<String> words = dryRun(List.of("submit/yarn.sh", "--gpus", "2", "--dry-run"),
        "train", "--data", "d", "--output", "o");
    Map<String, String> confs = confs(words);
    assertEquals("2", confs.get("spark.executor.resource.gpu.amount"));
    assertFalse(confs.containsKey("spark.task.resource.gpu.amount"),
        "no global GPU per task: only the training stages take one (stage-level scheduling)");
    assertEquals("./gpu-discovery.sh", confs.get("spark.executor.resource.gpu.discoveryScript"));
    assertTrue(words.get(words.indexOf("--files") + 1).contains("submit/gpu-discovery.sh"));
    List<String> standalone = dryRun(List.of("submit/standalone.sh", "--master",
        "spark://h:7077", "--gpus", "1", "--dry-run"), "train", "--data", "d", "--output", "o");
    assertEquals(Path.of("submit", "gpu-discovery.sh").toAbsolutePath().toString(),
        confs(standalone).get("spark.executor.resource.gpu.discoveryScript"));
  }

  @Test
  void localScriptPassesTheLocalTemplate() throws Exception {
    List<String> words = dryRun(List.of("submit/local.sh", "--dry-run"), "train", "--help");
    Map<String, String> props = new LinkedHashMap<>();
    for (String w : words) {
      if (w.startsWith("-Dspark.")) {
        int eq = w.indexOf('=');
        props.put(w.substring(2, eq), w.substring(eq + 1));
      }
    }
    Map<String, String> expected = template(LOCAL);
    expected.keySet().removeIf(k -> k.startsWith("spark.driver."));
    assertEquals(expected, props);
    assertTrue(words.contains("-XX:MaxVectorSize=32"), "the driver JVM (where local mode"
        + " trains) gets the kernels' vector width: " + words);
    assertTrue(template(LOCAL).get("spark.executor.extraJavaOptions")
        .contains("-XX:MaxVectorSize=32"));
    assertEquals(List.of("org.lenet5spark.cli.Lenet5Cli", "train", "--help"),
        words.subList(words.size() - 3, words.size()));
  }

  @Test
  void missingCommandIsAUsageError() throws Exception {
    Process p = new ProcessBuilder("submit/yarn.sh", "--dry-run").redirectErrorStream(true)
        .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(2, p.exitValue(), out);
    assertTrue(out.startsWith("error: "), out);
  }

  /** The active "key value" lines of a spark-defaults file. */
  static Map<String, String> template(Path file) throws IOException {
    Map<String, String> m = new LinkedHashMap<>();
    for (String line : Files.readAllLines(file)) {
      String l = line.strip();
      if (l.isEmpty() || l.startsWith("#")) {
        continue;
      }
      String[] kv = l.split("\\s+", 2);
      m.put(kv[0], kv[1].strip());
    }
    return m;
  }

  private static Map<String, String> confs(List<String> words) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < words.size() - 1; i++) {
      if (words.get(i).equals("--conf")) {
        String kv = words.get(i + 1);
        int eq = kv.indexOf('=');
        m.put(kv.substring(0, eq), kv.substring(eq + 1));
      }
    }
    return m;
  }

  private static int indexOfJar(List<String> words) {
    for (int i = 0; i < words.size(); i++) {
      if (words.get(i).endsWith("lenet5-spark-app.jar")) {
        return i;
      }
    }
    throw new AssertionError("no application jar in " + words);
  }

  /** Runs a script with --dry-run and splits its one printed line as bash would. */
  static List<String> dryRun(List<String> script, String... cli) throws Exception {
    List<String> cmd = new ArrayList<>(script);
    if (!script.get(0).endsWith("local.sh")) {
      cmd.add("--");
    }
    cmd.addAll(List.of(cli));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    List<String> lines = out.lines().toList();
    assertEquals(1, lines.size(), "one line: " + out);
    Process split = new ProcessBuilder("bash", "-c",
        "eval \"words=($1)\"; printf '%s\\n' \"${words[@]}\"", "split", lines.get(0)).start();
    String words = new String(split.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(split.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, split.exitValue());
    return words.lines().toList();
  }
}
