package org.lenet5spark.run;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.HashSet;
import java.util.Set;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.lenet5spark.io.OutputOwnership;

/**
 * The run folder's layout is written in {@link RunFiles}; {@link OutputOwnership}, one layer
 * below, keeps the list of names that make a folder recognisably a run (what {@code --overwrite}
 * may replace). A file added to the layout but not to that list would make every run holding it
 * "not ours"; this fails first.
 */
class RunFolderNamesTest {
  @Test
  void everyPathOfTheLayoutIsKnownToTheOwnershipCheck() throws Exception {
    RunFiles files = new RunFiles(new Path("file:/runs/r1"));
    Set<String> known = new HashSet<>(OutputOwnership.RUN_FILES);
    known.addAll(OutputOwnership.RUN_FOLDERS);
    int checked = 0;
    for (Method m : RunFiles.class.getDeclaredMethods()) {
      if (m.getReturnType() == Path.class && m.getParameterCount() == 0
          && Modifier.isPublic(m.getModifiers()) && !m.getName().equals("root")) {
        String name = ((Path) m.invoke(files)).getName();
        assertTrue(known.contains(name), "RunFiles." + m.getName() + "() names " + name
            + ", which OutputOwnership does not recognise as part of a run");
        checked++;
      }
    }
    assertTrue(checked >= 8, "expected the run folder's files and folders, found " + checked);
  }
}
