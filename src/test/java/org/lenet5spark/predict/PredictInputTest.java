package org.lenet5spark.predict;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lenet5spark.io.HadoopFs;

/**
 * How {@code predict} recognises a folder of pictures: it takes the pictures in name order and,
 * like every Hadoop-style reader, skips names starting with {@code _} or {@code .} (temporary
 * files, macOS {@code ._x.png} resource forks), which are not inputs.
 */
class PredictInputTest {
  @TempDir
  Path tmp;

  @Test
  void pictureFolderSkipsHiddenNames() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("pictures"));
    for (String name : List.of("b.png", "a.JPG", "._a.png", "_tmp.png", ".c.jpeg", "notes.txt")) {
      Files.write(dir.resolve(name), new byte[] {1});
    }
    PredictInput in = PredictInput.detect(HadoopFs.resolve(dir.toString()), "test", null, null,
        new Configuration());
    assertEquals(PredictInput.Kind.IMAGES, in.kind());
    assertEquals(List.of("a.JPG", "b.png"), in.images().stream().map(p -> p.getName()).toList());
  }
}
