package org.lenet5spark.cli;

/**
 * The process exit codes of every subcommand, documented in the README. Schedulers (Airflow,
 * Oozie) retry on {@link #FAILURE} but should not retry {@link #USAGE} or {@link #BAD_INPUT}.
 */
public final class ExitCodes {
  /** The command did what it was asked. */
  public static final int OK = 0;
  /** A runtime failure (I/O error, Spark failure, out of memory): retrying may help. */
  public static final int FAILURE = 1;
  /** The command line itself is wrong (unknown flag, missing value, bad number). */
  public static final int USAGE = 2;
  /** An input is wrong (corrupt file, missing data, refused output): retrying will not help. */
  public static final int BAD_INPUT = 3;
  /** Another run holds the output's lock: retry after it has finished. */
  public static final int LOCKED = 4;

  private ExitCodes() {
  }
}
