package org.lenet5spark.io;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import org.nd4j.kryo.Nd4jRegistrator;

/**
 * The job's Kryo registrator: ND4J's (for INDArrays and DataSets) plus Java serialization for
 * Java records. Spark's Kryo 4 cannot build its field serializer for records (their fields are
 * final and they have no no-argument constructor), and the job's own values (decoded IDX data,
 * shard descriptions) are records. {@code spark.SparkContexts} adds it to every job's
 * configuration. Its name is part of the job's documented Spark settings (the configuration
 * templates and the Oozie workflow name it), so it stays in {@code io}.
 */
public final class Lenet5KryoRegistrator extends Nd4jRegistrator {
  @Override
  public void registerClasses(Kryo kryo) {
    super.registerClasses(kryo);
    kryo.addDefaultSerializer(Record.class, JavaSerializer.class);
  }
}
