package org.lenet5spark.testing;

import org.apache.spark.api.java.JavaSparkContext;
import org.lenet5spark.spark.SparkContexts;

/** Starts the one Spark context of a test class ({@code local[2]} unless told otherwise). */
public final class SparkTestContext {
  private SparkTestContext() {
  }

  /** A local Spark context with two task threads. */
  public static JavaSparkContext local2(String name) {
    return SparkContexts.start("test-" + name, "local[2]");
  }
}
