package org.lenet5spark.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.api.Binary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.errors.BadInputException;

/**
 * The Parquet shard reader applies the same checks as the binary one (the corpus test covers the
 * binary format through every command): a Parquet shard written with plain parquet-hadoop, holding
 * a label 10 or a NaN pixel, is refused with the record named.
 */
class ExampleChecksTest {
  @TempDir
  Path tmp;

  @Test
  void parquetShardWithLabel10IsRefused() throws IOException {
    org.apache.hadoop.fs.Path f = parquet("label.parquet", 10, 0f);
    BadInputException e = assertThrows(BadInputException.class, () -> readAll(f));
    assertTrue(e.getMessage().contains("label.parquet: record 2 has label 10, outside 0-9"),
        e.getMessage());
  }

  @Test
  void parquetShardWithNanPixelIsRefused() throws IOException {
    org.apache.hadoop.fs.Path f = parquet("nan.parquet", 3, Float.NaN);
    BadInputException e = assertThrows(BadInputException.class, () -> readAll(f));
    assertTrue(e.getMessage().contains("nan.parquet: record 2 has pixel 5 = NaN"),
        e.getMessage());
  }

  @Test
  void validParquetShardIsRead() throws IOException {
    assertEquals(4, readAll(parquet("ok.parquet", 3, 0.5f)));
  }

  /** Four rows of label 1 and zero pixels, except row 2: label {@code label}, pixel 5 = v. */
  private org.apache.hadoop.fs.Path parquet(String name, int label, float v) throws IOException {
    org.apache.hadoop.fs.Path f = new org.apache.hadoop.fs.Path(tmp.resolve(name).toUri());
    SimpleGroupFactory groups = new SimpleGroupFactory(ParquetShardCodec.SCHEMA);
    try (ParquetWriter<org.apache.parquet.example.data.Group> w = ExampleParquetWriter.builder(f)
        .withConf(new Configuration()).withType(ParquetShardCodec.SCHEMA).build()) {
      for (int i = 0; i < 4; i++) {
        ByteBuffer px = ByteBuffer.allocate(784 * 4).order(ByteOrder.LITTLE_ENDIAN);
        if (i == 2) {
          px.putFloat(5 * 4, v);
        }
        w.write(groups.newGroup().append("label", i == 2 ? label : 1).append("index", i)
            .append("pixels", Binary.fromConstantByteArray(px.array()))
            .append("split", Binary.fromString("test")));
      }
    }
    return f;
  }

  private static long readAll(org.apache.hadoop.fs.Path f) throws IOException {
    long n = 0;
    try (ShardRecordReader r = ParquetShardCodec.INSTANCE.open(f, new Configuration(), 28, 28)) {
      float[] features = new float[3 * 784];
      int[] labels = new int[3];
      int[] indices = new int[3];
      int k;
      while ((k = r.read(features, labels, indices, 3)) > 0) {
        n += k;
      }
    }
    return n;
  }
}
