package org.lenet5spark.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.lenet5spark.compat.Dl4jWorkarounds;
import org.lenet5spark.io.Lenet5KryoRegistrator;
import org.lenet5spark.model.kernels.VectorWidth;

/**
 * Creates the Spark context of a job the way spark-submit users expect: the master and every other
 * setting come from spark-submit (or conf/spark-defaults) when given; {@code --master} on our CLI
 * overrides; {@code local[*]} is the fallback. Adds what the job needs to work at all: Kryo with
 * the job's registrator (ND4J's plus records; added to any registrators already configured),
 * DL4J's helper switch on the executors, and the GPU scheduling of {@link StageResources} (the
 * global one-GPU-per-task setting only where stage-level scheduling is not possible).
 */
public final class SparkContexts {
  /** ND4J's Kryo registrator (ships in the dl4j-spark jar). */
  public static final String ND4J_REGISTRATOR = "org.nd4j.kryo.Nd4jRegistrator";
  /** The job's registrator: ND4J's plus support for Java records. */
  public static final String JOB_REGISTRATOR = Lenet5KryoRegistrator.class.getName();
  /**
   * How long the driver waits for an executor's heartbeat before it removes the executor (Spark's
   * default: {@code spark.network.timeout}, 120 s).
   */
  public static final String HEARTBEAT_TIMEOUT = "spark.storage.blockManagerHeartbeatTimeoutMs";
  /**
   * {@link #HEARTBEAT_TIMEOUT} with a local master unless set: a week, in ms, so that a local run
   * paused and continued resumes instead of dying (docs/RELIABILITY.md).
   */
  public static final String LOCAL_HEARTBEAT_TIMEOUT_MS = "604800000";

  private SparkContexts() {
  }

  /** Builds the configuration (exposed for tests and {@code doctor}). */
  public static SparkConf conf(String appName, String masterOverride) {
    SparkConf conf = new SparkConf();
    if (masterOverride != null && !masterOverride.isBlank()) {
      conf.setMaster(masterOverride);
    } else {
      conf.setIfMissing("spark.master", "local[*]");
    }
    conf.setIfMissing("spark.app.name", appName);
    conf.setIfMissing("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
    String registrators = conf.get("spark.kryo.registrator", "").trim();
    if (registrators.isEmpty() || registrators.equals(ND4J_REGISTRATOR)) {
      conf.set("spark.kryo.registrator", JOB_REGISTRATOR);
    } else if (!registrators.contains(JOB_REGISTRATOR)) {
      conf.set("spark.kryo.registrator", registrators + "," + JOB_REGISTRATOR);
    }
    conf.setIfMissing("spark.kryoserializer.buffer.max", "512m");
    if (conf.get("spark.master").startsWith("local[") || "local".equals(conf.get("spark.master"))) {
      conf.setIfMissing("spark.ui.enabled", "false");
      conf.setIfMissing("spark.driver.host", "127.0.0.1");
      conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
      // the executor is this JVM: a process paused (SIGSTOP, a suspended laptop) for longer than
      // Spark's 120 s default would, when continued, find its own executor "lost" and exit 56
      conf.setIfMissing(HEARTBEAT_TIMEOUT, LOCAL_HEARTBEAT_TIMEOUT_MS);
    }
    String executorOpts = conf.get("spark.executor.extraJavaOptions", "");
    if (!executorOpts.contains(Dl4jWorkarounds.HELPERS_DISABLE_PROPERTY)) {
      conf.set("spark.executor.extraJavaOptions",
          (executorOpts + " " + Dl4jWorkarounds.EXECUTOR_JAVA_OPTION).trim());
    }
    executorOpts = conf.get("spark.executor.extraJavaOptions", "");
    if (!executorOpts.contains(VectorWidth.FLAG)) {
      conf.set("spark.executor.extraJavaOptions",
          (executorOpts + " " + VectorWidth.JAVA_OPTION).trim());
    }
    StageResources.applyTo(conf);
    return conf;
  }

  /**
   * Starts (or joins) the Spark context, with a {@link StageConcurrency} recorder attached.
   */
  public static JavaSparkContext start(String appName, String masterOverride) {
    Dl4jWorkarounds.apply();
    org.apache.spark.SparkContext sc =
        org.apache.spark.SparkContext.getOrCreate(conf(appName, masterOverride));
    StageConcurrency.attach(sc);
    return JavaSparkContext.fromSparkContext(sc);
  }
}
