package org.lenet5spark.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.lenet5spark.errors.BadInputException;

/**
 * The one place that decides whether a command may replace, or write into, an existing output
 * location: every command that writes a folder or file ({@code train}, {@code prepare},
 * {@code report}, {@code predict}, {@code fetch}, {@code bench}) asks here before it writes or
 * deletes anything. A location is replaced only when every entry in it is recognised as an output
 * of the same kind written by this job (see {@link Kind}); an output must also stay apart from
 * the command's inputs ({@link #checkApart}). Anything else is refused with a
 * {@link BadInputException} (exit 3) naming the path, before anything is touched.
 */
public final class OutputOwnership {
  /** Key of the marker in {@code run.json} that names the job and the kind of output. */
  public static final String RUN_MARKER_KEY = "kind";
  /** Value of that marker. */
  public static final String RUN_MARKER = "lenet5-spark train run";
  /** Marker file that {@code bench} writes into its work folder. */
  public static final String BENCH_MARKER = "_LENET5_BENCH_WORK";
  /** The first line of a predictions CSV file (see {@code PredictionWriter}). */
  public static final String PREDICTIONS_CSV_HEADER =
      "id,label,predicted,p0,p1,p2,p3,p4,p5,p6,p7,p8,p9";
  /** The name of the Parquet schema of a predictions file (see {@code PredictionWriter}). */
  public static final String PREDICTIONS_SCHEMA = "lenet5_prediction";

  /** Hidden names this job leaves beside or inside its outputs (temp files, locks, checksums). */
  private static final Pattern OWN_HIDDEN = Pattern.compile(
      "\\..+\\.(tmp|staged|replaced|taking|releasing)-[0-9a-f-]{36}|\\..+\\.lock|\\..+\\.crc");
  /**
   * The files of a run folder (run.RunFiles' layout; io sits below run, so the names are listed
   * here and RunFolderNamesTest checks that the two agree).
   */
  public static final Set<String> RUN_FILES = Set.of("run.json", "metrics.jsonl", "metrics.csv",
      "confusion.jsonl", "devices.jsonl", "model.zip", Publisher.SUCCESS);
  /** The folders of a run folder (see {@link #RUN_FILES}). */
  public static final Set<String> RUN_FOLDERS = Set.of("checkpoints", "_scratch");
  private static final Set<String> REPORT_FILES = Set.of("training-curves.png",
      "confusion-matrix.png", "misclassified.png", "index.html", Publisher.SUCCESS);
  private static final List<String> MANIFEST_NAMES = List.of("_manifest.json", "manifest.json");
  private static final long MAX_JSON_BYTES = 16L << 20;

  private OutputOwnership() {
  }

  /** The kinds of output, each with the rule that recognises it. */
  public enum Kind {
    /**
     * A training run: {@code run.json} carrying {@link #RUN_MARKER} (or, for runs written before
     * the marker, {@code versions.lenet5_spark}), plus only the files and folders a run writes
     * ({@code report/} only when it is itself a report).
     */
    RUN("a training run"),
    /**
     * Prepared data: {@code train/} and {@code test/}, each with its manifest and the shards the
     * manifest names, and {@code _SUCCESS}.
     */
    PREPARED("prepared data"),
    /** A report: its three PNGs, {@code index.html} and {@code _SUCCESS}. */
    REPORT("a report"),
    /** A predictions file: CSV with predict's header, or Parquet with predict's schema. */
    PREDICTIONS("a predictions file"),
    /** A folder that {@code bench} created (it holds {@link #BENCH_MARKER}). */
    BENCH_WORK("a bench work folder");

    private final String description;

    Kind(String description) {
      this.description = description;
    }

    /** Human words for messages. */
    public String description() {
      return description;
    }
  }

  /** What is at an output location. */
  public enum State {
    /** Nothing. */
    ABSENT,
    /** An empty folder: nothing to lose. */
    EMPTY,
    /** An output of the expected kind, written by this job. */
    OURS
  }

  /**
   * Looks at {@code output} and says what is there; throws {@link BadInputException} naming the
   * path when it holds anything that is not recognisably an output of {@code kind}.
   */
  public static State inspect(Path output, Kind kind, Configuration conf) throws IOException {
    FileSystem fs = HadoopFs.fs(output, conf);
    FileStatus st;
    try {
      st = fs.getFileStatus(output);
    } catch (FileNotFoundException e) {
      return State.ABSENT;
    }
    if (kind == Kind.PREDICTIONS) {
      if (st.isDirectory()) {
        throw refuse(output, kind, "it is a folder");
      }
      String why = whyNotPredictions(fs, st);
      if (why != null) {
        throw refuse(output, kind, why);
      }
      return State.OURS;
    }
    if (!st.isDirectory()) {
      throw refuse(output, kind, "it is a file");
    }
    FileStatus[] entries = fs.listStatus(output);
    if (entries.length == 0) {
      return State.EMPTY;
    }
    String why = switch (kind) {
      case RUN -> whyNotRun(fs, output, entries);
      case PREPARED -> whyNotPrepared(fs, output, entries);
      case REPORT -> whyNotReport(output, entries);
      case BENCH_WORK -> fs.exists(new Path(output, BENCH_MARKER)) ? null
          : "no " + BENCH_MARKER + " in it";
      default -> throw new IllegalStateException(kind.name());
    };
    if (why != null) {
      throw refuse(output, kind, why);
    }
    return State.OURS;
  }

  /**
   * Refuses an output that equals, contains or lies inside one of {@code inputs}. Paths are
   * compared fully qualified (scheme, authority, path), local ones after resolving symbolic links
   * of their existing part.
   */
  public static void checkApart(Path output, List<Path> inputs, Configuration conf)
      throws IOException {
    checkApart(output, inputs, conf, false);
  }

  /**
   * As {@link #checkApart(Path, List, Configuration)}; with {@code sameAllowed} an output equal
   * to an input is accepted (for {@code fetch --to DIR --from DIR}, which then verifies in place
   * and replaces nothing but damaged IDX files).
   */
  public static void checkApart(Path output, List<Path> inputs, Configuration conf,
      boolean sameAllowed) throws IOException {
    String out = canonical(output, conf);
    for (Path in : inputs) {
      if (in == null) {
        continue;
      }
      String i = canonical(in, conf);
      String relation = out.equals(i) ? (sameAllowed ? null : "is") : inside(out, i) ? "lies inside"
          : inside(i, out) ? "contains" : null;
      if (relation != null) {
        throw new BadInputException("refusing output " + output + ": it " + relation
            + " the input " + in + " (an output must be apart from the inputs)");
      }
    }
  }

  private static boolean inside(String child, String parent) {
    String p = parent.endsWith("/") ? parent : parent + "/";
    return child.startsWith(p);
  }

  /** The qualified form of a path, with symbolic links resolved for local paths. */
  static String canonical(Path p, Configuration conf) throws IOException {
    FileSystem fs = HadoopFs.fs(p, conf);
    Path q = fs.makeQualified(p);
    if ("file".equals(q.toUri().getScheme())) {
      java.nio.file.Path local = java.nio.file.Path.of(q.toUri()).normalize();
      java.nio.file.Path existing = local;
      List<String> rest = new ArrayList<>();
      while (existing != null && !Files.exists(existing)) {
        rest.add(0, existing.getFileName().toString());
        existing = existing.getParent();
      }
      if (existing != null) {
        java.nio.file.Path real = existing.toRealPath();
        for (String r : rest) {
          real = real.resolve(r);
        }
        local = real;
      }
      return "file://" + local.toString();
    }
    String s = q.toUri().normalize().toString();
    return s.length() > 1 && s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  /** The one-line refusal for {@code output}. */
  public static BadInputException refuse(Path output, Kind kind, String why) {
    return new BadInputException("refusing to replace or write into " + output + ": not "
        + kind.description() + " written by lenet5-spark (" + why + "); move it away or choose "
        + "another output");
  }

  /** Whether a name is one of the hidden names this job itself leaves (temp files, locks). */
  public static boolean isOwnHidden(String name) {
    return OWN_HIDDEN.matcher(name).matches();
  }

  private static String whyNotRun(FileSystem fs, Path root, FileStatus[] entries)
      throws IOException {
    String marker = runMarker(fs, new Path(root, "run.json"));
    if (marker != null) {
      return marker;
    }
    for (FileStatus e : entries) {
      String name = e.getPath().getName();
      if (isOwnHidden(name)) {
        continue;
      }
      if (e.isDirectory() && RUN_FOLDERS.contains(name)) {
        continue;
      }
      if (!e.isDirectory() && RUN_FILES.contains(name)) {
        continue;
      }
      if (e.isDirectory() && name.equals("report")) {
        FileStatus[] inner = fs.listStatus(e.getPath());
        String why = inner.length == 0 ? null : whyNotReport(e.getPath(), inner);
        if (why == null) {
          continue;
        }
        return "report/: " + why;
      }
      return "it holds " + name + ", which no run writes";
    }
    return null;
  }

  /** Null when {@code runJson} carries the job's marker, else why not. */
  private static String runMarker(FileSystem fs, Path runJson) throws IOException {
    JsonNode n = readJson(fs, runJson);
    if (n == null) {
      return "no readable run.json";
    }
    if (RUN_MARKER.equals(n.path(RUN_MARKER_KEY).asText(null))) {
      return null;
    }
    if (!n.has(RUN_MARKER_KEY) && n.path("versions").has("lenet5_spark")
        && n.path("config").isObject()) {
      return null;
    }
    return "run.json does not say \"" + RUN_MARKER_KEY + "\": \"" + RUN_MARKER + "\"";
  }

  private static String whyNotPrepared(FileSystem fs, Path root, FileStatus[] entries)
      throws IOException {
    Set<String> splits = new HashSet<>();
    for (FileStatus e : entries) {
      String name = e.getPath().getName();
      if (isOwnHidden(name) || (!e.isDirectory() && name.equals(Publisher.SUCCESS))) {
        continue;
      }
      if (e.isDirectory() && (name.equals("train") || name.equals("test"))) {
        String why = whyNotSplit(fs, e.getPath());
        if (why != null) {
          return name + "/: " + why;
        }
        splits.add(name);
        continue;
      }
      return "it holds " + name + ", which prepare does not write";
    }
    return splits.isEmpty() ? "no train/ or test/ split in it" : null;
  }

  private static String whyNotSplit(FileSystem fs, Path dir) throws IOException {
    JsonNode manifest = null;
    for (String m : MANIFEST_NAMES) {
      manifest = readJson(fs, new Path(dir, m));
      if (manifest != null) {
        break;
      }
    }
    if (manifest == null || !manifest.path("shards").isArray()) {
      return "no readable manifest";
    }
    Set<String> known = new HashSet<>(MANIFEST_NAMES);
    manifest.path("shards").forEach(s -> known.add(s.path("file").asText("")));
    for (FileStatus e : fs.listStatus(dir)) {
      String name = e.getPath().getName();
      if (e.isDirectory() || !(known.contains(name) || isOwnHidden(name))) {
        return "it holds " + name + ", which its manifest does not name";
      }
    }
    return null;
  }

  private static String whyNotReport(Path root, FileStatus[] entries) {
    boolean success = false;
    for (FileStatus e : entries) {
      String name = e.getPath().getName();
      if (isOwnHidden(name)) {
        continue;
      }
      if (e.isDirectory() || !REPORT_FILES.contains(name)) {
        return "it holds " + name + ", which a report does not hold";
      }
      success |= name.equals(Publisher.SUCCESS);
    }
    return success ? null : "no " + Publisher.SUCCESS + " in " + root.getName();
  }

  private static String whyNotPredictions(FileSystem fs, FileStatus st) throws IOException {
    if (st.getLen() == 0) {
      return "it is an empty file";
    }
    byte[] head = new byte[(int) Math.min(st.getLen(), 4096)];
    try (InputStream in = fs.open(st.getPath())) {
      int off = 0;
      while (off < head.length) {
        int n = in.read(head, off, head.length - off);
        if (n < 0) {
          break;
        }
        off += n;
      }
    }
    String text = new String(head, StandardCharsets.ISO_8859_1);
    if (text.startsWith(PREDICTIONS_CSV_HEADER + "\n")
        || (text.equals(PREDICTIONS_CSV_HEADER) && st.getLen() == text.length())) {
      return null;
    }
    if (text.startsWith("PAR1")) {
      return parquetSchema(st.getPath(), fs.getConf());
    }
    return "its first line is not predict's header";
  }

  private static String parquetSchema(Path file, Configuration conf) {
    try (org.apache.parquet.hadoop.ParquetFileReader r = org.apache.parquet.hadoop
        .ParquetFileReader.open(org.apache.parquet.hadoop.util.HadoopInputFile
            .fromPath(file, conf))) {
      String name = r.getFooter().getFileMetaData().getSchema().getName();
      return PREDICTIONS_SCHEMA.equals(name) ? null
          : "a Parquet file with the schema " + name;
    } catch (IOException | RuntimeException e) {
      return "an unreadable Parquet file";
    }
  }

  private static JsonNode readJson(FileSystem fs, Path file) {
    try {
      FileStatus st = fs.getFileStatus(file);
      if (st.isDirectory() || st.getLen() > MAX_JSON_BYTES) {
        return null;
      }
      JsonNode n = Json.mapper().readTree(HadoopFs.readString(file, fs.getConf(),
          MAX_JSON_BYTES));
      return n != null && n.isObject() ? n : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
