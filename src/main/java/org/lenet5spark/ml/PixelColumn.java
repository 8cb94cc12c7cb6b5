package org.lenet5spark.ml;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.lenet5spark.data.Normalization;
import org.lenet5spark.model.LeNet5;

/**
 * The features column of the Spark ML stages and SQL functions: which types hold a 28x28 image
 * (the shards' own {@code binary} column of 784 little-endian float32 values, {@code array<float>},
 * {@code array<double>}, {@code array<int>} or a Spark ML {@code Vector}), the one-line schema
 * errors that name the column, and the conversion of a value into the network's input: copied as
 * it is when the values are already normalised, or normalised with the model's own normalisation
 * when they are raw 0-255 pixels ({@code value = (pixel / 255 - mean) / std}, computed as
 * {@link Normalization#lookupTable} computes it, so integral pixels give the same float32 values
 * as {@code prepare}).
 */
final class PixelColumn implements Serializable {
  private static final long serialVersionUID = 1L;
  /** Values per image. */
  static final int SIZE = LeNet5.SIZE * LeNet5.SIZE;

  private final String name;
  private final boolean raw;
  private final double mean;
  private final double std;

  /**
   * @param name the column, for errors
   * @param raw whether values are raw 0-255 pixels
   * @param normalization the model's normalisation (used when {@code raw})
   */
  PixelColumn(String name, boolean raw, Normalization normalization) {
    this.name = name;
    this.raw = raw;
    this.mean = normalization.mean();
    this.std = normalization.std();
  }

  /** Checks that {@code schema} has the features column {@code col} of a supported type. */
  static void checkFeatures(StructType schema, String col) {
    DataType t = field(schema, col, "features").dataType();
    if (t instanceof BinaryType || t instanceof VectorUDT) {
      return;
    }
    if (t instanceof ArrayType a && (a.elementType() instanceof FloatType
        || a.elementType() instanceof DoubleType || a.elementType() instanceof IntegerType
        || a.elementType() instanceof ShortType || a.elementType() instanceof LongType)) {
      return;
    }
    throw new IllegalArgumentException("features column '" + col + "' has type "
        + t.simpleString() + "; expected binary (784 float32, the shards' pixels), "
        + "array<float>, array<double>, array<int> or vector");
  }

  /** Checks that {@code schema} has the label column {@code col}, numeric. */
  static void checkLabel(StructType schema, String col) {
    DataType t = field(schema, col, "label").dataType();
    if (!(t instanceof NumericType)) {
      throw new IllegalArgumentException("label column '" + col + "' has type "
          + t.simpleString() + "; expected a number 0-9");
    }
  }

  /** Refuses an output column that already exists. */
  static void checkAbsent(StructType schema, String col) {
    if (!col.isEmpty() && List.of(schema.fieldNames()).contains(col)) {
      throw new IllegalArgumentException("output column '" + col + "' already exists");
    }
  }

  private static StructField field(StructType schema, String col, String role) {
    if (!List.of(schema.fieldNames()).contains(col)) {
      throw new IllegalArgumentException(role + " column '" + col + "' does not exist; columns: "
          + String.join(", ", schema.fieldNames()));
    }
    return schema.apply(col);
  }

  /** Writes the 784 network inputs of {@code value} (a cell of the column) at {@code offset}. */
  void read(Object value, float[] dst, int offset) {
    if (value == null) {
      throw new IllegalArgumentException("features column '" + name + "' holds a null image");
    }
    if (value instanceof byte[] bytes) {
      if (bytes.length != SIZE * Float.BYTES) {
        throw wrongLength(bytes.length / Float.BYTES);
      }
      ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(dst, offset,
          SIZE);
      if (raw) {
        for (int i = offset; i < offset + SIZE; i++) {
          dst[i] = normalise(dst[i]);
        }
      }
    } else if (value instanceof Vector v) {
      if (v.size() != SIZE) {
        throw wrongLength(v.size());
      }
      for (int i = 0; i < SIZE; i++) {
        dst[offset + i] = convert(v.apply(i));
      }
    } else if (value instanceof scala.collection.Seq<?> seq) {
      if (seq.length() != SIZE) {
        throw wrongLength(seq.length());
      }
      scala.collection.Iterator<?> it = seq.iterator();
      for (int i = 0; i < SIZE; i++) {
        dst[offset + i] = convert(((Number) it.next()).doubleValue());
      }
    } else if (value instanceof List<?> list) {
      if (list.size() != SIZE) {
        throw wrongLength(list.size());
      }
      for (int i = 0; i < SIZE; i++) {
        dst[offset + i] = convert(((Number) list.get(i)).doubleValue());
      }
    } else {
      throw new IllegalArgumentException("features column '" + name + "' holds a "
          + value.getClass().getSimpleName() + ", not an image");
    }
  }

  private float convert(double v) {
    return raw ? normalise(v) : (float) v;
  }

  private float normalise(double pixel) {
    return (float) ((pixel / 255.0 - mean) / std);
  }

  private IllegalArgumentException wrongLength(int n) {
    return new IllegalArgumentException("features column '" + name + "' holds an image of " + n
        + " values; expected " + SIZE + " (28x28)");
  }
}
