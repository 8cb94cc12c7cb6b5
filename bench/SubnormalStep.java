import java.io.DataInputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.MultiLayerUpdater;
import org.lenet5spark.model.LeNet5;
import org.lenet5spark.model.ModelStore;
import org.lenet5spark.compat.Subnormals;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What subnormal weights cost a training step: one JVM, the same minibatches of real MNIST, a
 * model.zip as saved (with whatever subnormal parameters and updater state it holds) against the
 * same model with them set to zero, alternating blocks of STEPS fitted minibatches of 32 with the
 * fused kernels on one thread (as in a Spark task); each block starts from the loaded state.
 * Both networks train with DL4J's own updater over the loaded state (not the project's, which
 * would flush the "as saved" one within 8 steps); it costs both the same. Run by
 * bench/subnormal_step.sh; a model trained by a build before the periodic flush (commit 0a2a214
 * or older) has the subnormals to measure.
 */
public final class SubnormalStep {
  private SubnormalStep() {
  }

  public static void main(String[] args) throws IOException {
    String model = args[0];
    String idx = args[1];
    int steps = Integer.parseInt(args[2]);
    int blocks = Integer.parseInt(args[3]);
    List<DataSet> batches = batches(idx, steps);
    MultiLayerNetwork asSaved = load(model);
    MultiLayerNetwork flushed = load(model);
    Subnormals s = new Subnormals();
    int p = s.flush(flushed.params());
    int st = s.flush(flushed.getUpdater().getStateViewArray());
    System.out.printf("%s: %d parameters and %d updater state values were subnormal%n", model,
        p, st);
    INDArray[] saved = {asSaved.params().dup(), asSaved.getUpdater().getStateViewArray().dup()};
    INDArray[] zeroed = {flushed.params().dup(), flushed.getUpdater().getStateViewArray().dup()};
    double sumSaved = 0;
    double sumFlushed = 0;
    int counted = 0;
    System.out.println("| block | as saved, ms per step | flushed, ms per step | flushed / as saved |");
    System.out.println("| --- | --- | --- | --- |");
    for (int b = 0; b < blocks; b++) {
      double a = block(asSaved, saved, batches);
      double f = block(flushed, zeroed, batches);
      System.out.printf("| %d | %.2f | %.2f | %.2f |%n", b + 1, a, f, f / a);
      // the first blocks carry the JIT's warm-up
      if (b >= blocks / 3) {
        sumSaved += a;
        sumFlushed += f;
        counted++;
      }
    }
    System.out.printf("mean of blocks %d-%d: as saved %.2f ms, flushed %.2f ms, ratio %.2f%n",
        blocks - counted + 1, blocks, sumSaved / counted, sumFlushed / counted,
        sumFlushed / sumSaved);
  }

  private static MultiLayerNetwork load(String model) throws IOException {
    MultiLayerNetwork net = ModelStore.load(new Path(model), new Configuration(), true,
        LeNet5.Kernels.FUSED).network();
    net.setUpdater(new MultiLayerUpdater(net, net.getUpdater().getStateViewArray()));
    return net;
  }

  /** Milliseconds per fitted minibatch, from {@code state} (parameters, updater state). */
  private static double block(MultiLayerNetwork net, INDArray[] state, List<DataSet> batches) {
    net.params().assign(state[0]);
    net.getUpdater().getStateViewArray().assign(state[1]);
    long t0 = System.nanoTime();
    for (DataSet d : batches) {
      net.fit(d);
    }
    return (System.nanoTime() - t0) / 1e6 / batches.size();
  }

  /** The first steps x 32 training images of the IDX files, normalised as prepare does. */
  private static List<DataSet> batches(String idx, int steps) throws IOException {
    int n = steps * 32;
    byte[] images;
    byte[] labels;
    try (DataInputStream in = new DataInputStream(
        new FileInputStream(idx + "/train-images-idx3-ubyte"))) {
      in.skipBytes(16);
      images = in.readNBytes(n * 784);
    }
    try (DataInputStream in = new DataInputStream(
        new FileInputStream(idx + "/train-labels-idx1-ubyte"))) {
      in.skipBytes(8);
      labels = in.readNBytes(n);
    }
    if (labels.length < n) {
      throw new IOException("fewer than " + n + " training images in " + idx);
    }
    List<DataSet> out = new ArrayList<>();
    for (int b = 0; b < steps; b++) {
      float[] f = new float[32 * 784];
      float[] l = new float[32 * 10];
      for (int i = 0; i < 32; i++) {
        int k = b * 32 + i;
        for (int q = 0; q < 784; q++) {
          f[i * 784 + q] = (float) (((images[k * 784 + q] & 0xff) / 255.0 - 0.1307) / 0.3081);
        }
        l[i * 10 + labels[k]] = 1f;
      }
      out.add(new DataSet(Nd4j.createFromArray(f).reshape(32, 1, 28, 28),
          Nd4j.createFromArray(l).reshape(32, 10)));
    }
    return out;
  }
}
