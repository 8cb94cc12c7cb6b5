package org.lenet5spark.predict;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import org.lenet5spark.compat.Dl4jWorkarounds;
import org.lenet5spark.data.DigitImage;
import org.lenet5spark.data.ExampleBlock;
import org.lenet5spark.data.IdxInput;
import org.lenet5spark.data.Manifest;
import org.lenet5spark.data.Normalization;
import org.lenet5spark.data.ShardFormat;
import org.lenet5spark.data.ShardRecordReader;
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.eval.InputNormalization;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.io.OutputOwnership;
import org.lenet5spark.io.SerializableHadoopConf;
import org.lenet5spark.model.LeNet5;
import org.lenet5spark.model.ModelStore;
import org.lenet5spark.model.ScoringModel;
import org.lenet5spark.spark.SparkContexts;
import org.lenet5spark.spark.StageResources;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code predict} job: loads {@code model.zip} (any Hadoop URI), recognises the input
 * ({@link PredictInput}) and predicts every example, either in this process or on Spark with the
 * model broadcast once and one task per shard, per slice of 2,048 IDX images or per group of
 * pictures; the tasks run in parallel, their results are kept by Spark and then streamed to the
 * driver one partition at a time, in input order, and written by {@link PredictionWriter}. Runs
 * after {@code train}.
 */
public final class PredictJob {
  private static final Logger LOG = LoggerFactory.getLogger(PredictJob.class);
  /** IDX images per Spark task. */
  static final int IDX_SLICE = 2048;

  private PredictJob() {
  }

  /** What was done. */
  public record Summary(long rows, PredictInput.Kind kind, boolean spark) {
  }

  /** A slice of an IDX file shipped to a task: raw pixels and labels (-1 when unknown). */
  record IdxSlice(int first, byte[] pixels, int[] labels) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  /** Runs the job; {@code stdout} receives the CSV when no output file is given. */
  public static Summary run(PredictOptions o, PrintStream stdout) throws IOException {
    Configuration conf = HadoopFs.newConfiguration();
    if (o.output() != null) {
      OutputOwnership.checkApart(o.output(), List.of(o.model(), o.input()), conf);
      OutputOwnership.State state = OutputOwnership.inspect(o.output(),
          OutputOwnership.Kind.PREDICTIONS, conf);
      if (state == OutputOwnership.State.OURS && !o.overwrite()) {
        throw new BadInputException("output exists: " + o.output() + " (use --overwrite)");
      }
    }
    // read once: the bytes checked by ModelZipGuard here are the bytes the executors restore
    byte[] modelBytes = HadoopFs.readAll(o.model(), conf, ModelStore.MAX_MODEL_BYTES);
    ScoringModel loaded = ScoringModel.of(modelBytes, o.model().toString(),
        LeNet5.Kernels.parse(o.kernels()));
    Normalization norm = InputNormalization.of(loaded.normalizer(), o.model().toString());
    PredictInput in = PredictInput.detect(o.input(), o.split(), o.imagesName(), o.labelsName(),
        conf);
    if (in.kind() == PredictInput.Kind.SHARDS) {
      InputNormalization.requireMatches(norm, in.shards().manifest().toNormalization());
    }
    IdxInput.Raw idxRaw = in.kind() == PredictInput.Kind.IDX ? in.idx().readRaw(conf) : null;
    long count = switch (in.kind()) {
      case SHARDS -> in.shards().count();
      case IDX -> idxRaw.images().count();
      case IMAGES -> in.images().size();
    };
    boolean spark = o.useSpark(count);
    LOG.info("predicting {} {} input(s) from {} {}", count, in.kind(), o.input(),
        spark ? "on Spark" : "in this process");
    if (!spark) {
      Iterator<Prediction> rows = local(new Predictor(loaded), in, idxRaw, norm,
          conf);
      return new Summary(write(rows, o, conf, stdout), in.kind(), false);
    }
    JavaSparkContext sc = SparkContexts.start("lenet5-predict", o.master());
    try {
      // compute every partition in parallel once (kept serialised, spilling to disk), then
      // stream the partitions to the driver one at a time, in input order
      LongAccumulator loads = sc.sc().longAccumulator("lenet5 model loads");
      JavaRDD<Prediction> predictions = distributed(sc, modelBytes, o.kernels(), in, idxRaw, norm,
          loads).persist(StorageLevel.MEMORY_AND_DISK_SER());
      long computed = predictions.count();
      // one load per executor JVM that ran a task (ScoringModel's cache), not one per task
      LOG.info("predicted {} inputs in {} Spark tasks; the model was deserialised {} time(s) "
          + "on the executors", computed, predictions.getNumPartitions(), loads.value());
      Iterator<Prediction> rows = predictions.toLocalIterator();
      return new Summary(write(rows, o, conf, stdout), in.kind(), true);
    } finally {
      sc.stop();
    }
  }

  private static long write(Iterator<Prediction> rows, PredictOptions o, Configuration conf,
      PrintStream stdout) throws IOException {
    if (o.output() == null) {
      return PredictionWriter.writeCsv(rows, stdout);
    }
    return o.format().equals("parquet")
        ? PredictionWriter.writeParquet(rows, o.output(), conf)
        : PredictionWriter.writeCsv(rows, o.output(), conf);
  }

  private static Iterator<Prediction> local(Predictor predictor, PredictInput in,
      IdxInput.Raw idxRaw, Normalization norm, Configuration conf) throws IOException {
    switch (in.kind()) {
      case SHARDS -> {
        in.shards().verifyChecksums(conf);
        return predictBlock(predictor, ExampleBlock.read(in.shards(), conf)).iterator();
      }
      case IDX -> {
        return predictBlock(predictor,
            IdxInput.toBlock(idxRaw.images(), idxRaw.labels(), norm)).iterator();
      }
      default -> {
        List<String> paths = new ArrayList<>();
        in.images().forEach(p -> paths.add(p.toString()));
        return predictImages(predictor, paths, norm, conf).iterator();
      }
    }
  }

  private static List<Prediction> predictBlock(Predictor predictor, ExampleBlock block) {
    String[] ids = new String[block.count()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = Integer.toString(block.indices()[i]);
    }
    return predictor.predict(block.features(), block.labels(), ids, 0, block.count());
  }

  /** Reads, converts and predicts pictures (ids: file names; labels unknown). */
  static List<Prediction> predictImages(Predictor predictor, List<String> paths,
      Normalization norm, Configuration conf) throws IOException {
    float[] lut = norm.lookupTable();
    int size = DigitImage.SIZE * DigitImage.SIZE;
    List<Prediction> out = new ArrayList<>();
    for (int start = 0; start < paths.size(); start += Predictor.BATCH) {
      int n = Math.min(Predictor.BATCH, paths.size() - start);
      float[] features = new float[n * size];
      int[] labels = new int[n];
      String[] ids = new String[n];
      for (int i = 0; i < n; i++) {
        Path p = new Path(paths.get(start + i));
        byte[] encoded = HadoopFs.readAll(p, conf, DigitImage.MAX_FILE_BYTES);
        byte[] px = DigitImage.fromEncoded(encoded, p.getName());
        for (int k = 0; k < size; k++) {
          features[i * size + k] = lut[px[k] & 0xff];
        }
        labels[i] = -1;
        ids[i] = p.getName();
      }
      out.addAll(predictor.predict(features, labels, ids, 0, n));
    }
    return out;
  }

  private static JavaRDD<Prediction> distributed(JavaSparkContext sc, byte[] modelBytes,
      String kernels, PredictInput in, IdxInput.Raw idxRaw, Normalization norm,
      LongAccumulator loads) {
    Broadcast<byte[]> model = sc.broadcast(modelBytes);
    SerializableHadoopConf conf = new SerializableHadoopConf(sc.hadoopConfiguration());
    switch (in.kind()) {
      case SHARDS -> {
        in.shards().verifyChecksums(sc);
        List<String> paths = new ArrayList<>();
        in.shards().shards().forEach(p -> paths.add(p.toString()));
        Manifest m = in.shards().manifest();
        ShardFormat format = m.shardFormat();
        int rows = m.rows();
        int cols = m.cols();
        FlatMapFunction<Iterator<String>, Prediction> task = it -> {
          Dl4jWorkarounds.apply();
          Predictor predictor = Predictor.fromModelBytes(model.value(), kernels, loads);
          List<Prediction> out = new ArrayList<>();
          while (it.hasNext()) {
            out.addAll(predictShard(predictor, new Path(it.next()), format, conf.get(), rows,
                cols));
          }
          return out.iterator();
        };
        return StageResources.forGpuTasks(sc, sc.parallelize(paths, paths.size()))
            .mapPartitions(task);
      }
      case IDX -> {
        List<IdxSlice> slices = idxSlices(idxRaw);
        float[] lut = norm.lookupTable();
        FlatMapFunction<Iterator<IdxSlice>, Prediction> task = it -> {
          Dl4jWorkarounds.apply();
          Predictor predictor = Predictor.fromModelBytes(model.value(), kernels, loads);
          List<Prediction> out = new ArrayList<>();
          while (it.hasNext()) {
            IdxSlice s = it.next();
            float[] f = new float[s.pixels().length];
            for (int i = 0; i < f.length; i++) {
              f[i] = lut[s.pixels()[i] & 0xff];
            }
            String[] ids = new String[s.labels().length];
            for (int i = 0; i < ids.length; i++) {
              ids[i] = Integer.toString(s.first() + i);
            }
            out.addAll(predictor.predict(f, s.labels(), ids, 0, ids.length));
          }
          return out.iterator();
        };
        return StageResources.forGpuTasks(sc,
            sc.parallelize(slices, Math.max(1, slices.size()))).mapPartitions(task);
      }
      default -> {
        List<String> paths = new ArrayList<>();
        in.images().forEach(p -> paths.add(p.toString()));
        int parts = Math.max(1, Math.min(paths.size(), sc.defaultParallelism() * 4));
        FlatMapFunction<Iterator<String>, Prediction> task = it -> {
          Dl4jWorkarounds.apply();
          Predictor predictor = Predictor.fromModelBytes(model.value(), kernels, loads);
          List<String> mine = new ArrayList<>();
          it.forEachRemaining(mine::add);
          return predictImages(predictor, mine, norm, conf.get()).iterator();
        };
        return StageResources.forGpuTasks(sc, sc.parallelize(paths, parts)).mapPartitions(task);
      }
    }
  }

  /** The IDX images in slices of {@link #IDX_SLICE}. */
  private static List<IdxSlice> idxSlices(IdxInput.Raw raw) {
    int size = raw.images().imageSize();
    int count = raw.images().count();
    List<IdxSlice> slices = new ArrayList<>();
    for (int start = 0; start < count; start += IDX_SLICE) {
      int n = Math.min(IDX_SLICE, count - start);
      byte[] px = new byte[n * size];
      System.arraycopy(raw.images().pixels(), start * size, px, 0, n * size);
      int[] labels = new int[n];
      System.arraycopy(raw.labels(), start, labels, 0, n);
      slices.add(new IdxSlice(start, px, labels));
    }
    return Collections.unmodifiableList(slices);
  }

  private static List<Prediction> predictShard(Predictor predictor, Path shard,
      ShardFormat format, Configuration conf, int rows, int cols) throws IOException {
    int size = rows * cols;
    float[] f = new float[Predictor.BATCH * size];
    int[] labels = new int[Predictor.BATCH];
    int[] indices = new int[Predictor.BATCH];
    List<Prediction> out = new ArrayList<>();
    try (ShardRecordReader r = format.codec().open(shard, conf, rows, cols)) {
      int n;
      while ((n = r.read(f, labels, indices, Predictor.BATCH)) > 0) {
        String[] ids = new String[n];
        for (int i = 0; i < n; i++) {
          ids[i] = Integer.toString(indices[i]);
        }
        out.addAll(predictor.predict(f, labels, ids, 0, n));
      }
    }
    return out;
  }
}
