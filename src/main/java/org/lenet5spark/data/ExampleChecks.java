package org.lenet5spark.data;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.lenet5spark.errors.BadInputException;

/**
 * The one validation of examples and of the manifests that describe them, shared by every reader:
 * the shard readers ({@link BinaryShardCodec}, {@link ParquetShardCodec}) check every record they
 * return (label 0-9, every pixel finite), so the local engine, the Spark engine's executors,
 * {@code evaluate}, {@code predict}, {@code report} and {@code bench} all refuse the same data with
 * the same message; {@link IdxReader} checks its labels here too; {@link Manifest#read} checks
 * every field here when a manifest is read; {@link #shard} reads a whole shard and compares what it
 * holds with its manifest entry (run on the executors by {@link ShardCatalog#verifyChecksums}).
 * Every failure is a {@link BadInputException} (exit 3) that names the file, the record or the
 * field.
 */
public final class ExampleChecks {
  /** Channels, rows and columns of every prepared image (LeNet-5's input). */
  public static final List<Integer> SHAPE = List.of(1, 28, 28);
  /** What a shard file name may look like: one plain path component. */
  private static final Pattern SHARD_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");
  private static final Pattern CRC32 = Pattern.compile("[0-9a-f]{8}");

  private ExampleChecks() {
  }

  /**
   * Checks one label; {@code record} is its position in {@code source}.
   *
   * @throws BadInputException unless {@code 0 <= label <= 9}
   */
  public static void label(int label, String source, long record) {
    if (label < 0 || label >= IdxReader.NUM_CLASSES) {
      throw new BadInputException(source + ": record " + record + " has label " + label
          + ", outside 0-" + (IdxReader.NUM_CLASSES - 1));
    }
  }

  /**
   * Checks {@code n} examples just read from {@code source}: their labels (from index 0 of
   * {@code labels}) and their {@code pixels} normalised pixels each (from index 0 of
   * {@code features}); {@code firstRecord} is the position of the first in {@code source}.
   */
  public static void examples(float[] features, int[] labels, int n, int pixels, String source,
      long firstRecord) {
    for (int i = 0; i < n; i++) {
      label(labels[i], source, firstRecord + i);
      int base = i * pixels;
      for (int p = 0; p < pixels; p++) {
        float v = features[base + p];
        if (!Float.isFinite(v)) {
          throw new BadInputException(source + ": record " + (firstRecord + i) + " has pixel "
              + p + " = " + v + " (pixels must be finite numbers)");
        }
      }
    }
  }

  /**
   * Reads every record of one shard (each checked by the reader) and compares the number of
   * records and the class histogram with the shard's manifest entry.
   */
  public static void shard(ShardFormat format, Path file, Configuration conf, int rows, int cols,
      Manifest.Shard expected) throws IOException {
    long[] hist = new long[IdxReader.NUM_CLASSES];
    int batch = 256;
    float[] f = new float[batch * rows * cols];
    int[] labels = new int[batch];
    int[] indices = new int[batch];
    long count = 0;
    try (ShardRecordReader r = format.codec().open(file, conf, rows, cols)) {
      if (r.count() != expected.count()) {
        throw new BadInputException("shard " + file + " holds " + r.count()
            + " examples, the manifest says " + expected.count());
      }
      int n;
      while ((n = r.read(f, labels, indices, batch)) > 0) {
        for (int i = 0; i < n; i++) {
          hist[labels[i]]++;
          long want = expected.firstIndex() + count + i;
          if (indices[i] != want) {
            // each source image once, in source order (a copied record would train twice)
            throw new BadInputException("shard " + file + ": record " + (count + i)
                + " has index " + indices[i] + ", expected " + want
                + " (records hold their source images in order, each once)");
          }
        }
        count += n;
      }
    }
    if (count != expected.count()) {
      throw new BadInputException("shard " + file + " yielded " + count + " examples, the "
          + "manifest says " + expected.count());
    }
    List<Long> declared = expected.classHistogram();
    for (int c = 0; c < hist.length; c++) {
      if (declared.get(c) != hist[c]) {
        throw new BadInputException("shard " + file + " holds " + hist[c] + " examples of class "
            + c + ", the manifest's class_histogram says " + declared.get(c));
      }
    }
  }

  /** Checks every field of a manifest read from {@code source}; names the field on failure. */
  public static void manifest(Manifest m, String source) {
    if (m.formatVersion() != Manifest.FORMAT_VERSION) {
      throw new BadInputException(source + ": unsupported manifest version "
          + m.formatVersion());
    }
    String split = required(m.split(), "split", source);
    if (!split.equals("train") && !split.equals("test")) {
      throw field(source, "split", split, "train or test");
    }
    ShardFormat format = ShardFormat.parse(required(m.format(), "format", source));
    if (!"float32".equals(m.dtype())) {
      throw new BadInputException(source + ": unsupported dtype " + m.dtype());
    }
    if (m.byteOrder() != null && !m.byteOrder().equals("little")) {
      throw field(source, "byte_order", m.byteOrder(), "little");
    }
    if (!SHAPE.equals(m.shape())) {
      throw field(source, "shape", m.shape(), SHAPE + " (channels, rows, columns)");
    }
    if (m.count() <= 0) {
      throw field(source, "count", m.count(), "a number of examples above 0");
    }
    normalization(m.normalization(), source);
    histogram(m.classHistogram(), m.count(), "class_histogram", source);
    List<Manifest.Shard> shards = m.shards();
    if (shards == null || shards.isEmpty()) {
      throw field(source, "shards", shards, "at least one shard");
    }
    Set<String> names = new HashSet<>();
    long sum = 0;
    long[] hist = new long[IdxReader.NUM_CLASSES];
    for (int i = 0; i < shards.size(); i++) {
      Manifest.Shard s = shards.get(i);
      String at = "shards[" + i + "]";
      if (s == null) {
        throw field(source, at, null, "a shard");
      }
      String name = s.file();
      if (name == null || !SHARD_NAME.matcher(name).matches()
          || !name.endsWith(format.extension())) {
        throw new BadInputException(source + ": invalid shard file name " + name + " in field "
            + at + ".file (expected a plain file name of letters, digits, '.', '_' or '-' "
            + "ending in " + format.extension() + ")");
      }
      if (!names.add(name)) {
        throw field(source, at + ".file", name, "a name listed once");
      }
      if (s.count() < 0) {
        throw field(source, at + ".count", s.count(), "0 or more");
      }
      if (s.firstIndex() < 0) {
        throw field(source, at + ".first_index", s.firstIndex(), "0 or more");
      }
      if (s.bytes() < 0) {
        throw field(source, at + ".bytes", s.bytes(), "0 or more");
      }
      if (s.crc32() == null || !CRC32.matcher(s.crc32()).matches()) {
        throw field(source, at + ".crc32", s.crc32(), "8 lower-case hex digits");
      }
      histogram(s.classHistogram(), s.count(), at + ".class_histogram", source);
      for (int c = 0; c < hist.length; c++) {
        hist[c] += s.classHistogram().get(c);
      }
      sum += s.count();
    }
    if (sum != m.count()) {
      throw new BadInputException(source + ": shard counts add up to " + sum
          + " but the manifest announces " + m.count());
    }
    for (int c = 0; c < hist.length; c++) {
      if (hist[c] != m.classHistogram().get(c)) {
        throw new BadInputException(source + ": the shards' class histograms add up to "
            + hist[c] + " examples of class " + c + " but field class_histogram says "
            + m.classHistogram().get(c));
      }
    }
    expansion(m, source);
  }

  /** An expanded training split: K copies of n originals make its count. */
  private static void expansion(Manifest m, String source) {
    Manifest.Expansion e = m.expansion();
    if (e == null) {
      return;
    }
    if (!"train".equals(m.split())) {
      throw field(source, "expansion", "present", "absent in a " + m.split() + " split");
    }
    if (e.copies() < 1 || e.copies() > DatasetPreparer.MAX_EXPANSION) {
      throw field(source, "expansion.copies", e.copies(), "1 to "
          + DatasetPreparer.MAX_EXPANSION);
    }
    if (e.deformations() == null) {
      throw field(source, "expansion.deformations", null, "the deformation parameters");
    }
    if (e.originals() <= 0 || e.originals() * (e.copies() + 1L) != m.count()) {
      throw field(source, "expansion.originals", e.originals(), "count / (copies + 1) = "
          + m.count() + " / " + (e.copies() + 1));
    }
  }

  private static void normalization(Manifest.NormalizationInfo n, String source) {
    if (n == null) {
      throw field(source, "normalization", null, "mean and std");
    }
    if (!Double.isFinite(n.mean())) {
      throw field(source, "normalization.mean", n.mean(), "a finite number");
    }
    if (!Double.isFinite(n.std()) || n.std() <= 0) {
      throw field(source, "normalization.std", n.std(), "a finite number above 0");
    }
  }

  private static void histogram(List<Long> h, long count, String name, String source) {
    if (h == null || h.size() != IdxReader.NUM_CLASSES) {
      throw field(source, name, h, IdxReader.NUM_CLASSES + " counts, one per digit");
    }
    long sum = 0;
    for (Long v : h) {
      if (v == null || v < 0) {
        throw field(source, name, h, "counts of 0 or more");
      }
      sum += v;
    }
    if (sum != count) {
      throw new BadInputException(source + ": " + name + " adds up to " + sum
          + " but the manifest announces " + count + " examples");
    }
  }

  private static String required(String value, String name, String source) {
    if (value == null) {
      throw field(source, name, null, "a value");
    }
    return value;
  }

  private static BadInputException field(String source, String name, Object value,
      String expected) {
    return new BadInputException(source + ": field " + name + " is " + value + ", expected "
        + expected);
  }
}
