package org.lenet5spark.io;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.errors.BadInputException;

/**
 * How {@link OutputOwnership#checkApart} compares locations: fully qualified (scheme and
 * authority count, a relative path is made absolute), by whole path components, and with local
 * symbolic links resolved, so that no spelling of a path lets an output land on an input.
 */
class OutputOwnershipPathsTest {
  @TempDir
  java.nio.file.Path tmp;
  final Configuration conf = new Configuration();

  void refused(String out, String in, String relation) {
    BadInputException e = assertThrows(BadInputException.class,
        () -> OutputOwnership.checkApart(HadoopFs.resolve(out), List.of(HadoopFs.resolve(in)),
            conf));
    assertTrue(e.getMessage().startsWith("refusing output ") && e.getMessage().contains(relation),
        e.getMessage());
  }

  void allowed(String out, String in) {
    assertDoesNotThrow(() -> OutputOwnership.checkApart(HadoopFs.resolve(out),
        List.of(HadoopFs.resolve(in)), conf));
  }

  @Test
  void hdfsPathsAreComparedWithTheirNameNode() {
    refused("hdfs://localhost:9/data", "hdfs://localhost:9/data", "is the input");
    refused("hdfs://localhost:9/data/run", "hdfs://localhost:9/data", "lies inside");
    refused("hdfs://localhost:9/", "hdfs://localhost:9/data", "contains");
    refused("hdfs://localhost:9/data/../data/run", "hdfs://localhost:9/data/", "lies inside");
    allowed("hdfs://localhost:8/data/run", "hdfs://localhost:9/data");
    allowed("hdfs://localhost:9/data-run", "hdfs://localhost:9/data");
    allowed("file:///data/run", "hdfs://localhost:9/data");
  }

  @Test
  void localPathsAreComparedAfterResolvingLinks() throws IOException {
    java.nio.file.Path data = Files.createDirectories(tmp.resolve("data"));
    java.nio.file.Path link = Files.createSymbolicLink(tmp.resolve("link"), data);
    refused(link.resolve("run").toString(), data.toString(), "lies inside");
    refused(tmp.toString(), "file://" + data, "contains");
    refused(data.resolve("sub/../").toString(), data.toString(), "is the input");
    allowed(tmp.resolve("data2").toString(), data.toString());
  }
}
