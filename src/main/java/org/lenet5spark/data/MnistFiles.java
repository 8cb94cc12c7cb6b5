package org.lenet5spark.data;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The MNIST files the job starts from: the four IDX files of the original distribution, each with
 * the SHA-256 of its uncompressed bytes. {@link MnistFetcher} takes such a spec (tests pass their
 * own, naming generated files) and refuses any file whose bytes do not match it. Nothing runs
 * before this class; it is plain data.
 */
public final class MnistFiles {
  // Declared before MNIST: static fields are initialized in order and ExpectedFile uses them.
  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

  /** MNIST's training images file (the one definition of the four names). */
  public static final String TRAIN_IMAGES = "train-images-idx3-ubyte";
  /** MNIST's training labels file. */
  public static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
  /** MNIST's test images file. */
  public static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
  /** MNIST's test labels file. */
  public static final String TEST_LABELS = "t10k-labels-idx1-ubyte";

  /** The four MNIST IDX files and the SHA-256 of their uncompressed bytes. */
  public static final List<ExpectedFile> MNIST = List.of(
      new ExpectedFile(TRAIN_IMAGES,
          "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
      new ExpectedFile(TRAIN_LABELS,
          "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
      new ExpectedFile(TEST_IMAGES,
          "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
      new ExpectedFile(TEST_LABELS,
          "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"));

  private MnistFiles() {
  }

  /**
   * Checks that a spec is usable: not empty, no name twice. Names and checksums are already
   * checked by {@link ExpectedFile}.
   *
   * @return the spec itself
   */
  public static List<ExpectedFile> checkSpec(List<ExpectedFile> spec) {
    Objects.requireNonNull(spec, "spec");
    if (spec.isEmpty()) {
      throw new IllegalArgumentException("empty file spec");
    }
    Set<String> seen = new HashSet<>();
    for (ExpectedFile f : spec) {
      if (!seen.add(f.name())) {
        throw new IllegalArgumentException("file named twice in spec: " + f.name());
      }
    }
    return spec;
  }

  /**
   * One expected file: its plain file name (no folder part) and the lower-case hexadecimal SHA-256
   * of its uncompressed bytes. Built from constants or by tests; the constructor refuses names that
   * could point outside a folder and checksums that are not 64 hex digits.
   */
  public record ExpectedFile(String name, String sha256) {
    /** Validates the name and normalizes the checksum to lower case. */
    public ExpectedFile {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(sha256, "sha256");
      if (!SAFE_NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("not a plain file name: " + name);
      }
      sha256 = sha256.toLowerCase(Locale.ROOT);
      if (!SHA256_HEX.matcher(sha256).matches()) {
        throw new IllegalArgumentException("not a SHA-256 in hex for " + name + ": " + sha256);
      }
    }
  }
}
