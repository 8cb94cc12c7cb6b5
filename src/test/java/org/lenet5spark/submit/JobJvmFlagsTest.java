package org.lenet5spark.submit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.lenet5spark.testing.JobJvmFlags;

/**
 * submit/lib/job-jvm-flags.txt is the one definition of the options every JVM of the job needs.
 * Spark's properties files and Oozie's workflow XML cannot include a file, so they keep copies:
 * this test fails when any copy (both conf templates' driver and executor options, every
 * {@code extraJavaOptions} of the Oozie workflow, the test JVMs of pom.xml) misses one of them.
 */
class JobJvmFlagsTest {
  private static final Pattern OOZIE_OPTIONS =
      Pattern.compile("spark\\.(driver|executor)\\.extraJavaOptions=\"([^\"]*)\"");
  private static final Pattern OOZIE_PARAMETER = Pattern.compile(
      "<name>jobJvmOptions</name>\\s*<value>([^<]*)</value>");

  @Test
  void theDefinitionIsNotEmpty() throws IOException {
    List<String> flags = JobJvmFlags.read();
    assertFalse(flags.isEmpty());
    flags.forEach(f -> assertTrue(f.startsWith("-"), "not a JVM option: " + f));
  }

  @Test
  void bothTemplatesGiveDriverAndExecutorsEveryOption() throws IOException {
    for (String template : List.of("spark-defaults.local.conf.template",
        "spark-defaults.cluster.conf.template")) {
      List<String> lines = Files.readAllLines(Path.of("conf", template));
      for (String key : List.of("spark.driver.extraJavaOptions",
          "spark.executor.extraJavaOptions")) {
        List<String> values = lines.stream().map(String::trim)
            .filter(l -> l.startsWith(key + " ") || l.startsWith(key + "="))
            .toList();
        assertEquals(1, values.size(), template + " must set " + key + " once");
        assertHasAll(words(values.get(0).substring(key.length())), template + " " + key);
      }
    }
  }

  @Test
  void everyOozieActionGivesEveryJvmEveryOption() throws IOException {
    String xml = Files.readString(Path.of("submit", "oozie", "workflow.xml"));
    Matcher p = OOZIE_PARAMETER.matcher(xml);
    assertTrue(p.find(), "workflow.xml lacks its jobJvmOptions parameter");
    assertHasAll(words(p.group(1)), "workflow.xml's jobJvmOptions parameter");
    Matcher m = OOZIE_OPTIONS.matcher(xml);
    int found = 0;
    while (m.find()) {
      String options = m.group(2).replace("${jobJvmOptions}", p.group(1));
      assertHasAll(words(options), "workflow.xml spark." + m.group(1) + ".extraJavaOptions");
      found++;
    }
    assertTrue(found >= 3, "expected the train action's driver and executor options and the "
        + "other actions' driver options, found " + found);
  }

  @Test
  void theTestJvmRunsWithEveryOption() throws IOException {
    List<String> jvmArgs = ManagementFactory.getRuntimeMXBean().getInputArguments();
    assertHasAll(jvmArgs, "the test JVM (pom.xml's test.jvm.flags)");
  }

  private static List<String> words(String s) {
    List<String> out = new ArrayList<>();
    for (String w : s.trim().split("\\s+")) {
      if (!w.isEmpty()) {
        out.add(w);
      }
    }
    return out;
  }

  private static void assertHasAll(List<String> options, String where) throws IOException {
    for (String flag : JobJvmFlags.read()) {
      assertTrue(options.contains(flag), where + " lacks " + flag
          + " (submit/lib/job-jvm-flags.txt)");
    }
  }
}
