package org.lenet5spark.submit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.cli.Lenet5Cli;
import org.lenet5spark.io.Json;
import picocli.CommandLine;

/**
 * submit/airflow/lenet5_dag.py compiles, builds a fetch -> prepare -> train -> evaluate DAG with
 * retries (against a stub of Airflow's DAG and BashOperator, since Airflow is not installed),
 * and every CLI command it would run parses with the real CLI.
 */
class AirflowDagTest {
  private static final Path DAG = Path.of("submit", "airflow", "lenet5_dag.py");

  @TempDir
  Path tmp;

  @Test
  void dagCompiles() throws Exception {
    Path copy = tmp.resolve("lenet5_dag.py");
    Files.copy(DAG, copy);
    Result r = python(List.of("-m", "py_compile", copy.toString()));
    assertEquals(0, r.code(), r.output());
  }

  @Test
  void everyTaskCommandParsesWithTheCli() throws Exception {
    String snippet = String.join("\n",
        "import sys, types, json, shlex, importlib.util",
        "airflow = types.ModuleType('airflow')",
        "ops = types.ModuleType('airflow.operators')",
        "bash = types.ModuleType('airflow.operators.bash')",
        "class DAG:",
        "    current = None",
        "    def __init__(self, **kw):",
        "        self.kw = kw",
        "        self.tasks = []",
        "    def __enter__(self):",
        "        DAG.current = self",
        "        return self",
        "    def __exit__(self, *a):",
        "        DAG.current = None",
        "class BashOperator:",
        "    def __init__(self, task_id, bash_command, **kw):",
        "        self.task_id = task_id",
        "        self.bash_command = bash_command",
        "        self.downstream = []",
        "        DAG.current.tasks.append(self)",
        "    def __rshift__(self, other):",
        "        self.downstream.append(other.task_id)",
        "        return other",
        "airflow.DAG = DAG",
        "bash.BashOperator = BashOperator",
        "sys.modules.update({'airflow': airflow, 'airflow.operators': ops,",
        "                    'airflow.operators.bash': bash})",
        "spec = importlib.util.spec_from_file_location('lenet5_dag', sys.argv[1])",
        "m = importlib.util.module_from_spec(spec)",
        "spec.loader.exec_module(m)",
        "values = dict(m.PARAMS, ds_nodash='20260101')",
        "render = lambda s: m._TEMPLATE.sub(lambda x: values[x.group(2)], s)",
        "print(json.dumps({",
        "  'tasks': [t.task_id for t in m.dag.tasks],",
        "  'downstream': {t.task_id: t.downstream for t in m.dag.tasks},",
        "  'retries': m.dag.kw['default_args']['retries'],",
        "  'params': sorted(m.dag.kw['params']),",
        "  'commands': {s: m.cli_args(s, values) for s in m.ORDER},",
        "  'bash': {t.task_id: shlex.split(render(t.bash_command)) for t in m.dag.tasks}}))");
    Path script = tmp.resolve("inspect.py");
    Files.writeString(script, snippet + "\n");
    Result r = python(List.of(script.toString(), DAG.toAbsolutePath().toString()));
    assertEquals(0, r.code(), r.output());
    String json = r.output().lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow();
    JsonNode dag = Json.mapper().readTree(json);

    assertEquals(List.of("fetch", "prepare", "train", "evaluate"), strings(dag.get("tasks")));
    assertEquals(List.of("prepare"), strings(dag.get("downstream").get("fetch")));
    assertEquals(List.of("train"), strings(dag.get("downstream").get("prepare")));
    assertEquals(List.of("evaluate"), strings(dag.get("downstream").get("train")));
    assertTrue(dag.get("retries").asInt() >= 1);
    assertTrue(strings(dag.get("params")).containsAll(List.of("data_uri", "output_uri")));

    for (String stage : List.of("fetch", "prepare", "train", "evaluate")) {
      List<String> args = strings(dag.get("commands").get(stage));
      assertEquals(stage, args.get(0));
      CommandLine.ParseResult parsed =
          Lenet5Cli.newCommandLine().parseArgs(args.toArray(String[]::new));
      assertEquals(stage, parsed.subcommand().commandSpec().name());
      List<String> words = strings(dag.get("bash").get(stage));
      Path scriptPath = Path.of(words.get(0));
      assertTrue(Files.isExecutable(Path.of("submit").resolve(scriptPath.getFileName())),
          "the DAG calls a missing script: " + scriptPath);
      assertEquals(args, words.subList(words.size() - args.size(), words.size()),
          "the bash command of " + stage + " ends with its CLI arguments");
    }
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  /** Exit code and combined output of a python3 run. */
  record Result(int code, String output) {
  }

  static Result python(List<String> args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add("python3");
    cmd.addAll(args);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("python3 timed out");
    }
    return new Result(p.exitValue(), out);
  }
}
