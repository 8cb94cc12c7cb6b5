package org.lenet5spark.io;

import java.io.File;
import java.io.FileNotFoundException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.lenet5spark.errors.BadInputException;

/**
 * All storage access goes through here: resolves user-given locations (plain paths or any Hadoop
 * file system URI such as {@code file:} or {@code hdfs:}) and writes files atomically (a hidden
 * temporary file in the same folder, then a rename that replaces the target), so a reader never
 * sees a half-written file.
 */
public final class HadoopFs {
  private HadoopFs() {
  }

  /** A new configuration from the classpath's Hadoop settings (for commands without Spark). */
  public static Configuration newConfiguration() {
    return new Configuration();
  }

  /**
   * Turns a user-given location into a fully qualified Hadoop path: a value with a scheme is used
   * as it is, anything else is a local path made absolute.
   */
  public static Path resolve(String location) {
    if (location == null || location.isBlank()) {
      throw new BadInputException("empty path");
    }
    String trimmed = location.trim();
    URI uri;
    try {
      uri = URI.create(trimmed);
    } catch (IllegalArgumentException e) {
      uri = null;
    }
    if (uri != null && uri.getScheme() != null && uri.getScheme().length() > 1) {
      return new Path(uri);
    }
    // not File.toURI(): it appends a slash to existing folders, and Path.getName() would be empty
    return new Path("file", null,
        new File(trimmed).getAbsoluteFile().toPath().normalize().toString());
  }

  /**
   * The file system that holds {@code path}. For local files this is the raw local file system:
   * our own manifests carry checksums, and users should see clean folders without Hadoop's
   * {@code .crc} side files.
   */
  public static FileSystem fs(Path path, Configuration conf) {
    try {
      FileSystem fs = path.getFileSystem(conf);
      return fs instanceof LocalFileSystem local ? local.getRawFileSystem() : fs;
    } catch (IOException | RuntimeException e) {
      throw new BadInputException("cannot reach file system of " + path + ": " + oneLine(e), e);
    }
  }

  /** Whether {@code path} exists (false when its file system cannot be asked). */
  public static boolean exists(Path path, Configuration conf) throws IOException {
    return fs(path, conf).exists(path);
  }

  /** Reads a whole (small) file into memory, refusing files larger than {@code maxBytes}. */
  public static byte[] readAll(Path path, Configuration conf, long maxBytes) throws IOException {
    FileSystem fs = fs(path, conf);
    long len;
    try {
      FileStatus status = fs.getFileStatus(path);
      if (status.isDirectory()) {
        throw new BadInputException(path + " is a folder, expected a file");
      }
      len = status.getLen();
    } catch (FileNotFoundException e) {
      throw new BadInputException("missing file: " + path);
    }
    if (len > maxBytes) {
      throw new BadInputException(path + " is " + len + " bytes, more than the " + maxBytes
          + " allowed for this kind of file");
    }
    byte[] bytes = new byte[(int) len];
    try (InputStream in = fs.open(path)) {
      int off = 0;
      while (off < bytes.length) {
        int n = in.read(bytes, off, bytes.length - off);
        if (n < 0) {
          throw new BadInputException(path + " ended after " + off + " of " + len + " bytes");
        }
        off += n;
      }
    }
    return bytes;
  }

  /** Reads a small UTF-8 text file. */
  public static String readString(Path path, Configuration conf, long maxBytes)
      throws IOException {
    return new String(readAll(path, conf, maxBytes), StandardCharsets.UTF_8);
  }

  /**
   * Whether {@code e} (or a cause) says the file system could not be reached at all (connection
   * refused, unknown host, no route, time-out): a runtime failure that a retry may cure (exit 1),
   * unlike a location that answers and refuses (bad input, exit 3).
   */
  public static boolean unreachable(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.net.ConnectException || t instanceof java.net.UnknownHostException
          || t instanceof java.net.NoRouteToHostException
          || t instanceof java.net.SocketTimeoutException) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  /**
   * Creates {@code file} only if its folder exists ({@link FileSystem#createNonRecursive}, or a
   * check of the folder on a file system without it), never recreating a folder that was
   * deleted: a Spark task still running after its job failed and the job's staging folder was
   * discarded must not bring a partial output back.
   */
  public static FSDataOutputStream createInExistingFolder(FileSystem fs, Path file,
      boolean overwrite, int bufferSize, long blockSize) throws IOException {
    short replication = fs.getDefaultReplication(file);
    try {
      return fs.createNonRecursive(file, overwrite, bufferSize, replication, blockSize, null);
    } catch (UnsupportedOperationException e) {
      // below
    } catch (IOException e) {
      if (e.getMessage() == null || !e.getMessage().contains("unsupported")) {
        throw e;
      }
    }
    if (!fs.exists(file.getParent())) {
      throw new FileNotFoundException("folder " + file.getParent() + " no longer exists");
    }
    return fs.create(file, overwrite, bufferSize, replication, blockSize);
  }

  /** Writes a file atomically: a hidden temp file in the target folder, then a replacing rename. */
  public static void writeAtomically(Path target, Configuration conf, StreamWriter writer)
      throws IOException {
    FileSystem fs = fs(target, conf);
    Path tmp = new Path(target.getParent(),
        "." + target.getName() + ".tmp-" + UUID.randomUUID());
    boolean done = false;
    try {
      FSDataOutputStream out = fs.create(tmp, false);
      try {
        // Writers such as DL4J's ModelSerializer close the stream they get; keep ours open.
        writer.write(new FilterOutputStream(out) {
          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
          }

          @Override
          public void close() throws IOException {
            out.flush();
          }
        });
      } catch (Throwable t) {
        closeAfter(t, out);
        throw t;
      }
      out.close();
      FileContext fc = FileContext.getFileContext(target.toUri(), conf);
      fc.rename(tmp, target, Options.Rename.OVERWRITE);
      done = true;
    } finally {
      if (!done) {
        deleteQuietly(fs, tmp);
      }
    }
  }

  /**
   * Closes {@code c} after {@code failure} and keeps any error of the close as a suppressed
   * exception. HDFS's output stream rethrows the very exception that failed a write (a quota, a
   * lost datanode) from {@code close()}; try-with-resources would then call
   * {@code failure.addSuppressed(failure)}, which throws "Self-suppression not permitted" and
   * hides the real cause.
   */
  static void closeAfter(Throwable failure, java.io.Closeable c) {
    try {
      c.close();
    } catch (Throwable e) {
      if (e != failure) {
        failure.addSuppressed(e);
      }
    }
  }

  /** Writes a small UTF-8 text file atomically. */
  public static void writeStringAtomically(Path target, Configuration conf, String text)
      throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    writeAtomically(target, conf, out -> out.write(bytes));
  }

  /** Deletes recursively, ignoring failures (used only to clean up after another error). */
  public static void deleteQuietly(FileSystem fs, Path path) {
    try {
      fs.delete(path, true);
    } catch (IOException | RuntimeException ignored) {
      // best effort: the original error matters more
    }
  }

  /** A throwable's message on one line, prefixed by its type when the message is empty. */
  public static String oneLine(Throwable t) {
    String msg = t.getMessage();
    if (msg == null || msg.isBlank()) {
      msg = t.getClass().getSimpleName();
    }
    int nl = msg.indexOf('\n');
    return Redact.text(nl >= 0 ? msg.substring(0, nl).trim() : msg.trim());
  }

  /** Writes content to a stream. */
  @FunctionalInterface
  public interface StreamWriter {
    void write(OutputStream out) throws IOException;
  }
}
