package org.lenet5spark.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.lenet5spark.data.ExampleBlock;
import org.lenet5spark.model.LeNet5;
import org.lenet5spark.train.MinibatchBuffer;
import org.lenet5spark.train.TrainOptions;

/**
 * The DL4J / PyTorch comparison of steady-state training throughput, made robust to a noisy
 * machine: rounds that alternate one full training epoch of the single-process DL4J engine (fused
 * kernels) with a run of {@link PytorchReference} on the same shards and batch size, so that both
 * see the same spells of load; the ratio is that of the two medians. Both sides are timed after
 * their start-up: DL4J trains one untimed epoch before the first round (its JIT compiles for
 * about that long), and each PyTorch run trains two epochs of which the second is timed.
 */
public final class SideBySide {
  /** PyTorch epochs per round; the last one is timed. */
  static final int PYTORCH_EPOCHS = 2;

  private SideBySide() {
  }

  /**
   * Runs {@code rounds} rounds; the result holds each round's images/s, the medians, their ratio
   * and the last PyTorch result ("pytorch"), or the PyTorch error if it cannot run here.
   */
  public static Map<String, Object> run(ExampleBlock train, TrainOptions base, int batch,
      int rounds, java.nio.file.Path script, java.nio.file.Path binaryShards, int threads)
      throws IOException, InterruptedException {
    MultiLayerNetwork net = LeNet5.build(LeNet5.Variant.MODERN, LeNet5.Kernels.FUSED,
        base.seed(), base.newUpdater(LeNet5.Kernels.FUSED), 0);
    int[] order = new int[train.count()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    fit(net, train, order, order.length, batch);
    List<Map<String, Object>> list = new ArrayList<>();
    double[] dl4j = new double[rounds];
    double[] torch = new double[rounds];
    Map<String, Object> lastTorch = null;
    for (int r = 0; r < rounds; r++) {
      long t0 = System.nanoTime();
      fit(net, train, order, order.length, batch);
      dl4j[r] = order.length / ((System.nanoTime() - t0) / 1e9);
      lastTorch = PytorchReference.run(script, binaryShards, batch, PYTORCH_EPOCHS, threads);
      if (lastTorch.containsKey("error")) {
        Map<String, Object> failed = new LinkedHashMap<>(lastTorch);
        failed.put("dl4j_images_per_second", dl4j[r]);
        return failed;
      }
      torch[r] = epochRate(lastTorch);
      Map<String, Object> round = new LinkedHashMap<>();
      round.put("dl4j_images_per_second", dl4j[r]);
      round.put("pytorch_images_per_second", torch[r]);
      list.add(round);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("batch_size", batch);
    out.put("images_per_epoch", order.length);
    out.put("rounds", list);
    out.put("dl4j_median_images_per_second", median(dl4j));
    out.put("pytorch_median_images_per_second", median(torch));
    out.put("ratio_of_medians", median(dl4j) / median(torch));
    out.put("pytorch", lastTorch);
    return out;
  }

  @SuppressWarnings("unchecked")
  private static double epochRate(Map<String, Object> torch) {
    List<Map<String, Object>> epochs = (List<Map<String, Object>>) torch.get("epochs");
    return ((Number) epochs.get(epochs.size() - 1).get("samples_per_second")).doubleValue();
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  private static void fit(MultiLayerNetwork net, ExampleBlock block, int[] order, int count,
      int batch) {
    MinibatchBuffer buffer = new MinibatchBuffer();
    for (int s = 0; s < count; s += batch) {
      net.fit(buffer.gather(block, order, s, Math.min(batch, count - s)));
    }
  }
}
