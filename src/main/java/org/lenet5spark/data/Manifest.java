package org.lenet5spark.data;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.Serializable;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.io.Json;

/**
 * {@code _manifest.json} of one split of prepared shards: what the shards hold (counts, shape,
 * dtype, normalisation, class histogram), where they came from (SHA-256 of the source IDX files),
 * and how to check them (each shard's size and CRC32). Written by {@link DatasetPreparer}; read and
 * verified by {@link ShardCatalog} before any training or evaluation; every field is checked
 * by {@link ExampleChecks#manifest} when it is read.
 *
 * <p>The leading underscore hides the file from every reader that follows Hadoop's convention
 * (names starting with {@code _} or {@code .} are not data, like {@code _SUCCESS}), so a split
 * folder is a Parquet table for Spark SQL and other tools. Data prepared by earlier versions names
 * it {@link #LEGACY_FILE_NAME}; it is still read (the content is the same). An expanded training
 * split ({@code prepare --expand}) also records its {@link Expansion}; the field is absent
 * otherwise.
 */
public record Manifest(
    int formatVersion,
    String split,
    String format,
    long count,
    List<Integer> shape,
    String dtype,
    String byteOrder,
    NormalizationInfo normalization,
    List<Long> classHistogram,
    List<SourceFile> sources,
    List<Shard> shards,
    @JsonInclude(JsonInclude.Include.NON_NULL) Expansion expansion) implements Serializable {

  /** File name of a split's manifest (hidden from Parquet readers by its underscore). */
  public static final String FILE_NAME = "_manifest.json";
  /** File name that versions before the hidden name wrote; still read. */
  public static final String LEGACY_FILE_NAME = "manifest.json";
  /** Version of the manifest layout. */
  public static final int FORMAT_VERSION = 1;
  /** Largest manifest this reader accepts. */
  private static final long MAX_BYTES = 16L << 20;

  /** Normalisation constants and where they were computed. */
  public record NormalizationInfo(double mean, double std, String formula, String computedOn)
      implements Serializable {
  }

  /** A source IDX file. */
  public record SourceFile(String role, String name, long bytes, String sha256)
      implements Serializable {
  }

  /** One shard file of the split. */
  public record Shard(String file, long count, long firstIndex, long bytes, String crc32,
      List<Long> classHistogram) implements Serializable {
  }

  /**
   * A manifest without expansion (every split but an expanded training split, and all data
   * prepared by earlier versions).
   */
  public Manifest(int formatVersion, String split, String format, long count,
      List<Integer> shape, String dtype, String byteOrder, NormalizationInfo normalization,
      List<Long> classHistogram, List<SourceFile> sources, List<Shard> shards) {
    this(formatVersion, split, format, count, shape, dtype, byteOrder, normalization,
        classHistogram, sources, shards, null);
  }

  /**
   * How {@code prepare --expand} grew a training split: the {@code originals} images of the
   * source files come first (indices {@code 0 .. originals - 1}), then {@code copies} deformed
   * copies of each, copy {@code k} of image {@code i} at index {@code k * originals + i}.
   *
   * @param copies deformed copies of each original image (K)
   * @param seed seed of the deformations
   * @param originals number of original images
   * @param deformations the deformation parameters
   */
  public record Expansion(int copies, long seed, long originals, Deformations deformations)
      implements Serializable {
  }

  /** Image height. */
  public int rows() {
    return shape.get(1);
  }

  /** Image width. */
  public int cols() {
    return shape.get(2);
  }

  /** The shard format. */
  public ShardFormat shardFormat() {
    return ShardFormat.parse(format);
  }

  /** The normalisation as a value. */
  public Normalization toNormalization() {
    return new Normalization(normalization.mean(), normalization.std());
  }

  /**
   * The manifest file of a split folder: {@link #FILE_NAME}, else (data prepared by an earlier
   * version) {@link #LEGACY_FILE_NAME}, else null.
   */
  public static Path locate(Path splitDir, Configuration conf) throws IOException {
    for (String name : new String[] {FILE_NAME, LEGACY_FILE_NAME}) {
      Path file = new Path(splitDir, name);
      if (HadoopFs.exists(file, conf)) {
        return file;
      }
    }
    return null;
  }

  /**
   * Reads and checks the internal consistency of {@code <splitDir>/_manifest.json} (or of the
   * {@code manifest.json} of an earlier version).
   */
  public static Manifest read(Path splitDir, Configuration conf) throws IOException {
    Path file = locate(splitDir, conf);
    if (file == null) {
      throw new BadInputException("missing " + FILE_NAME + " in " + splitDir
          + " (is this the output of 'prepare'?)");
    }
    Manifest m = parse(HadoopFs.readString(file, conf, MAX_BYTES), file.toString());
    m.check(file.toString());
    return m;
  }

  /**
   * Parses a manifest; {@code expansion} is optional (written only for an expanded training
   * split), every other field required.
   */
  static Manifest parse(String json, String source) {
    JsonNode tree = Json.parse(json, JsonNode.class, source);
    if (tree instanceof ObjectNode object && !object.has("expansion")) {
      object.putNull("expansion");
    }
    try {
      Manifest m = Json.mapper().treeToValue(tree, Manifest.class);
      if (m == null) {
        throw new BadInputException(source + ": empty JSON document");
      }
      return m;
    } catch (JsonProcessingException e) {
      throw new BadInputException(source + ": invalid JSON: " + e.getOriginalMessage());
    }
  }

  /** Writes {@code <splitDir>/_manifest.json} atomically. */
  public void write(Path splitDir, Configuration conf) throws IOException {
    HadoopFs.writeStringAtomically(new Path(splitDir, FILE_NAME), conf, Json.pretty(this));
  }

  void check(String source) {
    ExampleChecks.manifest(this, source);
  }
}
