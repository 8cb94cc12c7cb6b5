package org.lenet5spark.io;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import org.lenet5spark.compat.NdArrayKryoSerializer;
import org.nd4j.kryo.Nd4jRegistrator;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The job's Kryo registrator: ND4J's (for INDArrays and DataSets), with ND4J arrays written by
 * {@link NdArrayKryoSerializer} (block copies instead of ND4J's element-by-element stream), plus
 * Java serialization for Java records and {@link SerializableHadoopConf} (broadcast by the
 * training RDD). Spark's Kryo 4 cannot build its field serializer for records (their fields are
 * final and they have no no-argument constructor), and the job's own values (decoded IDX data,
 * shard descriptions) are records; the configuration keeps its data in a transient field.
 * {@code spark.SparkContexts} adds it to every job's configuration. Its name is part of the
 * job's documented Spark settings (the configuration templates and the Oozie workflow name it),
 * so it stays in {@code io}.
 */
public final class Lenet5KryoRegistrator extends Nd4jRegistrator {
  @Override
  public void registerClasses(Kryo kryo) {
    super.registerClasses(kryo);
    kryo.register(Nd4j.getBackend().getNDArrayClass(), new NdArrayKryoSerializer());
    kryo.addDefaultSerializer(Record.class, JavaSerializer.class);
    // broadcast by the training RDD; Kryo's field serializer would skip its transient field
    kryo.register(SerializableHadoopConf.class, new JavaSerializer());
  }
}
