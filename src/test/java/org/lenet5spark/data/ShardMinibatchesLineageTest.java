package org.lenet5spark.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.testing.IdxFixtures;
import org.lenet5spark.testing.SparkTestContext;
import org.nd4j.linalg.dataset.DataSet;
import scala.reflect.ClassTag$;

/**
 * The training RDD's lineage, which Spark serializes into every task of every averaging round,
 * does not carry the Hadoop configuration (it is broadcast once): a 1 MB configuration entry
 * leaves the serialized lineage small, and the executors still read the shards with the
 * driver's configuration (the minibatches come back complete, in both shard formats).
 */
class ShardMinibatchesLineageTest {
  private static JavaSparkContext sc;

  @TempDir
  static java.nio.file.Path tmp;

  @BeforeAll
  static void start() throws IOException {
    sc = SparkTestContext.local2("lineage");
    IdxFixtures.writeDataset(tmp.resolve("idx"), 300, 120, true);
  }

  @AfterAll
  static void stop() {
    sc.stop();
  }

  @Test
  void theLineageDoesNotCarryTheHadoopConfiguration() throws IOException {
    for (ShardFormat format : ShardFormat.values()) {
      DatasetPreparer.Result r = DatasetPreparer.run(sc, new DatasetPreparer.Options(
          HadoopFs.resolve(tmp.resolve("idx").toString()),
          HadoopFs.resolve(tmp.resolve("out-" + format.id()).toString()), format, 3,
          DatasetPreparer.SourceNames.MNIST, false));
      ShardCatalog train = ShardCatalog.open(r.output(), "train", sc.hadoopConfiguration());
      sc.hadoopConfiguration().set("lenet5.test.padding", "x".repeat(1 << 20));
      try {
        JavaRDD<DataSet> rdd = ShardMinibatches.rdd(sc, train, 32);
        ByteBuffer lineage = SparkEnv.get().closureSerializer().newInstance()
            .serialize(rdd.rdd(), ClassTag$.MODULE$.AnyRef());
        assertTrue(lineage.remaining() < 100_000, "serialized lineage of "
            + lineage.remaining() + " bytes");
        List<DataSet> batches = rdd.collect();
        assertEquals(300, batches.stream().mapToInt(DataSet::numExamples).sum());
      } finally {
        sc.hadoopConfiguration().unset("lenet5.test.padding");
      }
    }
  }
}
