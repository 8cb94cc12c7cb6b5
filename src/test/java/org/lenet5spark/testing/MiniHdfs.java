package org.lenet5spark.testing;

import java.io.IOException;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/**
 * A real in-process HDFS for tests (Hadoop's MiniDFSCluster, one DataNode, the same Hadoop version
 * as Spark's client), with its storage under a test folder. Close it to shut it down.
 */
public final class MiniHdfs implements AutoCloseable {
  private final MiniDFSCluster cluster;

  private MiniHdfs(MiniDFSCluster cluster) {
    this.cluster = cluster;
  }

  /** Starts HDFS under {@code baseDir}; {@code blockSize} 0 keeps Hadoop's default. */
  public static MiniHdfs start(Path baseDir, long blockSize) throws IOException {
    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, baseDir.toString());
    if (blockSize > 0) {
      conf.setLong("dfs.blocksize", blockSize);
    }
    MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
    cluster.waitActive();
    return new MiniHdfs(cluster);
  }

  /** The file system. */
  public DistributedFileSystem fs() throws IOException {
    return cluster.getFileSystem();
  }

  /** {@code hdfs://localhost:PORT}. */
  public String root() {
    return "hdfs://localhost:" + cluster.getNameNodePort();
  }

  @Override
  public void close() {
    cluster.shutdown();
  }
}
