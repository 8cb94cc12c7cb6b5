package org.lenet5spark.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.hadoop.conf.Configuration;
import org.lenet5spark.data.ExampleBlock;
import org.lenet5spark.data.IdxReader;
import org.lenet5spark.data.Manifest;
import org.lenet5spark.data.ShardCatalog;
import org.lenet5spark.data.ShardRecordReader;
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.io.Checksums;

/**
 * The validation split ({@code train --validation}): a seeded, class-stratified set of training
 * record indices (a record's index is its position in the source, {@code first_index + k} of its
 * shard, which every shard reader checks) that neither engine trains on and that the driver
 * evaluates after every epoch. It depends only on the labels by record index, the number asked
 * for and the seed, so the local and the Spark engine, and every resume, hold out the same
 * images; {@link #fingerprint} (SHA-256 of the sorted indices, one decimal per line) proves it.
 *
 * <p>An expanded training split ({@code prepare --expand K}: {@code n} originals at indices
 * {@code 0..n-1}, copy {@code k} of original {@code i} at {@code k * n + i}) is split by its
 * originals: the held-out images are drawn among the originals only (their labels are read from
 * the shards that hold indices below {@code n}, the first {@code --shards} of prepare), the size
 * is counted in originals, the validation set holds those originals only, and every deformed copy
 * of a held-out original is excluded from training with it ({@link #excludes}: index
 * {@code mod n} held out), so no image of the validation set is trained on in any form.
 *
 * <p>Stratified: class {@code c} with {@code n_c} of the {@code n} training images gives
 * {@code round(n_c * v / n)} of the {@code v} images (at least one, at most {@code n_c - 1}),
 * adjusted one image at a time (largest rounding error first, ties to the lower class) until the
 * total is exactly {@code v}; within a class the images are drawn by a shuffle seeded with the
 * run's seed.
 *
 * @param indices the held-out record indices, ascending
 * @param perClass held-out images per class
 * @param trainingImages records of the training split (held out or not; with an expansion the
 *     originals and all their copies)
 * @param rule how the count was chosen
 * @param copies deformed copies of each original ({@code prepare --expand K}); 0 when the split
 *     is not expanded
 */
public record ValidationSplit(int[] indices, long[] perClass, long trainingImages, String rule,
    int copies) {
  /** Mixed into the seed so that the split does not reuse the shuffling's random stream. */
  private static final long SALT = 0x5EEDA11L;

  /** A split of a training split that is not expanded. */
  public ValidationSplit(int[] indices, long[] perClass, long trainingImages, String rule) {
    this(indices, perClass, trainingImages, rule, 0);
  }

  /** No validation split ({@code --validation 0}). */
  public static ValidationSplit none(long trainingImages, String rule) {
    return new ValidationSplit(new int[0], new long[IdxReader.NUM_CLASSES], trainingImages, rule);
  }

  /**
   * The split of {@code --validation v} of a training split, chosen from the labels of its
   * originals (of all its records when it is not expanded), read on the driver from the shards
   * that hold them.
   */
  public static ValidationSplit of(ShardCatalog catalog, Configuration conf,
      TrainOptions.Validation v, long seed) throws IOException {
    return choose(labelsByIndex(catalog, conf), v, seed, catalog.manifest());
  }

  /**
   * The split of {@code --validation v} of a training split with manifest {@code m} whose
   * records (all of them, or only its originals: indices {@code 0..originals-1}) have the labels
   * {@code labels}; the held-out images are drawn among the originals.
   */
  public static ValidationSplit choose(int[] labels, TrainOptions.Validation v, long seed,
      Manifest m) {
    Manifest.Expansion e = m.expansion();
    if (e == null) {
      return choose(labels, v, seed);
    }
    int n = (int) e.originals();
    if (labels.length != n && labels.length != m.count()) {
      throw new IllegalArgumentException(labels.length + " labels for a split of " + n
          + " originals and " + m.count() + " records");
    }
    ValidationSplit s = choose(Arrays.copyOf(labels, n), v, seed, " original");
    return new ValidationSplit(s.indices(), s.perClass(), m.count(), s.rule(), e.copies());
  }

  /**
   * Records per original and its copies: the split's count without expansion (so that
   * {@code index mod period} is the index itself), the number of originals with one.
   */
  public int period() {
    return (int) (trainingImages / (copies + 1L));
  }

  /** Records excluded from training: the held-out images and every copy of each. */
  public long excluded() {
    return indices.length * (copies + 1L);
  }

  /** Records left to train on. */
  public long trainExamples() {
    return trainingImages - excluded();
  }

  /**
   * Whether record {@code index} may not be trained on: a held-out image or, in an expanded
   * split, a deformed copy of one.
   */
  public boolean excludes(int index) {
    return copies == 0 ? holdsOut(index) : holdsOut(index % period());
  }

  /**
   * What the executors need to drop the excluded records: the held-out indices (ascending) are
   * broadcast with {@link #period()} when the split is expanded (0 otherwise: exact indices),
   * see {@link org.lenet5spark.data.ShardMinibatches#excluded}.
   */
  public int broadcastPeriod() {
    return copies == 0 ? 0 : period();
  }

  /** Where the held-out images were drawn from (run.json). */
  public String drawnFrom() {
    if (copies == 0) {
      return "all training records";
    }
    return "original images only (indices 0.." + (period() - 1) + " of " + trainingImages
        + " records; every one of the " + copies + " deformed copies of a held-out image "
        + "excluded from training too)";
  }

  /** Number of held-out images. */
  public int count() {
    return indices.length;
  }

  /** Whether anything is held out. */
  public boolean isEmpty() {
    return indices.length == 0;
  }

  /** Whether record {@code index} is held out (is in the validation set). */
  public boolean holdsOut(int index) {
    return Arrays.binarySearch(indices, index) >= 0;
  }

  /**
   * SHA-256 (hex) of the held-out indices in ascending order, each written in decimal followed
   * by a newline; the empty string's hash when nothing is held out.
   */
  public String fingerprint() {
    StringBuilder sb = new StringBuilder();
    for (int i : indices) {
      sb.append(i).append('\n');
    }
    return Checksums.sha256(sb.toString().getBytes(StandardCharsets.UTF_8));
  }

  /**
   * What the trajectory of a resumed run must agree with: the count and the fingerprint (and,
   * for an expanded split, that the copies are excluded with their originals).
   */
  public String trajectoryValue() {
    return indices.length + " images, sha256 " + fingerprint()
        + (copies == 0 ? "" : ", originals of " + copies + " copies each, copies excluded");
  }

  /**
   * The labels of a split's images by record index, read on the driver from its shards (every
   * reader checks each record): of all its records, or of an expanded split's originals only
   * (indices {@code 0..originals-1}), read from the shards whose first index is below the
   * number of originals, so the copies' shards are never opened. An index outside
   * {@code 0..count-1} or seen twice is bad input.
   */
  public static int[] labelsByIndex(ShardCatalog catalog, Configuration conf) throws IOException {
    Manifest m = catalog.manifest();
    long total = m.count();
    int n = (int) Math.min(Integer.MAX_VALUE, originals(m));
    int[] labels = new int[n];
    Arrays.fill(labels, -1);
    int batch = 256;
    float[] f = new float[batch * m.rows() * m.cols()];
    int[] l = new int[batch];
    int[] idx = new int[batch];
    for (int s : shardsHoldingOriginals(m)) {
      org.apache.hadoop.fs.Path p = catalog.shards().get(s);
      try (ShardRecordReader r = m.shardFormat().codec().open(p, conf, m.rows(), m.cols())) {
        int k;
        while ((k = r.read(f, l, idx, batch)) > 0) {
          for (int i = 0; i < k; i++) {
            if (idx[i] >= n && idx[i] < total) {
              continue;
            }
            put(labels, idx[i], l[i], catalog);
          }
        }
      }
    }
    return checkComplete(labels, catalog.split());
  }

  /** The originals of a split: its count, or an expanded split's number of originals. */
  private static long originals(Manifest m) {
    return m.expansion() == null ? m.count() : m.expansion().originals();
  }

  /**
   * The shards (positions in the manifest) that may hold an original: every shard of a split
   * that is not expanded, else those whose first index is below the number of originals.
   */
  private static List<Integer> shardsHoldingOriginals(Manifest m) {
    List<Integer> out = new ArrayList<>();
    long n = originals(m);
    for (int s = 0; s < m.shards().size(); s++) {
      if (m.expansion() == null || m.shards().get(s).firstIndex() < n) {
        out.add(s);
      }
    }
    return out;
  }

  /** The labels by record index of a block read whole ({@link ExampleBlock#read}). */
  public static int[] labelsByIndex(ExampleBlock block, String split) {
    int[] labels = new int[block.count()];
    Arrays.fill(labels, -1);
    for (int i = 0; i < block.count(); i++) {
      put(labels, block.indices()[i], block.labels()[i], split);
    }
    return checkComplete(labels, split);
  }

  private static void put(int[] labels, int index, int label, Object split) {
    if (index < 0 || index >= labels.length || labels[index] != -1) {
      throw new BadInputException("split " + split + ": record index " + index + " is outside "
          + "0.." + (labels.length - 1) + " or seen twice");
    }
    labels[index] = label;
  }

  private static int[] checkComplete(int[] labels, String split) {
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0) {
        throw new BadInputException("split " + split + ": no record has index " + i);
      }
    }
    return labels;
  }

  /**
   * Chooses the held-out indices for {@code --validation v} of a training split whose record
   * {@code i} has label {@code labels[i]}; bad input (exit 3) when {@code v} is not smaller
   * than the split, would leave a class with no training image, or is too small to give every
   * class present one validation image.
   */
  public static ValidationSplit choose(int[] labels, TrainOptions.Validation v, long seed) {
    return choose(labels, v, seed, "");
  }

  /** {@link #choose}, naming the images {@code kind} ("" or " original") in its messages. */
  private static ValidationSplit choose(int[] labels, TrainOptions.Validation v, long seed,
      String kind) {
    int n = labels.length;
    long[] nc = new long[IdxReader.NUM_CLASSES];
    for (int label : labels) {
      nc[label]++;
    }
    int present = 0;
    for (long c : nc) {
      present += c > 0 ? 1 : 0;
    }
    long want = v.resolve(n, present);
    if (want == 0) {
      if (!v.off()) {
        throw new BadInputException("--validation " + v.spelling() + " holds out no image of "
            + "the " + n + kind + " training images (use 0 to turn validation off)");
      }
      return none(n, v.rule());
    }
    if (want >= n) {
      throw new BadInputException("--validation " + v.spelling() + " asks for " + want
          + " images but the training split holds only " + n + kind + " images");
    }
    if (want < present) {
      throw new BadInputException("--validation " + v.spelling() + " (" + want + " images) "
          + "cannot hold out an image of each of the " + present + " classes present");
    }
    long[] q = allocate(nc, n, want, v.spelling());
    SplittableRandom random = new SplittableRandom(seed ^ SALT);
    List<Integer> chosen = new ArrayList<>();
    for (int c = 0; c < nc.length; c++) {
      int[] ofClass = new int[(int) nc[c]];
      int k = 0;
      for (int i = 0; i < n; i++) {
        if (labels[i] == c) {
          ofClass[k++] = i;
        }
      }
      int[] order = LocalEngine.permutation(ofClass.length, random);
      for (int j = 0; j < q[c]; j++) {
        chosen.add(ofClass[order[j]]);
      }
    }
    int[] indices = chosen.stream().mapToInt(Integer::intValue).sorted().toArray();
    return new ValidationSplit(indices, q, n, v.rule());
  }

  /** Images held out per class, adding up to exactly {@code want}. */
  private static long[] allocate(long[] nc, long n, long want, String spelling) {
    long[] q = new long[nc.length];
    long sum = 0;
    for (int c = 0; c < nc.length; c++) {
      if (nc[c] == 0) {
        continue;
      }
      if (nc[c] == 1) {
        throw new BadInputException("--validation " + spelling + ": class " + c + " has a "
            + "single training image, which cannot be both trained on and validated");
      }
      // round half up of nc * want / n, then at least 1 and at most nc - 1
      q[c] = Math.max(1, Math.min(nc[c] - 1, (2 * nc[c] * want + n) / (2 * n)));
      sum += q[c];
    }
    while (sum != want) {
      int pick = -1;
      long bestErr = Long.MIN_VALUE;
      for (int c = 0; c < nc.length; c++) {
        // error of the allocation, times n: positive when class c holds out too many
        long err = q[c] * n - nc[c] * want;
        long signed = sum > want ? err : -err;
        boolean movable = sum > want ? q[c] > 1 : nc[c] > 0 && q[c] < nc[c] - 1;
        if (movable && signed > bestErr) {
          bestErr = signed;
          pick = c;
        }
      }
      if (pick < 0) {
        throw new BadInputException("--validation " + spelling + " (" + want + " images) "
            + "would leave a class with no training image");
      }
      q[pick] += sum > want ? -1 : 1;
      sum += sum > want ? -1 : 1;
    }
    return q;
  }

  /**
   * The held-out examples of a split, read shard by shard on the driver and kept only when held
   * out (the Spark engine's driver never holds the whole training split), in index order; of an
   * expanded split only the originals' shards are read (the validation set is originals only).
   */
  public ExampleBlock readHeldOut(ShardCatalog catalog, Configuration conf) throws IOException {
    Manifest m = catalog.manifest();
    int size = m.rows() * m.cols();
    float[] features = new float[indices.length * size];
    int[] labels = new int[indices.length];
    int[] idx = new int[indices.length];
    int batch = 256;
    float[] f = new float[batch * size];
    int[] l = new int[batch];
    int[] ri = new int[batch];
    int k = 0;
    for (int s : shardsHoldingOriginals(m)) {
      org.apache.hadoop.fs.Path p = catalog.shards().get(s);
      try (ShardRecordReader r = m.shardFormat().codec().open(p, conf, m.rows(), m.cols())) {
        int n;
        while ((n = r.read(f, l, ri, batch)) > 0) {
          for (int i = 0; i < n; i++) {
            if (holdsOut(ri[i])) {
              if (k == indices.length) {
                throw new BadInputException("split " + catalog.split() + " holds a record index "
                    + "twice: " + ri[i]);
              }
              System.arraycopy(f, i * size, features, k * size, size);
              labels[k] = l[i];
              idx[k] = ri[i];
              k++;
            }
          }
        }
      }
    }
    if (k != indices.length) {
      throw new BadInputException("split " + catalog.split() + " yielded " + k + " of the "
          + indices.length + " held-out records");
    }
    return new ExampleBlock(k, m.rows(), m.cols(), features, labels, idx);
  }

  /**
   * The examples of {@code block} held out ({@code heldOut}: the validation set) or kept for
   * training (neither held out nor, in an expanded split, a copy of a held-out image).
   */
  public ExampleBlock select(ExampleBlock block, boolean heldOut) {
    int size = block.imageSize();
    int keep = 0;
    for (int i = 0; i < block.count(); i++) {
      keep += selects(block.indices()[i], heldOut) ? 1 : 0;
    }
    float[] f = new float[keep * size];
    int[] l = new int[keep];
    int[] idx = new int[keep];
    int k = 0;
    for (int i = 0; i < block.count(); i++) {
      if (selects(block.indices()[i], heldOut)) {
        System.arraycopy(block.features(), i * size, f, k * size, size);
        l[k] = block.labels()[i];
        idx[k] = block.indices()[i];
        k++;
      }
    }
    return new ExampleBlock(keep, block.rows(), block.cols(), f, l, idx);
  }

  private boolean selects(int index, boolean heldOut) {
    return heldOut ? holdsOut(index) : !excludes(index);
  }
}
