package org.lenet5spark.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * A recursive listing of a folder (or one file) with the SHA-256 of every file, to assert that a
 * refused command left it byte-identical.
 */
public final class TreeHash {
  private TreeHash() {
  }

  /** One line per entry: relative path, "dir" or size and SHA-256; sorted. */
  public static String of(Path root) throws IOException {
    if (!Files.exists(root)) {
      return "<absent>";
    }
    StringBuilder sb = new StringBuilder();
    try (Stream<Path> walk = Files.walk(root)) {
      List<Path> all = walk.sorted().toList();
      for (Path p : all) {
        sb.append(root.relativize(p)).append(' ');
        if (Files.isDirectory(p)) {
          sb.append("dir");
        } else {
          byte[] b = Files.readAllBytes(p);
          sb.append(b.length).append(' ').append(sha256(b));
        }
        sb.append('\n');
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    return sb.toString();
  }

  /** The names in {@code dir} that start with {@code prefix} (hidden siblings of an output). */
  public static List<String> namesStartingWith(Path dir, String prefix) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(prefix)).sorted()
          .toList();
    }
  }

  private static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
