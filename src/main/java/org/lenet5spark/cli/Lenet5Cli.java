package org.lenet5spark.cli;

import java.io.PrintWriter;
import org.lenet5spark.compat.Dl4jWorkarounds;
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.errors.OutputInUseException;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.io.Redact;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The one entry point of the job ({@code spark-submit --class org.lenet5spark.cli.Lenet5Cli}, and
 * {@code submit/local.sh}). Dispatches to the subcommands and turns every outcome into a
 * documented exit code (see {@link ExitCodes}) with a one-line cause on stderr; the stack trace is
 * printed only with {@code --verbose}.
 */
@Command(name = "lenet5-spark",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Trains LeNet-5 on MNIST float32 shards with DL4J Spark parameter averaging.",
    subcommands = {
        FetchCommand.class,
        PrepareCommand.class,
        TrainCommand.class,
        EvaluateCommand.class,
        PredictCommand.class,
        ReportCommand.class,
        BenchCommand.class,
        DoctorCommand.class,
        CommandLine.HelpCommand.class
    })
public final class Lenet5Cli implements Runnable {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  /** Read before parsing by {@link DefaultsFile#locate}; declared here for help and parsing. */
  @Option(names = DefaultsFile.OPTION, paramLabel = "FILE",
      description = "Defaults file of <subcommand>.<option>=<value> lines (e.g. "
          + "conf/lenet5.properties); flags override it (default: $" + DefaultsFile.ENV + ").")
  String defaults;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand");
  }

  /** Runs the CLI and exits the JVM with the command's exit code. */
  public static void main(String[] args) {
    int code = execute(args);
    System.exit(code);
  }

  /** Runs the CLI without exiting (used by tests and by other launchers). */
  public static int execute(String... args) {
    Dl4jWorkarounds.apply();
    CommandLine cli = newCommandLine();
    String defaults = DefaultsFile.locate(args, System.getenv(DefaultsFile.ENV));
    if (defaults != null) {
      try {
        cli.setDefaultValueProvider(DefaultsFile.load(defaults, cli.getCommandSpec()));
      } catch (BadInputException e) {
        cli.getErr().println("error: " + HadoopFs.oneLine(e));
        cli.getErr().flush();
        return ExitCodes.BAD_INPUT;
      }
    }
    return cli.execute(args);
  }

  /** Builds the command line with the project's error handling. */
  public static CommandLine newCommandLine() {
    CommandLine cli = new CommandLine(new Lenet5Cli());
    cli.setParameterExceptionHandler(Lenet5Cli::onUsageError);
    cli.setExecutionExceptionHandler(Lenet5Cli::onFailure);
    return cli;
  }

  private static int onUsageError(CommandLine.ParameterException e, String[] args) {
    PrintWriter err = e.getCommandLine().getErr();
    err.println("error: " + HadoopFs.oneLine(e));
    err.println("try: " + e.getCommandLine().getCommandSpec().qualifiedName() + " --help");
    err.flush();
    return ExitCodes.USAGE;
  }

  private static int onFailure(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
    PrintWriter err = cmd.getErr();
    Throwable cause = rootCauseOfInterest(e);
    boolean badInput = cause instanceof BadInputException;
    boolean locked = cause instanceof OutputInUseException;
    err.println("error: " + HadoopFs.oneLine(cause));
    if (isVerbose(parsed)) {
      java.io.StringWriter trace = new java.io.StringWriter();
      e.printStackTrace(new PrintWriter(trace));
      err.print(Redact.text(trace.toString()));
    } else {
      err.println("(run with --verbose for the stack trace)");
    }
    err.flush();
    return badInput ? ExitCodes.BAD_INPUT : locked ? ExitCodes.LOCKED : ExitCodes.FAILURE;
  }

  /** The bad-input cause when one is wrapped (Spark wraps task failures), else the exception. */
  static Throwable rootCauseOfInterest(Throwable e) {
    Throwable t = e;
    int depth = 0;
    while (t != null && depth++ < 20) {
      if (t instanceof BadInputException || t instanceof OutputInUseException) {
        return t;
      }
      t = t.getCause();
    }
    return e;
  }

  private static boolean isVerbose(CommandLine.ParseResult parsed) {
    CommandLine.ParseResult p = parsed;
    while (p != null) {
      if (p.hasMatchedOption("--verbose")) {
        return true;
      }
      p = p.subcommand();
    }
    return false;
  }
}
