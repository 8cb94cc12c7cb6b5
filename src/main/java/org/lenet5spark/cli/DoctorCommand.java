package org.lenet5spark.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import org.lenet5spark.compat.Dl4jWorkarounds;
import org.lenet5spark.data.Manifest;
import org.lenet5spark.io.HadoopFs;
import org.lenet5spark.io.Publisher;
import org.lenet5spark.io.Redact;
import org.lenet5spark.model.kernels.VectorWidth;
import org.lenet5spark.spark.SparkContexts;
import org.lenet5spark.spark.StageResources;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOps;
import org.nd4j.nativeblas.NativeOpsHolder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The {@code doctor} subcommand: checks, without starting Spark, what a run needs from the JVM
 * and the classpath (Java 17+ and the module flags of {@code submit/lib/java17-flags.txt}, Spark
 * 3.5 on Scala 2.12, the Kryo serializer and registrator {@link SparkContexts} configures, ND4J's
 * backend and CPU level, DL4J's helper workaround, and what the job does with the configured GPUs,
 * dynamic allocation and speculation) and, when given, whether the data URI holds a
 * finished {@code prepare} output and the output URI is writable. Prints a table (check, status,
 * detail) and one fix line per failure; exits {@link ExitCodes#FAILURE} when anything failed.
 * Can run first, before any other stage.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true,
    description = "Check Java, its flags, Spark, Kryo, ND4J and DL4J set-up and, optionally, the "
        + "data and output URIs; print a table and a fix for every failure.")
final class DoctorCommand implements Callable<Integer> {
  /** The shared flag list, copied into the jar from submit/lib/java17-flags.txt by the build. */
  static final String FLAGS_RESOURCE = "/org/lenet5spark/java17-flags.txt";
  static final String SPARK_LINE = "3.5.";
  static final String SCALA_LINE = "2.12.";

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Mixin
  CommonOptions common;

  @Option(names = "--data", paramLabel = "URI",
      description = "Also check that this prepared data folder is reachable and complete.")
  String data;

  @Option(names = "--output", paramLabel = "URI",
      description = "Also check that this run folder can be written (a probe file is created "
          + "and deleted).")
  String output;

  /** Outcome of one check. */
  enum Status { OK, WARN, FAIL }

  /**
   * One row of the report.
   *
   * @param name what was checked
   * @param status the outcome
   * @param detail what was found
   * @param fix how to repair a failure or warning (empty when OK)
   */
  record Check(String name, Status status, String detail, String fix) {
    static Check ok(String name, String detail) {
      return new Check(name, Status.OK, detail, "");
    }
  }

  @Override
  public Integer call() {
    List<Check> checks = run(data, output);
    PrintWriter out = spec.commandLine().getOut();
    out.print(Redact.text(table(checks)));
    long failures = checks.stream().filter(c -> c.status() == Status.FAIL).count();
    for (Check c : checks) {
      if (c.status() != Status.OK && !c.fix().isEmpty()) {
        out.println(Redact.text(c.status() + " " + c.name() + ": fix: " + c.fix()));
      }
    }
    out.flush();
    if (failures > 0) {
      PrintWriter err = spec.commandLine().getErr();
      err.println("error: doctor found " + failures + " problem(s); see the fix lines above");
      err.flush();
      return ExitCodes.FAILURE;
    }
    return ExitCodes.OK;
  }

  /** Runs every check; {@code dataUri} and {@code outputUri} may be null. */
  static List<Check> run(String dataUri, String outputUri) {
    List<Check> checks = new ArrayList<>();
    checks.add(javaVersion());
    checks.addAll(jvmFlags());
    checks.add(sparkVersion());
    checks.add(scalaVersion());
    checks.addAll(kryo());
    checks.addAll(scheduling(SparkContexts.conf("lenet5-doctor", null)));
    checks.addAll(nd4j());
    checks.add(dl4jHelpers());
    checks.add(vectorWidth(VectorWidth.current()));
    if (dataUri != null) {
      checks.add(dataReachable(dataUri));
    }
    if (outputUri != null) {
      checks.add(outputWritable(outputUri));
    }
    return checks;
  }

  static Check javaVersion() {
    int feature = Runtime.version().feature();
    return feature >= 17 ? Check.ok("java", "Java " + Runtime.version())
        : new Check("java", Status.FAIL, "Java " + Runtime.version(),
            "run with Java 17 or newer (JAVA_HOME)");
  }

  /** One check per --add-opens and -D flag of the shared list. */
  static List<Check> jvmFlags() {
    List<String> flags;
    try {
      flags = requiredFlags();
    } catch (IOException e) {
      return List.of(new Check("jvm flags", Status.FAIL, HadoopFs.oneLine(e),
          "rebuild the project (mvn package) so the jar holds java17-flags.txt"));
    }
    List<Check> checks = new ArrayList<>();
    int open = 0;
    for (String flag : flags) {
      Check c = flagCheck(flag);
      if (c == null) {
        continue;
      }
      if (c.status() == Status.OK) {
        open++;
      } else {
        checks.add(c);
      }
    }
    checks.add(0, checks.isEmpty()
        ? Check.ok("jvm flags", open + " flags of java17-flags.txt effective")
        : new Check("jvm flags", Status.FAIL, checks.size() + " of " + (open + checks.size())
            + " flags of java17-flags.txt missing", "start the JVM with every flag of "
            + "submit/lib/java17-flags.txt (spark-submit and submit/local.sh add them)"));
    return checks;
  }

  /** The flags of the shared list, without comments. */
  static List<String> requiredFlags() throws IOException {
    try (InputStream in = DoctorCommand.class.getResourceAsStream(FLAGS_RESOURCE)) {
      if (in == null) {
        throw new IOException("resource " + FLAGS_RESOURCE + " not on the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(String::trim)
          .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    }
  }

  /** The check of one flag; null for flags that cannot be observed (-XX options). */
  static Check flagCheck(String flag) {
    if (flag.startsWith("--add-opens=")) {
      String spec = flag.substring("--add-opens=".length());
      int slash = spec.indexOf('/');
      int eq = spec.indexOf('=');
      if (slash < 0 || eq < slash) {
        return new Check("jvm flag", Status.FAIL, "malformed flag " + flag,
            "fix submit/lib/java17-flags.txt");
      }
      String module = spec.substring(0, slash);
      String pkg = spec.substring(slash + 1, eq);
      Module unnamed = DoctorCommand.class.getClassLoader().getUnnamedModule();
      boolean opened = ModuleLayer.boot().findModule(module)
          .map(m -> m.isOpen(pkg, unnamed)).orElse(false);
      return opened ? Check.ok("jvm flag", flag)
          : new Check("jvm flag " + module + "/" + pkg, Status.FAIL, "not opened to the "
              + "unnamed module", "add the JVM option " + flag);
    }
    if (flag.startsWith("-D")) {
      String kv = flag.substring(2);
      int eq = kv.indexOf('=');
      String key = eq < 0 ? kv : kv.substring(0, eq);
      String want = eq < 0 ? "" : kv.substring(eq + 1);
      String have = System.getProperty(key);
      return want.equals(have) ? Check.ok("jvm flag", flag)
          : new Check("jvm flag " + key, Status.FAIL, "is " + have, "add the JVM option " + flag);
    }
    return null;
  }

  static Check sparkVersion() {
    String v;
    try {
      Object pkg = Class.forName("org.apache.spark.package$").getField("MODULE$").get(null);
      v = String.valueOf(pkg.getClass().getMethod("SPARK_VERSION").invoke(pkg));
    } catch (ReflectiveOperationException | LinkageError e) {
      return new Check("spark", Status.FAIL, "Spark not found: " + HadoopFs.oneLine(e),
          "run through spark-submit of Spark 3.5.x or submit/local.sh");
    }
    return v.startsWith(SPARK_LINE) ? Check.ok("spark", "Spark " + v)
        : new Check("spark", Status.FAIL, "Spark " + v, "use Spark 3.5.x (Scala 2.12)");
  }

  static Check scalaVersion() {
    String v = scala.util.Properties.versionNumberString();
    return v.startsWith(SCALA_LINE) ? Check.ok("scala", "Scala " + v)
        : new Check("scala", Status.FAIL, "Scala " + v, "use a Spark 3.5.x build for Scala 2.12");
  }

  /** The serializer and registrators SparkContexts would configure, and that they load. */
  static List<Check> kryo() {
    List<Check> checks = new ArrayList<>();
    SparkConf conf = SparkContexts.conf("lenet5-doctor", null);
    String serializer = conf.get("spark.serializer");
    checks.add(serializer.endsWith("KryoSerializer") ? Check.ok("serializer", serializer)
        : new Check("serializer", Status.WARN, serializer, "set spark.serializer="
            + "org.apache.spark.serializer.KryoSerializer (conf/spark-defaults.*.template)"));
    for (String name : conf.get("spark.kryo.registrator").split(",")) {
      String cls = name.trim();
      try {
        Class.forName(cls, false, DoctorCommand.class.getClassLoader());
        checks.add(Check.ok("kryo registrator", cls + " loads"));
      } catch (ClassNotFoundException | LinkageError e) {
        checks.add(new Check("kryo registrator", Status.FAIL, cls + " does not load: "
            + HadoopFs.oneLine(e), "put the application jar on the classpath or fix "
            + "spark.kryo.registrator"));
      }
    }
    String executorOpts = conf.get("spark.executor.extraJavaOptions", "");
    checks.add(executorOpts.contains(Dl4jWorkarounds.EXECUTOR_JAVA_OPTION)
        ? Check.ok("executor options", executorOpts)
        : new Check("executor options", Status.FAIL, executorOpts, "add "
            + Dl4jWorkarounds.EXECUTOR_JAVA_OPTION + " to spark.executor.extraJavaOptions"));
    return checks;
  }

  /**
   * How the job will schedule with this Spark configuration: GPUs (stage-level, global or none,
   * {@link StageResources#plan}), dynamic allocation (refused by {@code train}) and speculation
   * (allowed).
   */
  static List<Check> scheduling(SparkConf conf) {
    List<Check> checks = new ArrayList<>();
    StageResources.Plan plan = StageResources.plan(conf);
    String gpu = plan.mode().spelling() + ": " + plan.reason();
    checks.add(plan.mode() == StageResources.Mode.GLOBAL
        ? new Check("gpu scheduling", Status.WARN, gpu, "submit to a standalone, YARN or "
            + "Kubernetes master without " + StageResources.TASK_GPUS + " so that only the "
            + "training stages take a GPU")
        : Check.ok("gpu scheduling", gpu));
    boolean dynamic = conf.getBoolean(StageResources.DYNAMIC_ALLOCATION, false);
    checks.add(dynamic
        ? new Check("dynamic allocation", Status.WARN, "on: train refuses it (exit 2); prepare, "
            + "evaluate and predict run with it", "set " + StageResources.DYNAMIC_ALLOCATION
            + "=false for train")
        : Check.ok("dynamic allocation", "off: train averages --workers workers per round"));
    boolean speculation = conf.getBoolean(StageResources.SPECULATION, false);
    checks.add(Check.ok("speculation", speculation
        ? "on: train allows it; Spark keeps one attempt's result per task, so a copy of a "
            + "training task is never averaged twice"
        : "off"));
    return checks;
  }

  /** ND4J's backend, devices and CPU instruction level. */
  static List<Check> nd4j() {
    List<Check> checks = new ArrayList<>();
    Properties env;
    try {
      env = Nd4j.getExecutioner().getEnvironmentInformation();
    } catch (RuntimeException | LinkageError e) {
      return List.of(new Check("nd4j backend", Status.FAIL, HadoopFs.oneLine(e), "put an ND4J "
          + "backend for this platform on the classpath (nd4j-native linux-x86_64*, or -Pcuda)"));
    }
    String backend = Nd4j.getBackend().getClass().getSimpleName();
    checks.add(Check.ok("nd4j backend", backend + ", backend=" + env.get("backend")
        + ", blas=" + env.get("blas.vendor") + ", omp.threads=" + env.get("omp.threads")
        + ", cores=" + env.get("cores")));
    checks.add(Check.ok("nd4j devices", Nd4j.getAffinityManager().getNumberOfDevices()
        + " device(s)"));
    if (Nd4j.getEnvironment().isCPU()) {
      NativeOps ops = NativeOpsHolder.getInstance().getDeviceNativeOps();
      int binary = ops.binaryLevel();
      int optimal = ops.optimalLevel();
      String detail = "binary " + level(binary) + ", CPU supports " + level(optimal);
      if (!ops.isMinimalRequirementsMet()) {
        checks.add(new Check("nd4j cpu level", Status.FAIL, detail, "build with a lower "
            + "-Dnd4j.classifier (e.g. linux-x86_64-onednn)"));
      } else if (!ops.isOptimalRequirementsMet()) {
        checks.add(new Check("nd4j cpu level", Status.WARN, detail, "a build for this CPU's level "
            + "exists: -Dnd4j.classifier=linux-x86_64-avx512 (no oneDNN; measure first)"));
      } else {
        checks.add(Check.ok("nd4j cpu level", detail));
      }
      boolean oneDnn = org.nd4j.nativeblas.Nd4jCpu.Environment.getInstance().isUseMKLDNN();
      checks.add(oneDnn ? Check.ok("onednn", "used by DL4J's layer helpers")
          : new Check("onednn", Status.WARN, "not in use", "build with an -onednn "
              + "nd4j.classifier (the default linux-x86_64-onednn-avx2)"));
    }
    return checks;
  }

  private static String level(int level) {
    return switch (level) {
      case 0 -> "level 0 (generic x86-64)";
      case 1 -> "level 1 (AVX)";
      case 2 -> "level 2 (AVX2)";
      case 3 -> "level 3 (AVX-512)";
      default -> "level " + level;
    };
  }

  static Check dl4jHelpers() {
    return Dl4jWorkarounds.helpersEnabled()
        ? Check.ok("dl4j helpers", Dl4jWorkarounds.HELPERS_DISABLE_PROPERTY + "=false")
        : new Check("dl4j helpers", Status.FAIL, Dl4jWorkarounds.HELPERS_DISABLE_PROPERTY + "="
            + System.getProperty(Dl4jWorkarounds.HELPERS_DISABLE_PROPERTY),
            "add the JVM option " + Dl4jWorkarounds.EXECUTOR_JAVA_OPTION);
  }

  /** The JIT's vector width against the one the fused kernels are tuned for. */
  static Check vectorWidth(int bytes) {
    if (bytes < 0) {
      return new Check("vector width", Status.WARN, "not reported by this JVM",
          "run on HotSpot with " + VectorWidth.JAVA_OPTION);
    }
    return bytes <= VectorWidth.TUNED_BYTES
        ? Check.ok("vector width", VectorWidth.FLAG + "=" + bytes)
        : new Check("vector width", Status.WARN, VectorWidth.FLAG + "=" + bytes
            + " (the fused kernels run ~6% slower with vectors over " + VectorWidth.TUNED_BYTES
            + " bytes)", "add the JVM option " + VectorWidth.JAVA_OPTION);
  }

  static Check dataReachable(String uri) {
    try {
      Path root = HadoopFs.resolve(uri);
      Configuration conf = HadoopFs.newConfiguration();
      FileSystem fs = HadoopFs.fs(root, conf);
      if (!fs.exists(root)) {
        return new Check("data", Status.FAIL, root + " does not exist",
            "run 'prepare --output " + uri + "' first, or fix --data");
      }
      if (!fs.exists(new Path(root, Publisher.SUCCESS))) {
        return new Check("data", Status.FAIL, root + " has no " + Publisher.SUCCESS,
            "rerun 'prepare --output " + uri + " --overwrite' (it did not finish)");
      }
      List<String> missing = new ArrayList<>();
      List<String> legacy = new ArrayList<>();
      for (String split : List.of("train", "test")) {
        Path manifest = Manifest.locate(new Path(root, split), conf);
        if (manifest == null) {
          missing.add(split + "/" + Manifest.FILE_NAME);
        } else if (manifest.getName().equals(Manifest.LEGACY_FILE_NAME)) {
          legacy.add(split + "/" + Manifest.LEGACY_FILE_NAME);
        }
      }
      if (!missing.isEmpty()) {
        return new Check("data", Status.FAIL, root + " lacks " + String.join(" and ", missing),
            "rerun 'prepare --output " + uri + " --overwrite' (not a complete prepare output)");
      }
      if (!legacy.isEmpty()) {
        return new Check("data", Status.WARN, root + " has " + String.join(" and ", legacy)
            + " of an earlier version: readable, but Spark SQL takes it for a Parquet part",
            "rename each split's " + Manifest.LEGACY_FILE_NAME + " to " + Manifest.FILE_NAME);
      }
      return Check.ok("data", root + " reachable, " + Publisher.SUCCESS
          + " and both manifests present");
    } catch (IOException | RuntimeException e) {
      return new Check("data", Status.FAIL, HadoopFs.oneLine(e),
          "check the URI, its file system client and credentials");
    }
  }

  /** Creates and deletes a probe file under the output folder (and any folder it created). */
  static Check outputWritable(String uri) {
    try {
      Path root = HadoopFs.resolve(uri);
      Configuration conf = HadoopFs.newConfiguration();
      FileSystem fs = HadoopFs.fs(root, conf);
      Path firstCreated = null;
      for (Path p = root; p != null && !fs.exists(p); p = p.getParent()) {
        firstCreated = p;
      }
      try {
        if (!fs.mkdirs(root)) {
          throw new IOException("mkdirs " + root + " returned false");
        }
        Path probe = new Path(root, ".lenet5-doctor-" + UUID.randomUUID());
        fs.create(probe, false).close();
        if (!fs.delete(probe, false)) {
          throw new IOException("could not delete the probe " + probe);
        }
      } finally {
        if (firstCreated != null) {
          HadoopFs.deleteQuietly(fs, firstCreated);
        }
      }
      return Check.ok("output", root + " writable");
    } catch (IOException | RuntimeException e) {
      return new Check("output", Status.FAIL, HadoopFs.oneLine(e),
          "choose an --output the job's user can create and write (check permissions and that "
              + "no parent is a file)");
    }
  }

  /** The report as a fixed-width table. */
  static String table(List<Check> checks) {
    int w = "check".length();
    for (Check c : checks) {
      w = Math.max(w, c.name().length());
    }
    StringBuilder sb = new StringBuilder();
    String fmt = "%-" + w + "s  %-6s  %s%n";
    sb.append(String.format(fmt, "check", "status", "detail"));
    for (Check c : checks) {
      sb.append(String.format(fmt, c.name(), c.status(), c.detail()));
    }
    return sb.toString();
  }
}
