package org.lenet5spark.submit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each submit script's {@code --help} is exactly its header comment (the lines after {@code #!}
 * up to the first line that is not a comment), whatever its length: the help cannot drift from
 * the header, nor print code when the header grows or shrinks.
 */
class ScriptHelpTest {
  @ParameterizedTest
  @ValueSource(strings = {"quickstart.sh", "standalone.sh", "yarn.sh", "k8s.sh",
      "gpu-smoke.sh"})
  void helpIsTheWholeHeader(String script) throws Exception {
    Path file = Path.of("submit", script);
    List<String> expected = new ArrayList<>();
    List<String> lines = Files.readAllLines(file);
    for (String line : lines.subList(1, lines.size())) {
      if (!line.startsWith("#")) {
        break;
      }
      expected.add(line.replaceFirst("^# ?", ""));
    }
    assertTrue(expected.size() >= 2, script + " has no header to print");
    Process p = new ProcessBuilder("bash", file.toString(), "--help")
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), script + " --help hung");
    assertEquals(0, p.exitValue(), script + " --help");
    assertEquals(String.join("\n", expected), out.stripTrailing(), script + " --help");
    assertTrue(out.contains("submit/" + script), "the usage line names " + script);
  }
}
