package org.lenet5spark.data;

import java.io.IOException;
import java.nio.file.Path;
import org.lenet5spark.data.MnistFetcher.FetchedFile;
import org.lenet5spark.data.MnistFiles.ExpectedFile;

/**
 * Where {@link MnistFetcher} obtains a missing file from: the HTTPS mirrors
 * ({@link MirrorDownload}) or a local folder or archive ({@link LocalSource}). Each produces one
 * verified file of the spec at a path in the staging folder ({@link FetchStaging}).
 */
@FunctionalInterface
interface FileSource {
  /** Writes {@code file}, verified, to {@code dest} and says where it came from. */
  FetchedFile obtain(ExpectedFile file, Path dest) throws IOException;

  /** Prepares a {@link FileSource} once the staging folder exists (e.g. extracts an archive). */
  @FunctionalInterface
  interface Opener {
    FileSource open(Path staging) throws IOException;
  }

  /**
   * An exception on one line: its message (or the first message among its causes, as HttpClient
   * leaves some of its exceptions without one), prefixed by the type unless it adds nothing.
   */
  static String describe(IOException e) {
    String msg = "";
    Throwable t = e;
    for (int depth = 0; t != null && msg.isBlank() && depth < 10; depth++) {
      msg = t.getMessage() == null ? "" : t.getMessage().lines().findFirst().orElse("");
      t = t.getCause();
    }
    String type = e.getClass().getSimpleName();
    if (msg.isBlank()) {
      return type;
    }
    boolean plain = e.getClass() == IOException.class || e instanceof BadContentException;
    return plain ? msg : type + ": " + msg;
  }
}
