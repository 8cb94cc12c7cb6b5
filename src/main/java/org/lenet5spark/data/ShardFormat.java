package org.lenet5spark.data;

import java.util.Locale;
import org.lenet5spark.errors.BadInputException;

/**
 * The two on-disk formats of prepared shards (specified in docs/DATA_FORMATS.md and, for the
 * bytes, in {@link BinaryShardCodec} and {@link ParquetShardCodec}).
 */
public enum ShardFormat {
  /** Apache Parquet, one row per image; readable by Spark SQL, pandas and pyarrow. */
  PARQUET("parquet", ".parquet"),
  /** The project's raw binary format: a 64-byte header and fixed-size little-endian records. */
  BINARY("binary", ".bin");

  private final String id;
  private final String extension;

  ShardFormat(String id, String extension) {
    this.id = id;
    this.extension = extension;
  }

  /** The name used on the command line and in manifests. */
  public String id() {
    return id;
  }

  /** The file name extension of a shard. */
  public String extension() {
    return extension;
  }

  /** The codec that writes and reads this format. */
  public ShardCodec codec() {
    return this == PARQUET ? ParquetShardCodec.INSTANCE : BinaryShardCodec.INSTANCE;
  }

  /** Parses a format name (case-insensitive). */
  public static ShardFormat parse(String value) {
    for (ShardFormat f : values()) {
      if (f.id.equals(value.toLowerCase(Locale.ROOT))) {
        return f;
      }
    }
    throw new BadInputException("unknown shard format '" + value
        + "' (expected parquet or binary)");
  }
}
