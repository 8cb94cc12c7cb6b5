package org.lenet5spark.compat;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.nd4j.kryo.Nd4jSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A Kryo serializer for ND4J arrays that copies their data in blocks of bytes. ND4J's own
 * {@link Nd4jSerializer} (nd4j-kryo 1.0.0-M2) goes through {@code Nd4j.write}/{@code Nd4j.read},
 * which write every element with {@code DataOutputStream.writeFloat} into Kryo's stream and read
 * it back through a boxed {@code Float} per element; with parameter averaging this is most of the
 * cost of a round beyond the fit (the broadcast of the parameters and updater state, every
 * worker's result and its reading on the driver: JFR in docs/performance.md, round 5 of issue 19).
 *
 * <p>Format: a mode byte; in the fast mode the data type's name, the ordering, the rank, the
 * shape, the byte order of the writer and the data's bytes. Arrays this format does not cover
 * (strings, compressed arrays) are written by ND4J's serializer after a mode byte that says so.
 * Views are written as the contiguous copy of what they show. The bytes are exactly the array's,
 * so a round trip is bit for bit. Registered by {@code io.Lenet5KryoRegistrator} for the ND4J
 * backend's array class in place of ND4J's serializer.
 */
public final class NdArrayKryoSerializer extends Serializer<INDArray> {
  private static final byte FAST = 1;
  private static final byte ND4J = 2;
  /** Bytes copied per step between the array's memory and Kryo's stream. */
  private static final int CHUNK = 64 * 1024;
  private final Nd4jSerializer fallback = new Nd4jSerializer();

  @Override
  public void write(Kryo kryo, Output output, INDArray array) {
    if (array.isCompressed() || array.dataType() == DataType.UTF8) {
      output.writeByte(ND4J);
      fallback.write(kryo, output, array);
      return;
    }
    INDArray a = array.isView() || array.data().length() != array.length()
        ? array.dup(array.ordering()) : array;
    output.writeByte(FAST);
    output.writeString(a.dataType().name());
    output.writeChar(a.ordering());
    long[] shape = a.shape();
    output.writeInt(shape.length, true);
    for (long s : shape) {
      output.writeLong(s, true);
    }
    output.writeBoolean(a.isEmpty());
    if (a.isEmpty()) {
      return;
    }
    output.writeBoolean(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN);
    ByteBuffer data = a.data().asNio();
    long bytes = a.length() * a.dataType().width();
    output.writeLong(bytes, true);
    byte[] chunk = new byte[(int) Math.min(CHUNK, bytes)];
    data.position(0);
    for (long done = 0; done < bytes; ) {
      int n = (int) Math.min(chunk.length, bytes - done);
      data.get(chunk, 0, n);
      output.writeBytes(chunk, 0, n);
      done += n;
    }
  }

  @Override
  public INDArray read(Kryo kryo, Input input, Class<INDArray> type) {
    byte mode = input.readByte();
    if (mode == ND4J) {
      return fallback.read(kryo, input, type);
    }
    if (mode != FAST) {
      throw new KryoException("not an ND4J array written by NdArrayKryoSerializer (mode "
          + mode + ")");
    }
    DataType dataType = DataType.valueOf(input.readString());
    char order = input.readChar();
    long[] shape = new long[input.readInt(true)];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = input.readLong(true);
    }
    if (input.readBoolean()) {
      return Nd4j.create(dataType, shape);
    }
    boolean littleEndian = input.readBoolean();
    if (littleEndian != (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN)) {
      throw new KryoException("ND4J array written with another byte order than this JVM's");
    }
    long bytes = input.readLong(true);
    INDArray a = Nd4j.createUninitialized(dataType, shape, order);
    if (a.length() * dataType.width() != bytes) {
      throw new KryoException("ND4J array of " + a.length() + " " + dataType
          + " elements with " + bytes + " bytes of data");
    }
    ByteBuffer data = a.data().asNio();
    data.position(0);
    byte[] chunk = new byte[(int) Math.min(CHUNK, bytes)];
    for (long done = 0; done < bytes; ) {
      int n = (int) Math.min(chunk.length, bytes - done);
      input.readBytes(chunk, 0, n);
      data.put(chunk, 0, n);
      done += n;
    }
    return a;
  }
}
