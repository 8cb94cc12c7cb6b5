package org.lenet5spark.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lenet5spark.testing.MiniHdfs;

/**
 * {@link Publisher} on the local file system and on a real HDFS (where a rename onto an existing
 * folder moves the source inside it): publishing replaces the old folder, and each state that a
 * crash can leave beside the target is completed or rolled back by {@link Publisher#recover}.
 */
class PublisherTest {
  @TempDir
  static java.nio.file.Path tmp;
  static MiniHdfs hdfs;

  @BeforeAll
  static void start() throws IOException {
    hdfs = MiniHdfs.start(tmp.resolve("hdfs"), 0);
  }

  @AfterAll
  static void stop() {
    if (hdfs != null) {
      hdfs.close();
    }
  }

  static Stream<String> roots() {
    return Stream.of(HadoopFs.resolve(tmp.resolve("local").toString()).toString(),
        hdfs.root() + "/pub");
  }

  static FileSystem fs(String root) {
    return HadoopFs.fs(new Path(root), new Configuration());
  }

  static void write(FileSystem fs, Path p, String text) throws IOException {
    try (FSDataOutputStream out = fs.create(p, true)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
  }

  static String read(FileSystem fs, Path p) throws IOException {
    return HadoopFs.readString(p, fs.getConf(), 1 << 16);
  }

  /** A folder holding {@code id} (and {@code _SUCCESS} when committed). */
  static Path folder(FileSystem fs, Path dir, String id, boolean committed) throws IOException {
    fs.mkdirs(dir);
    write(fs, new Path(dir, "id"), id);
    if (committed) {
      write(fs, new Path(dir, "_SUCCESS"), "");
    }
    return dir;
  }

  static List<String> beside(FileSystem fs, Path target) throws IOException {
    List<String> names = new ArrayList<>();
    for (FileStatus st : fs.listStatus(target.getParent())) {
      String n = st.getPath().getName();
      if (n.startsWith("." + target.getName() + ".")) {
        names.add(n);
      }
    }
    return names;
  }

  @ParameterizedTest
  @MethodSource("roots")
  void publishReplacesTheOldFolderWhole(String root) throws IOException {
    FileSystem fs = fs(root);
    Path target = fs.makeQualified(new Path(root + "/whole"));
    folder(fs, target, "old", true);
    write(fs, new Path(target, "only-in-old"), "x");
    Publisher.Staged s = Publisher.stage(fs, target);
    folder(fs, s.dir(), "new", true);
    Publisher.publish(s, null);
    assertEquals("new", read(fs, new Path(target, "id")));
    assertFalse(fs.exists(new Path(target, "only-in-old")));
    assertEquals(2, fs.listStatus(target).length, "id and _SUCCESS, no nested folder");
    assertEquals(List.of(), beside(fs, target));
  }

  @ParameterizedTest
  @MethodSource("roots")
  void recoveryCompletesOrRollsBackEveryInterruptedState(String root) throws IOException {
    FileSystem fs = fs(root);
    // crash between the renames: old aside, committed new one staged
    Path a = fs.makeQualified(new Path(root + "/a"));
    String t = UUID.randomUUID().toString();
    folder(fs, Publisher.sibling(a, "replaced", t), "old", true);
    folder(fs, Publisher.sibling(a, "staged", t), "new", true);
    assertEquals(2, Publisher.recover(fs, a).size());
    assertEquals("new", read(fs, new Path(a, "id")));
    assertEquals(2, fs.listStatus(a).length, "id and _SUCCESS, nothing nested");
    assertEquals(List.of(), beside(fs, a));

    // crash before the first rename: old in place, committed new one staged
    Path b = fs.makeQualified(new Path(root + "/b"));
    folder(fs, b, "old", true);
    folder(fs, Publisher.sibling(b, "staged", UUID.randomUUID().toString()), "new", true);
    Publisher.recover(fs, b);
    assertEquals("new", read(fs, new Path(b, "id")));
    assertEquals(2, fs.listStatus(b).length, "the new folder replaced the old, not inside it");
    assertEquals(List.of(), beside(fs, b));

    // a run killed while building: old in place, unfinished new one staged
    Path c = fs.makeQualified(new Path(root + "/c"));
    folder(fs, c, "old", true);
    folder(fs, Publisher.sibling(c, "staged", UUID.randomUUID().toString()), "half", false);
    Publisher.recover(fs, c);
    assertEquals("old", read(fs, new Path(c, "id")));
    assertEquals(List.of(), beside(fs, c));

    // old moved aside and nothing to replace it (the new one was lost): moved back
    Path d = fs.makeQualified(new Path(root + "/d"));
    folder(fs, Publisher.sibling(d, "replaced", UUID.randomUUID().toString()), "old", true);
    Publisher.recover(fs, d);
    assertEquals("old", read(fs, new Path(d, "id")));
    assertEquals(List.of(), beside(fs, d));

    // a crash after both renames: the old one aside is deleted
    Path e = fs.makeQualified(new Path(root + "/e"));
    folder(fs, e, "new", true);
    folder(fs, Publisher.sibling(e, "replaced", UUID.randomUUID().toString()), "old", true);
    Publisher.recover(fs, e);
    assertEquals("new", read(fs, new Path(e, "id")));
    assertEquals(List.of(), beside(fs, e));

    // hidden names of others are left alone
    Path f = fs.makeQualified(new Path(root + "/f"));
    folder(fs, new Path(f.getParent(), ".f.staged-mine"), "user", true);
    assertTrue(Publisher.recover(fs, f).isEmpty());
    assertTrue(fs.exists(new Path(f.getParent(), ".f.staged-mine")));
  }
}
