package org.lenet5spark.train;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.lenet5spark.errors.BadInputException;

/**
 * The averaging period of DL4J's parameter averaging, epoch by epoch
 * ({@code train --averaging-frequency}): the minibatches each worker fits between two
 * averagings in epoch 1, 2, ...; the last period repeats for every later epoch. A single period
 * is today's fixed period. Frequent averaging matters most early in training; later, longer local
 * periods lose little accuracy and save averaging rounds, each of which pays a fixed cost
 * (post-local SGD: Lin et al., "Don't Use Large Mini-Batches, Use Local SGD", ICLR 2020;
 * measured in docs/performance.md).
 *
 * <p>Every period is a multiple of the first: the streaming data path cuts the split into blocks
 * of one first-period's share of a worker and gives each worker {@code period / first} blocks
 * per round, so the examples and their order within a block do not depend on the epoch's period.
 * The periods are kept in canonical form, without trailing repeats of the last one
 * ({@code 10,20,20} is {@code 10,20}), so that equal schedules compare (and resume) as equal.
 *
 * @param periods the period of epoch 1, 2, ..., the last one repeating
 */
public record AveragingSchedule(List<Integer> periods) {
  /** Largest period: minibatches per worker and round (far more than an epoch of MNIST). */
  public static final int MAX_PERIOD = 100_000;
  /** Most periods in a schedule. */
  public static final int MAX_PERIODS = 100;
  private static final String FLAG = "--averaging-frequency";

  public AveragingSchedule {
    if (periods == null || periods.isEmpty()) {
      throw new BadInputException(FLAG + " needs at least one period");
    }
    if (periods.size() > MAX_PERIODS) {
      throw new BadInputException(FLAG + " takes at most " + MAX_PERIODS + " periods, got "
          + periods.size());
    }
    for (Integer p : periods) {
      if (p == null || p < 1) {
        // the message of a fixed period is that of every earlier version
        throw new BadInputException(FLAG + " must be at least 1"
            + (periods.size() > 1 ? " in every period, got " + p : ""));
      }
      if (p > MAX_PERIOD) {
        throw new BadInputException(FLAG + " must be at most " + MAX_PERIOD + ", got " + p);
      }
      if (p % periods.get(0) != 0) {
        throw new BadInputException(FLAG + " periods must be multiples of the first ("
            + periods.get(0) + "), got " + p);
      }
    }
    List<Integer> canonical = new ArrayList<>(periods);
    while (canonical.size() > 1
        && canonical.get(canonical.size() - 1).equals(canonical.get(canonical.size() - 2))) {
      canonical.remove(canonical.size() - 1);
    }
    periods = List.copyOf(canonical);
  }

  /** The fixed period {@code period}. */
  public static AveragingSchedule fixed(int period) {
    return new AveragingSchedule(List.of(period));
  }

  /**
   * The schedule spelled {@code value}: periods separated by commas, such as {@code 10} or
   * {@code 10,20,40,80}; anything else is bad input naming the flag.
   */
  public static AveragingSchedule parse(String value) {
    String text = value == null ? "" : value.strip();
    if (text.isEmpty()) {
      throw new BadInputException(FLAG + " needs a period such as 10, or one per epoch such "
          + "as 10,20,40,80");
    }
    String[] parts = text.split(",", -1);
    if (parts.length > MAX_PERIODS) {
      throw new BadInputException(FLAG + " takes at most " + MAX_PERIODS + " periods, got "
          + parts.length);
    }
    List<Integer> periods = new ArrayList<>();
    for (String part : parts) {
      String p = part.strip();
      if (p.isEmpty()) {
        throw new BadInputException(FLAG + " has an empty period in '" + text + "'");
      }
      if (!p.matches("[+-]?\\d+")) {
        throw new BadInputException(FLAG + " periods must be whole numbers, got '" + p + "'");
      }
      BigInteger n = new BigInteger(p);
      if (n.compareTo(BigInteger.ONE) < 0) {
        throw new BadInputException(FLAG + " must be at least 1"
            + (parts.length > 1 ? " in every period, got " + p : ""));
      }
      if (n.compareTo(BigInteger.valueOf(MAX_PERIOD)) > 0) {
        throw new BadInputException(FLAG + " must be at most " + MAX_PERIOD + ", got " + p);
      }
      periods.add(n.intValueExact());
    }
    return new AveragingSchedule(periods);
  }

  /** The period of the first epoch. */
  public int first() {
    return periods.get(0);
  }

  /** Whether every epoch uses the same period. */
  public boolean isFixed() {
    return periods.size() == 1;
  }

  /** The period of 1-based epoch {@code epoch}. */
  public int periodAt(int epoch) {
    if (epoch < 1) {
      throw new IllegalArgumentException("epochs count from 1, got " + epoch);
    }
    return periods.get(Math.min(epoch, periods.size()) - 1);
  }

  /** The periods of epochs 1 to {@code epochs}. */
  public List<Integer> periodsOfEpochs(int epochs) {
    List<Integer> out = new ArrayList<>();
    for (int e = 1; e <= epochs; e++) {
      out.add(periodAt(e));
    }
    return out;
  }

  /**
   * How {@code run.json} and the checkpoints record the schedule: the number of a fixed period
   * (as every earlier version did, so their checkpoints resume), else the text of the periods
   * such as {@code "10,20,40,80"}.
   */
  public Object recorded() {
    return isFixed() ? (Object) first() : spelling();
  }

  /** The periods separated by commas, as the CLI takes them. */
  public String spelling() {
    StringBuilder sb = new StringBuilder();
    for (int p : periods) {
      sb.append(sb.length() == 0 ? "" : ",").append(p);
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return spelling();
  }
}
