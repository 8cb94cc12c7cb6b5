package org.lenet5spark.train;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.spark.api.java.JavaSparkContext;
import org.lenet5spark.data.ShardCatalog;
import org.lenet5spark.io.Json;
import org.lenet5spark.run.RunRecord;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Builds the first {@link RunRecord} of a run ({@code run.json}): the resolved training
 * configuration, the data it read, and the versions of everything that shaped the result (Java,
 * Spark, Scala, DL4J, ND4J backend).
 * Holds no secrets: only the job's own options and public version strings are recorded.
 */
public final class RunInfo {
  private RunInfo() {
  }

  /** The record {@code run.json} starts with: configuration, data, versions; status running. */
  public static RunRecord describe(TrainOptions o, ShardCatalog train, ShardCatalog test,
      JavaSparkContext sc) {
    RunRecord.Data data = new RunRecord.Data(train.manifest().format(), train.count(),
        test.count(), train.shards().size(), train.manifest().normalization(),
        train.manifest().sources());
    Map<String, String> env = new LinkedHashMap<>();
    Nd4j.getExecutioner().getEnvironmentInformation()
        .forEach((k, v) -> env.put(String.valueOf(k), String.valueOf(v)));
    RunRecord.Versions versions = new RunRecord.Versions(implementationVersion(),
        Runtime.version().toString(), sc == null ? null : sc.version(),
        scala.util.Properties.versionNumberString(),
        mavenVersion("org.deeplearning4j", "deeplearning4j-nn"),
        mavenVersion("org.deeplearning4j", "dl4j-spark_2.12"),
        Nd4j.getBackend().getClass().getSimpleName(), env);
    return RunRecord.running(sc == null ? null : sc.master(),
        sc == null ? null : sc.sc().applicationId(), Json.mapper().valueToTree(o.describe()),
        data, versions);
  }

  private static String implementationVersion() {
    String v = RunInfo.class.getPackage().getImplementationVersion();
    return v == null ? "development" : v;
  }

  /** A dependency's version from the pom.properties inside its jar. */
  static String mavenVersion(String group, String artifact) {
    String res = "/META-INF/maven/" + group + "/" + artifact + "/pom.properties";
    try (InputStream in = RunInfo.class.getResourceAsStream(res)) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }
}
