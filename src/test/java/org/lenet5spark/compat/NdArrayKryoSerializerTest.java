package org.lenet5spark.compat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.esotericsoftware.kryo.Kryo;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingResult;
import org.junit.jupiter.api.Test;
import org.lenet5spark.io.Lenet5KryoRegistrator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import scala.reflect.ClassTag$;

/**
 * {@link NdArrayKryoSerializer} through Spark's own {@link KryoSerializer} configured with the
 * job's registrator, as Spark uses it for broadcasts, task results and serialized caches: the
 * registrator installs it for the backend's array class, and every kind of array comes back bit
 * for bit with its shape, ordering and data type (views as the copy of what they show, arrays
 * larger than one copy block, scalars, empty arrays, and DL4J's parameter-averaging result).
 */
class NdArrayKryoSerializerTest {
  private static final SerializerInstance KRYO = new KryoSerializer(new SparkConf()
      .set("spark.kryo.registrator", Lenet5KryoRegistrator.class.getName())
      .set("spark.kryoserializer.buffer.max", "512m")).newInstance();

  @SuppressWarnings("unchecked")
  private static <T> T roundTrip(T value) {
    ByteBuffer bytes = KRYO.serialize(value, ClassTag$.MODULE$.AnyRef());
    return (T) KRYO.deserialize(bytes, ClassTag$.MODULE$.AnyRef());
  }

  private static void assertSameArray(INDArray expected, INDArray actual) {
    assertEquals(expected.dataType(), actual.dataType());
    assertArrayEquals(expected.shape(), actual.shape());
    assertEquals(expected.isEmpty(), actual.isEmpty());
    if (!expected.isEmpty()) {
      assertArrayEquals(expected.dup('c').data().asBytes(), actual.dup('c').data().asBytes());
    }
  }

  @Test
  void theRegistratorInstallsItForTheBackendsArrayClass() {
    Kryo kryo = new Kryo();
    new Lenet5KryoRegistrator().registerClasses(kryo);
    assertInstanceOf(NdArrayKryoSerializer.class,
        kryo.getSerializer(Nd4j.getBackend().getNDArrayClass()));
  }

  @Test
  void arraysComeBackBitForBit() {
    Nd4j.getRandom().setSeed(7);
    INDArray large = Nd4j.rand(DataType.FLOAT, 1, 200_003);
    large.putScalar(5, Float.NaN);
    large.putScalar(6, Float.NEGATIVE_INFINITY);
    large.putScalar(7, -0.0f);
    List<INDArray> arrays = List.of(large,
        Nd4j.rand(DataType.FLOAT, 3, 4),
        Nd4j.rand(DataType.FLOAT, new long[] {3, 4, 5}).dup('f'),
        Nd4j.rand(DataType.DOUBLE, 7, 2),
        Nd4j.createFromArray(1, -2, Integer.MAX_VALUE),
        Nd4j.createFromArray(1L, Long.MIN_VALUE),
        Nd4j.createFromArray(true, false, true),
        Nd4j.rand(DataType.HALF, 2, 3),
        Nd4j.scalar(3.5f),
        Nd4j.create(DataType.FLOAT, 0),
        Nd4j.create(DataType.FLOAT, 4, 0));
    for (INDArray a : arrays) {
      INDArray back = roundTrip(a);
      assertSameArray(a, back);
      assertEquals(a.ordering(), back.ordering(), "ordering of " + a.shapeInfoToString());
    }
  }

  @Test
  void viewsComeBackAsWhatTheyShow() {
    INDArray base = Nd4j.linspace(DataType.FLOAT, 1, 60, 1).reshape(6, 10);
    List<INDArray> views = List.of(
        base.get(NDArrayIndex.interval(2, 5), NDArrayIndex.all()),
        base.get(NDArrayIndex.all(), NDArrayIndex.interval(3, 7)),
        base.transpose(),
        base.getRow(4),
        base.getColumn(9));
    for (INDArray v : views) {
      INDArray back = roundTrip(v);
      assertSameArray(v, back);
      assertTrue(!back.isView(), "a contiguous copy");
    }
  }

  @Test
  void parameterAveragingResultsAndDataSetsComeBackBitForBit() {
    INDArray params = Nd4j.rand(DataType.FLOAT, 1, 61_706);
    INDArray state = Nd4j.rand(DataType.FLOAT, 1, 123_412);
    ParameterAveragingTrainingResult back = roundTrip(
        new ParameterAveragingTrainingResult(params, state, 0.25, null, null, null));
    assertSameArray(params, back.getParameters());
    assertSameArray(state, back.getUpdaterState());
    assertEquals(0.25, back.getScore());

    DataSet ds = new DataSet(Nd4j.rand(DataType.FLOAT, 32, 1, 28, 28),
        Nd4j.eye(10).getRows(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1,
            2, 3, 4, 5, 6, 7, 8, 9, 0, 1).castTo(DataType.FLOAT));
    DataSet dsBack = roundTrip(ds);
    assertSameArray(ds.getFeatures(), dsBack.getFeatures());
    assertSameArray(ds.getLabels(), dsBack.getLabels());
  }
}
