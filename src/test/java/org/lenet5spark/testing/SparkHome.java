package org.lenet5spark.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A Spark installation made of links for {@code local-cluster} tests: a folder whose
 * {@code jars/} links every jar of the given classpath files (the build's
 * {@code target/spark-classpath.txt}, {@code target/classpath.txt}) and extra jars. Spark's
 * Worker builds its executors' classpath from {@code $SPARK_HOME/jars}. Runs after
 * {@code mvn package}.
 */
public final class SparkHome {
  private SparkHome() {
  }

  /** Creates (or refreshes) {@code home} with links to the jars; returns {@code home}. */
  public static Path create(Path home, List<Path> classpathFiles, List<Path> extraJars)
      throws IOException {
    Path jars = home.resolve("jars");
    Files.createDirectories(jars);
    Set<Path> all = new LinkedHashSet<>();
    for (Path f : classpathFiles) {
      for (String entry : Files.readString(f).trim().split(File.pathSeparator)) {
        if (entry.endsWith(".jar")) {
          all.add(Path.of(entry).toAbsolutePath());
        }
      }
    }
    for (Path j : extraJars) {
      all.add(j.toAbsolutePath());
    }
    List<String> names = new ArrayList<>();
    for (Path jar : all) {
      if (!Files.exists(jar)) {
        throw new IOException("missing jar " + jar + " (run mvn package first)");
      }
      Path link = jars.resolve(jar.getFileName());
      if (names.contains(link.getFileName().toString())) {
        continue;
      }
      names.add(link.getFileName().toString());
      Files.deleteIfExists(link);
      Files.createSymbolicLink(link, jar);
    }
    return home.toAbsolutePath();
  }

  /** A fake GPU discovery script printing the given addresses. */
  public static Path fakeGpuDiscovery(Path dir, String... addresses) throws IOException {
    StringBuilder json = new StringBuilder("{\"name\": \"gpu\", \"addresses\": [");
    for (int i = 0; i < addresses.length; i++) {
      json.append(i == 0 ? "" : ",").append('"').append(addresses[i]).append('"');
    }
    json.append("]}");
    Path script = dir.resolve("fake-gpu-discovery.sh");
    Files.writeString(script, "#!/usr/bin/env bash\necho '" + json + "'\n");
    if (!script.toFile().setExecutable(true)) {
      throw new IOException("cannot make " + script + " executable");
    }
    return script.toAbsolutePath();
  }
}
