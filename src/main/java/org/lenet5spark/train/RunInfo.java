package org.lenet5spark.train;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.spark.api.java.JavaSparkContext;
import org.lenet5spark.data.ShardCatalog;
import org.lenet5spark.io.OutputOwnership;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Builds the content of {@code run.json}: the resolved training configuration, the data it read,
 * and the versions of everything that shaped the result (Java, Spark, Scala, DL4J, ND4J backend).
 * Holds no secrets: only the job's own options and public version strings are recorded.
 */
public final class RunInfo {
  private RunInfo() {
  }

  /** The configuration and environment part of {@code run.json}. */
  public static Map<String, Object> describe(TrainOptions o, ShardCatalog train,
      ShardCatalog test, JavaSparkContext sc) {
    Map<String, Object> cfg = o.describe();

    Map<String, Object> data = new LinkedHashMap<>();
    data.put("format", train.manifest().format());
    data.put("train_examples", train.count());
    data.put("test_examples", test.count());
    data.put("train_shards", train.shards().size());
    data.put("normalization", train.manifest().normalization());
    data.put("sources", train.manifest().sources());

    Map<String, Object> versions = new LinkedHashMap<>();
    versions.put("lenet5_spark", implementationVersion());
    versions.put("java", Runtime.version().toString());
    versions.put("spark", sc == null ? null : sc.version());
    versions.put("scala", scala.util.Properties.versionNumberString());
    versions.put("dl4j", mavenVersion("org.deeplearning4j", "deeplearning4j-nn"));
    versions.put("dl4j_spark", mavenVersion("org.deeplearning4j", "dl4j-spark_2.12"));
    versions.put("nd4j_backend", Nd4j.getBackend().getClass().getSimpleName());
    Map<String, Object> env = new LinkedHashMap<>();
    Nd4j.getExecutioner().getEnvironmentInformation()
        .forEach((k, v) -> env.put(String.valueOf(k), String.valueOf(v)));
    versions.put("nd4j_environment", env);

    Map<String, Object> run = new LinkedHashMap<>();
    // the marker by which a later --overwrite recognises this folder as a run of this job
    run.put(OutputOwnership.RUN_MARKER_KEY, OutputOwnership.RUN_MARKER);
    run.put("status", "running");
    run.put("started", Instant.now().toString());
    run.put("spark_master", sc == null ? null : sc.master());
    run.put("spark_app_id", sc == null ? null : sc.sc().applicationId());
    run.put("config", cfg);
    run.put("data", data);
    run.put("versions", versions);
    return run;
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
