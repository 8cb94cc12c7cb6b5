package org.lenet5spark.data;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.io.Checksums;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.io.OutputLock;
import org.lenet5spark.io.OutputOwnership;
import org.lenet5spark.io.Publisher;
import org.lenet5spark.io.SerializableHadoopConf;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code prepare} stage, a Spark job: reads the four IDX files (raw or gzipped) from any
 * Hadoop file system, checks them, computes the normalisation on the training images, and writes
 * float32 shards of both splits in parallel (one Spark task per shard) with a manifest per split.
 * With {@code --expand K} the training split also gets K deformed copies of every image
 * ({@link Deformations}), each copy of each shard written by its own task from the source slice,
 * so no process holds more than one shard of the expanded split.
 * Everything, {@code _SUCCESS} last, is written into a hidden sibling folder and published by
 * {@link Publisher} (an interrupted publish is completed or rolled back by the next run); an
 * existing output is replaced only when it is prepared data ({@link OutputOwnership}) and
 * {@code --overwrite} is given; a failure leaves the previous output untouched. Runs after
 * {@code fetch};
 * {@code train} and {@code evaluate} read what it writes.
 */
public final class DatasetPreparer {
  private static final Logger LOG = LoggerFactory.getLogger(DatasetPreparer.class);

  /** Required image height and width. */
  public static final int ROWS = 28;
  /** Required image width. */
  public static final int COLS = 28;

  /** Names of the source IDX files, relative to the input folder (a {@code .gz} twin is found). */
  public record SourceNames(String trainImages, String trainLabels, String testImages,
      String testLabels) implements Serializable {
    /** MNIST's file names. */
    public static final SourceNames MNIST = new SourceNames(MnistFiles.TRAIN_IMAGES,
        MnistFiles.TRAIN_LABELS, MnistFiles.TEST_IMAGES, MnistFiles.TEST_LABELS);
  }

  /**
   * Options of a run.
   *
   * @param input folder holding the IDX files
   * @param output folder to create (must not exist unless {@code overwrite})
   * @param format shard format
   * @param shards number of shards of the training split (the test split gets as many, at most
   *     one per 1,000 images)
   * @param names source file names
   * @param overwrite replace an existing output
   * @param expand deformed copies of each training image to add ({@code --expand}, 0: none, at
   *     most {@link #MAX_EXPANSION})
   * @param expandSeed seed of the deformations
   */
  public record Options(Path input, Path output, ShardFormat format, int shards,
      SourceNames names, boolean overwrite, int expand, long expandSeed) {
    public Options {
      if (shards < 1 || shards > 10_000) {
        throw new BadInputException("--shards must be between 1 and 10000, got " + shards);
      }
      if (expand < 0 || expand > MAX_EXPANSION) {
        throw new BadInputException("--expand must be between 0 and " + MAX_EXPANSION
            + " (the maximum), got " + expand);
      }
    }

    /** Options without expansion. */
    public Options(Path input, Path output, ShardFormat format, int shards, SourceNames names,
        boolean overwrite) {
      this(input, output, format, shards, names, overwrite, 0, DEFAULT_EXPAND_SEED);
    }
  }

  /**
   * Largest {@code --expand}: 200 copies make MNIST's 60,000 training images 12.06 million
   * (about 38 GB of float32 shards), beyond infiMNIST's 8.1 million (K = 134); indices stay far
   * below the int32 limit of the shard formats.
   */
  public static final int MAX_EXPANSION = 200;
  /** Default seed of the deformations of {@code --expand}. */
  public static final long DEFAULT_EXPAND_SEED = 12345;

  /** What a run wrote. */
  public record Result(Path output, Manifest train, Manifest test, double seconds) {
  }

  private DatasetPreparer() {
  }

  /** Runs the stage, holding the output's lock (see {@link OutputLock}) while it writes. */
  public static Result run(JavaSparkContext sc, Options o) throws IOException {
    try (OutputLock lock = OutputLock.acquire(o.output(), sc.hadoopConfiguration(), "prepare")) {
      return runLocked(sc, o, lock);
    }
  }

  private static Result runLocked(JavaSparkContext sc, Options o, OutputLock lock)
      throws IOException {
    long t0 = System.nanoTime();
    Configuration conf = sc.hadoopConfiguration();
    FileSystem outFs = HadoopFs.fs(o.output(), conf);
    Path output = outFs.makeQualified(o.output());
    Publisher.recover(outFs, output);
    checkOutput(output, o.overwrite(), conf);

    Path trainImagesPath = locate(o.input(), o.names().trainImages(), conf);
    Path trainLabelsPath = locate(o.input(), o.names().trainLabels(), conf);
    Path testImagesPath = locate(o.input(), o.names().testImages(), conf);
    Path testLabelsPath = locate(o.input(), o.names().testLabels(), conf);
    OutputOwnership.checkApart(output, List.of(o.input(), trainImagesPath, trainLabelsPath,
        testImagesPath, testLabelsPath), conf);

    IdxReader.Images trainImages = IdxReader.readImages(trainImagesPath, conf, ROWS, COLS);
    IdxReader.Labels trainLabels = IdxReader.readLabels(trainLabelsPath, conf);
    IdxReader.checkPair(trainImages, trainLabels);
    IdxReader.Images testImages = IdxReader.readImages(testImagesPath, conf, ROWS, COLS);
    IdxReader.Labels testLabels = IdxReader.readLabels(testLabelsPath, conf);
    IdxReader.checkPair(testImages, testLabels);
    Normalization norm = Normalization.of(trainImages.pixels());
    LOG.info("Read {} training and {} test images; normalisation mean={} std={}",
        trainImages.count(), testImages.count(), norm.mean(), norm.std());

    Publisher.Staged staged = Publisher.stage(outFs, output);
    Path staging = staged.dir();
    boolean published = false;
    try {
      SerializableHadoopConf shc = new SerializableHadoopConf(conf);
      Manifest.Expansion expansion = o.expand() == 0 ? null : new Manifest.Expansion(
          o.expand(), o.expandSeed(), trainImages.count(), Deformations.DEFAULT);
      Manifest train = writeSplit(sc, shc, staging, "train", trainImages, trainLabels, norm,
          List.of(source("images", trainImagesPath, conf), source("labels", trainLabelsPath, conf)),
          o.format(), o.shards(), expansion);
      int testShards = Math.max(1, Math.min(o.shards(), testImages.count() / 1000));
      Manifest test = writeSplit(sc, shc, staging, "test", testImages, testLabels, norm,
          List.of(source("images", testImagesPath, conf), source("labels", testLabelsPath, conf)),
          o.format(), testShards, null);
      outFs.create(new Path(staging, Publisher.SUCCESS), true).close();
      Publisher.publish(staged, lock);
      published = true;
      double secs = (System.nanoTime() - t0) / 1e9;
      LOG.info("Prepared {} ({} shards, {} training images) in {} s", output, o.format().id(),
          train.count(), secs);
      return new Result(output, train, test, secs);
    } finally {
      if (!published) {
        Publisher.discard(staged);
      }
    }
  }

  /**
   * Refuses an output that is not prepared data written by this job ({@link OutputOwnership}),
   * and prepared data unless asked to replace it.
   */
  static void checkOutput(Path output, boolean overwrite, Configuration conf)
      throws IOException {
    OutputOwnership.State state = OutputOwnership.inspect(output,
        OutputOwnership.Kind.PREPARED, conf);
    if (state == OutputOwnership.State.OURS && !overwrite) {
      throw new BadInputException("output " + output
          + " already holds prepared data (pass --overwrite to replace it)");
    }
  }

  /** Finds {@code name} or {@code name.gz} in the input folder (or takes an absolute URI). */
  static Path locate(Path input, String name, Configuration conf) throws IOException {
    Path direct = name.contains(":") || name.startsWith("/") ? HadoopFs.resolve(name)
        : new Path(input, name);
    if (HadoopFs.exists(direct, conf)) {
      return direct;
    }
    Path gz = direct.suffix(".gz");
    if (HadoopFs.exists(gz, conf)) {
      return gz;
    }
    if (!HadoopFs.exists(input, conf)) {
      throw new BadInputException("input folder does not exist: " + input);
    }
    throw new BadInputException("missing input file: " + direct + " (nor " + gz.getName() + ")");
  }

  private static Manifest.SourceFile source(String role, Path path, Configuration conf)
      throws IOException {
    Checksums.Sum sum = Checksums.sha256(path, conf);
    return new Manifest.SourceFile(role, path.getName(), sum.bytes(), sum.hex());
  }

  private static Manifest writeSplit(JavaSparkContext sc, SerializableHadoopConf conf,
      Path staging, String split, IdxReader.Images images, IdxReader.Labels labels,
      Normalization norm, List<Manifest.SourceFile> sources, ShardFormat format, int shards,
      Manifest.Expansion expansion) throws IOException {
    Path dir = new Path(staging, split);
    HadoopFs.fs(dir, conf.get()).mkdirs(dir);
    List<ShardTask> tasks = new ArrayList<>();
    int n = images.count();
    int shardCount = Math.min(shards, n);
    int copies = expansion == null ? 0 : expansion.copies();
    // the originals first, as without --expand (same files, same bytes), then copy after copy
    // with the same slicing: shard k * shardCount + s holds copy k of the slice of shard s
    for (int k = 0; k <= copies; k++) {
      for (int s = 0; s < shardCount; s++) {
        int start = (int) ((long) n * s / shardCount);
        int end = (int) ((long) n * (s + 1) / shardCount);
        String file = String.format("part-%05d%s", k * shardCount + s, format.extension());
        tasks.add(new ShardTask(split, new Path(dir, file).toString(), start, end - start,
            k * n + start, k, k == 0 ? null : expansion));
      }
    }
    Broadcast<IdxReader.Images> bImages = sc.broadcast(images);
    Broadcast<IdxReader.Labels> bLabels = sc.broadcast(labels);
    List<Manifest.Shard> written;
    try {
      written = sc.parallelize(tasks, tasks.size())
          .map(t -> t.write(bImages.value(), bLabels.value(), norm, format, conf.get()))
          .collect();
    } finally {
      bImages.destroy();
      bLabels.destroy();
    }
    long[] hist = new long[IdxReader.NUM_CLASSES];
    for (Manifest.Shard s : written) {
      for (int c = 0; c < hist.length; c++) {
        hist[c] += s.classHistogram().get(c);
      }
    }
    Manifest m = new Manifest(Manifest.FORMAT_VERSION, split, format.id(),
        (long) n * (copies + 1), List.of(1, images.rows(), images.cols()), "float32", "little",
        new Manifest.NormalizationInfo(norm.mean(), norm.std(), Normalization.FORMULA, "train"),
        Arrays.stream(hist).boxed().toList(), sources, written, expansion);
    m.write(dir, conf.get());
    return m;
  }

  /**
   * One Spark task: writes one shard and reports its size, CRC32 and class histogram. Copy 0 is
   * the source images {@code [start, start + count)}; copy {@code k > 0} deforms that slice
   * ({@link Deformations}) into a buffer of the slice's size only, so no task holds more than
   * one shard of the expanded split.
   *
   * @param firstIndex index of the shard's first example in the (expanded) split
   * @param copy 0 for the originals, else the number of the deformed copy
   * @param expansion the expansion (null for the originals)
   */
  record ShardTask(String split, String file, int start, int count, long firstIndex, int copy,
      Manifest.Expansion expansion) implements Serializable {
    Manifest.Shard write(IdxReader.Images images, IdxReader.Labels labels, Normalization norm,
        ShardFormat format, Configuration conf) throws IOException {
      Path path = new Path(file);
      ShardCodec.ShardContent content;
      if (copy == 0) {
        content = new ShardCodec.ShardContent(split, images, labels, start, count, norm);
      } else {
        int size = images.imageSize();
        byte[] deformed = new byte[count * size];
        expansion.deformations().deform(images.pixels(), start, deformed, count, images.rows(),
            images.cols(), expansion.seed(), copy, start);
        IdxReader.Images slice = new IdxReader.Images(images.source(), count, images.rows(),
            images.cols(), deformed);
        IdxReader.Labels sliceLabels = new IdxReader.Labels(labels.source(), count,
            Arrays.copyOfRange(labels.labels(), start, start + count));
        content = new ShardCodec.ShardContent(split, slice, sliceLabels, 0, count, norm,
            Math.toIntExact(firstIndex));
      }
      format.codec().write(path, conf, content);
      Checksums.Sum crc = Checksums.crc32(path, conf);
      long[] hist = new long[IdxReader.NUM_CLASSES];
      byte[] l = labels.labels();
      for (int i = start; i < start + count; i++) {
        hist[l[i] & 0xff]++;
      }
      return new Manifest.Shard(path.getName(), count, firstIndex, crc.bytes(), crc.hex(),
          Arrays.stream(hist).boxed().toList());
    }
  }
}
