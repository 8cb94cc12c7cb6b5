package org.lenet5spark.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.lenet5spark.data.MnistFetcher.FetchedFile;
import org.lenet5spark.data.MnistFiles.ExpectedFile;
import org.lenet5spark.errors.BadInputException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local source of {@link MnistFetcher} ({@code fetch --from}): a folder searched recursively
 * for each name of the spec, raw or with a {@code .gz} suffix (raw copies first, then by path),
 * or a {@code .tgz}/{@code .tar.gz} archive, first extracted by {@link SafeTarExtractor} into the
 * staging folder and then searched. The first candidate with the right checksum is copied.
 */
final class LocalSource implements FileSource {
  private static final Logger LOG = LoggerFactory.getLogger(LocalSource.class);
  private static final int MAX_SEARCH_DEPTH = 16;
  private static final String GZ = ".gz";

  private final Path from;
  private final Path extracted;
  private final Map<String, List<Path>> found;
  private final VerifiedCopy copier;

  private LocalSource(Path from, Path extracted, Map<String, List<Path>> found,
      VerifiedCopy copier) {
    this.from = from;
    this.extracted = extracted;
    this.found = found;
    this.copier = copier;
  }

  /** Whether {@code p} is named like a gzipped tar archive. */
  static boolean isTarGz(Path p) {
    String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
    return name.endsWith(".tgz") || name.endsWith(".tar.gz");
  }

  /**
   * Searches {@code from} (extracting it into {@code staging} first when it is an archive) for
   * the files of {@code spec}.
   */
  static LocalSource open(List<ExpectedFile> spec, Path from, boolean archive, Path staging,
      VerifiedCopy copier) throws IOException {
    Path root = from;
    if (archive) {
      root = staging.resolve(".archive");
      new SafeTarExtractor().extract(from, root);
    }
    return new LocalSource(from, archive ? root : null, search(spec, root), copier);
  }

  /**
   * Copies the first candidate with the right checksum; sources of an archive are reported as
   * {@code archive!/entry} rather than as paths in the staging folder.
   */
  @Override
  public FetchedFile obtain(ExpectedFile f, Path dest) throws IOException {
    List<Path> candidates = found.getOrDefault(f.name(), List.of());
    if (candidates.isEmpty()) {
      throw new BadInputException(f.name() + " (or " + f.name() + GZ + ") not found in " + from);
    }
    String last = null;
    for (Path p : candidates) {
      try (InputStream raw = new BufferedInputStream(Files.newInputStream(p))) {
        InputStream in = p.getFileName().toString().endsWith(GZ) ? VerifiedCopy.gunzip(raw)
            : raw;
        long bytes = copier.copy(in, dest, f);
        String shown = extracted == null ? p.toString()
            : from + "!/" + extracted.relativize(p).toString().replace('\\', '/');
        LOG.info("copied {} from {} ({} bytes, SHA-256 ok)", f.name(), shown, bytes);
        return new FetchedFile(f.name(), shown, bytes, f.sha256(), false);
      } catch (BadContentException | EOFException e) {
        // EOFException: a truncated .gz file, which a second try will not fix.
        last = p + ": " + FileSource.describe(e);
        LOG.warn("cannot use {}", last);
      }
    }
    throw new BadInputException("no usable copy of " + f.name() + " in " + from + "; last: "
        + last);
  }

  /** Files under root named like a spec file, raw ones first, then by path. */
  private static Map<String, List<Path>> search(List<ExpectedFile> spec, Path root)
      throws IOException {
    Map<String, ExpectedFile> byName = new HashMap<>();
    for (ExpectedFile f : spec) {
      byName.put(f.name(), f);
      byName.put(f.name() + GZ, f);
    }
    Map<String, List<Path>> found = new HashMap<>();
    try (Stream<Path> walk = Files.walk(root, MAX_SEARCH_DEPTH)) {
      walk.filter(p -> byName.containsKey(p.getFileName().toString()))
          .filter(p -> !FetchStaging.inStagingFolder(root.relativize(p)))
          .filter(Files::isRegularFile)
          .sorted(Comparator.comparing((Path p) -> p.getFileName().toString().endsWith(GZ))
              .thenComparing(Path::toString))
          .forEach(p -> found.computeIfAbsent(byName.get(p.getFileName().toString()).name(),
              k -> new ArrayList<>()).add(p));
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    return found;
  }
}
