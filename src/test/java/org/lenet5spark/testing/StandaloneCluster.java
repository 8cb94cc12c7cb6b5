package org.lenet5spark.testing;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Spark standalone cluster on one machine: a Master on 127.0.0.1 and Workers on distinct
 * loopback addresses (127.0.0.2, 127.0.0.3, ...), each a JVM of its own with one core, whose
 * executors are their child processes. Unlike {@code local-cluster}, whose executors all share
 * one host name, the executors are on different hosts for Spark's scheduler, which is what
 * speculation needs (a task's copy never runs on a host where an attempt of it runs). Spark's
 * classes come from a {@link SparkHome}.
 */
public final class StandaloneCluster implements AutoCloseable {
  private final List<Process> daemons = new ArrayList<>();
  private final List<Process> workers = new ArrayList<>();
  private final String masterUrl;

  private StandaloneCluster(String masterUrl) {
    this.masterUrl = masterUrl;
  }

  /** Starts a Master and {@code workers} Workers with one core and 1,500 MB each. */
  public static StandaloneCluster start(Path home, Path dir, int workers) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    StandaloneCluster c = new StandaloneCluster("spark://127.0.0.1:" + port);
    try {
      String cp = home.resolve("jars") + File.separator + "*";
      Path masterLog = dir.resolve("master.log");
      c.daemons.add(LocalClusterJob.start(LocalClusterJob.java(List.of("-cp", cp,
          "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port",
          String.valueOf(port), "--webui-port", "0")), home, masterLog.toFile()));
      awaitLine(masterLog, "I have been elected leader");
      for (int i = 0; i < workers; i++) {
        Path log = dir.resolve("worker-" + i + ".log");
        Path work = Files.createDirectories(dir.resolve("work-" + i));
        Process w = LocalClusterJob.start(LocalClusterJob.java(List.of("-cp", cp,
            "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0." + (i + 2),
            "--cores", "1", "--memory", "1500m", "--webui-port", "0", "--work-dir",
            work.toString(), c.masterUrl)), home, log.toFile());
        c.daemons.add(w);
        c.workers.add(w);
        awaitLine(log, "Successfully registered with master");
      }
      return c;
    } catch (Exception e) {
      c.close();
      throw e;
    }
  }

  private static void awaitLine(Path log, String text) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      if (Files.exists(log) && Files.readString(log).contains(text)) {
        return;
      }
      Thread.sleep(200);
    }
    throw new IOException("no '" + text + "' in " + log + ": " + Files.readString(log));
  }

  /** The master URL, spark://127.0.0.1:PORT. */
  public String masterUrl() {
    return masterUrl;
  }

  /** The executor processes Worker {@code i} runs now. */
  public List<ProcessHandle> executorsOf(int i) {
    return workers.get(i).descendants()
        .filter(p -> p.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"))
        .toList();
  }

  @Override
  public void close() {
    for (Process p : daemons) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }
}
