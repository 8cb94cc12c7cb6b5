package org.lenet5spark.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * The paper model of a parameter-averaging epoch on W workers, from constants measured on this
 * machine ({@link Constants}): each averaging round costs the workers' compute ({@code f}
 * minibatches each, in parallel), a fixed cost (job submission, DL4J's split, closure cleaning,
 * result handling), a per-task cost on the driver, and on a cluster the network: the parameters
 * and updater state broadcast to W workers (Spark's torrent broadcast: log2 W + 1 transfers in
 * sequence at worst) and gathered back by a tree aggregation of the given depth (each level
 * receives W^(1/depth) results in sequence). The epoch has ceil(N / (W B f)) rounds. No overlap
 * of compute and communication is assumed, as DL4J's rounds are synchronous.
 */
public final class ScalingModel {
  private ScalingModel() {
  }

  /**
   * The measured constants.
   *
   * @param examples training examples per epoch
   * @param batch minibatch size per worker
   * @param computePerMinibatch seconds a worker takes to fit one minibatch (steady state)
   * @param fixedPerRound seconds an averaging round costs beyond compute and per-task costs
   * @param perTask seconds each worker task adds to a round on the driver
   * @param bytesPerRound bytes each way per worker and round (parameters and updater state)
   */
  public record Constants(long examples, int batch, double computePerMinibatch,
      double fixedPerRound, double perTask, long bytesPerRound) {
  }

  /**
   * One row of the prediction.
   *
   * @param workers averaging workers
   * @param period minibatches per worker between averagings
   * @param rounds averaging rounds per epoch
   * @param computeSeconds the workers' compute per epoch
   * @param overheadSeconds fixed and per-task costs per epoch
   * @param networkSeconds broadcast and aggregation time per epoch
   * @param epochSeconds the predicted epoch
   * @param speedUp one worker's predicted epoch divided by this one
   */
  public record Row(int workers, int period, long rounds, double computeSeconds,
      double overheadSeconds, double networkSeconds, double epochSeconds, double speedUp) {
    /** Speed-up per worker (1 = linear scaling). */
    public double efficiency() {
      return speedUp / workers;
    }
  }

  /** Averaging rounds of one epoch. */
  public static long rounds(long examples, int workers, int batch, int period) {
    long perRound = (long) workers * batch * period;
    return (examples + perRound - 1) / perRound;
  }

  /**
   * Seconds the network takes per round on a cluster with {@code bytesPerSecond} links: the
   * broadcast (log2 W + 1 sequential transfers) and the tree aggregation (depth levels, each
   * receiving W^(1/depth) results one after the other). Zero for one worker in the driver's JVM
   * would be more exact; one transfer each way is kept so that W = 1 on a cluster is honest.
   */
  public static double networkPerRound(int workers, long bytes, double bytesPerSecond,
      int depth) {
    double transfer = bytes / bytesPerSecond;
    int log2 = 32 - Integer.numberOfLeadingZeros(Math.max(1, workers) - 1);
    double broadcast = (log2 + 1) * transfer;
    int levels = Math.max(1, depth);
    double aggregate = levels * fanIn(workers, levels) * transfer;
    return broadcast + aggregate;
  }

  /** The smallest k with k^levels at least {@code workers}: results one level receives. */
  static int fanIn(int workers, int levels) {
    int k = 1;
    while (Math.pow(k, levels) < workers) {
      k++;
    }
    return k;
  }

  /**
   * The predicted epoch for each worker count at a fixed averaging period.
   *
   * @param bytesPerSecond link bandwidth; {@link Double#POSITIVE_INFINITY} for one machine
   */
  public static List<Row> table(Constants c, List<Integer> workerCounts, int period,
      double bytesPerSecond, int depth) {
    List<Row> rows = new ArrayList<>();
    double one = epoch(c, 1, period, bytesPerSecond, depth)[3];
    for (int w : workerCounts) {
      double[] e = epoch(c, w, period, bytesPerSecond, depth);
      rows.add(new Row(w, period, rounds(c.examples(), w, c.batch(), period), e[0], e[1], e[2],
          e[3], one / e[3]));
    }
    return rows;
  }

  /** Compute, overhead, network and total seconds of one epoch. */
  static double[] epoch(Constants c, int workers, int period, double bytesPerSecond,
      int depth) {
    long rounds = rounds(c.examples(), workers, c.batch(), period);
    // the last round may be short; the workers fit the whole epoch between them
    double compute = Math.ceil((double) c.examples() / c.batch() / workers)
        * c.computePerMinibatch();
    double overhead = rounds * (c.fixedPerRound() + c.perTask() * workers);
    double network = Double.isInfinite(bytesPerSecond) ? 0
        : rounds * networkPerRound(workers, c.bytesPerRound(), bytesPerSecond, depth);
    return new double[] {compute, overhead, network, compute + overhead + network};
  }

  /**
   * The period at which the round costs stay below {@code share} of the compute for W workers
   * (the knob the job offers when parameter averaging stops scaling), at least 1.
   */
  public static int periodFor(Constants c, int workers, double bytesPerSecond, int depth,
      double share) {
    double perRound = c.fixedPerRound() + c.perTask() * workers + (Double.isInfinite(
        bytesPerSecond) ? 0 : networkPerRound(workers, c.bytesPerRound(), bytesPerSecond, depth));
    return (int) Math.max(1, Math.ceil(perRound / (share * c.computePerMinibatch())));
  }
}
