package org.lenet5spark.bench;

import java.io.IOException;
import java.io.Serializable;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.Pointer;

/**
 * The memory one JVM (an executor or the driver) has used, read inside that JVM: the peak
 * resident set size ({@code VmHWM} of {@code /proc/self/status}, the kernel's high-water mark of
 * the process: heap, ND4J's native buffers, JIT, thread stacks), the peak heap (the sum of the
 * heap pools' peak use, {@link MemoryPoolMXBean#getPeakUsage}: an upper bound, since the pools
 * need not peak together) and its peak committed size, and ND4J's native bytes allocated now
 * (JavaCPP's count, {@link Pointer#totalBytes}). The peaks cover the JVM's life, or the time
 * since {@link #resetPeaks} where that worked.
 *
 * @param who the executor's id, or {@code driver}
 * @param rssPeakBytes {@code VmHWM}, -1 when {@code /proc} cannot be read
 * @param rssBytes {@code VmRSS} now, -1 when {@code /proc} cannot be read
 * @param heapPeakBytes sum of the heap pools' peak use
 * @param heapCommittedPeakBytes sum of the heap pools' peak committed size
 * @param heapMaxBytes the heap's limit ({@code -Xmx})
 * @param heapCommittedBytes the heap's committed size now
 * @param nativeBytes ND4J's native buffers allocated now (JavaCPP)
 */
public record JvmMemory(String who, long rssPeakBytes, long rssBytes, long heapPeakBytes,
    long heapCommittedPeakBytes, long heapMaxBytes, long heapCommittedBytes, long nativeBytes)
    implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Path STATUS = Path.of("/proc/self/status");

  /** Reads this JVM's figures. */
  public static JvmMemory probe(String who) {
    long heap = 0;
    long committed = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      MemoryUsage peak = pool.getType() == MemoryType.HEAP ? pool.getPeakUsage() : null;
      if (peak != null) {
        heap += peak.getUsed();
        committed += peak.getCommitted();
      }
    }
    return new JvmMemory(who, statusKb("VmHWM:") << 10, statusKb("VmRSS:") << 10, heap,
        committed, Runtime.getRuntime().maxMemory(), Runtime.getRuntime().totalMemory(),
        Pointer.totalBytes());
  }

  /**
   * Starts the peaks anew: the heap pools' peaks, and the process's {@code VmHWM} (Linux resets
   * it to the current RSS when "5" is written to {@code /proc/self/clear_refs}).
   *
   * @return whether {@code VmHWM} was reset (the heap peaks always are)
   */
  public static boolean resetPeaks() {
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      pool.resetPeakUsage();
    }
    try {
      Files.writeString(Path.of("/proc/self/clear_refs"), "5", StandardCharsets.US_ASCII);
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** The figures in MB, as the bench JSON holds them. */
  public Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("jvm", who);
    m.put("rss_peak_mb", mb(rssPeakBytes));
    m.put("heap_peak_mb", mb(heapPeakBytes));
    m.put("heap_committed_peak_mb", mb(heapCommittedPeakBytes));
    m.put("rss_now_mb", mb(rssBytes));
    m.put("heap_committed_now_mb", mb(heapCommittedBytes));
    // what the process holds beyond its committed heap now: native buffers, JIT, stacks,
    // metaspace (the committed heap need not all be resident: a lower bound)
    m.put("beyond_heap_now_mb", rssBytes < 0 ? -1
        : mb(Math.max(0, rssBytes - heapCommittedBytes)));
    m.put("nd4j_native_now_mb", mb(nativeBytes));
    m.put("heap_max_mb", mb(heapMaxBytes));
    return m;
  }

  private static long mb(long bytes) {
    return bytes < 0 ? -1 : bytes >> 20;
  }

  private static long statusKb(String field) {
    try {
      for (String line : Files.readAllLines(STATUS)) {
        if (line.startsWith(field)) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }
}
