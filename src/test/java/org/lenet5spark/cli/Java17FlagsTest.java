package org.lenet5spark.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lenet5spark.testing.Java17Flags;

/**
 * The flags that pom.xml gives the test JVMs are the ones in submit/lib/java17-flags.txt (which
 * submit/local.sh reads): if either list changes alone, this fails.
 */
class Java17FlagsTest {
  @Test
  void testJvmRunsWithEveryFlagOfTheSharedList() throws IOException {
    List<String> jvmArgs = ManagementFactory.getRuntimeMXBean().getInputArguments();
    for (String flag : Java17Flags.read()) {
      assertTrue(jvmArgs.contains(flag), "test JVM lacks " + flag + "; pom.xml and "
          + "submit/lib/java17-flags.txt disagree");
    }
  }
}
