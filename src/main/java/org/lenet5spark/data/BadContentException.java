package org.lenet5spark.data;

import java.io.IOException;

/**
 * Content that cannot be right (checksum mismatch, not gzip, over a cap), as opposed to a failure
 * to reach a source. Only a download ({@link MirrorDownload}) or a local copy
 * ({@link LocalSource}) throws it; each turns it into a warning and the next source, or a
 * {@code BadInputException} when no source is left.
 */
final class BadContentException extends IOException {
  private static final long serialVersionUID = 1L;

  BadContentException(String message) {
    super(message);
  }
}
