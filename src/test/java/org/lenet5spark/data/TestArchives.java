package org.lenet5spark.data;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/**
 * Builds small {@code .tgz} archives for the tests, including hostile ones (absolute names,
 * {@code ..}, links pointing outside). Entry names are written exactly as given, without the
 * clean-up commons-compress applies by default.
 */
final class TestArchives implements AutoCloseable {
  private final TarArchiveOutputStream tar;

  private TestArchives(Path archive) throws IOException {
    OutputStream out = Files.newOutputStream(archive);
    this.tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(out));
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
  }

  /** Starts a new archive at {@code archive}; close it to finish the file. */
  static TestArchives create(Path archive) throws IOException {
    return new TestArchives(archive);
  }

  /** Adds a regular file entry. */
  TestArchives file(String name, byte[] content) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name, true);
    e.setSize(content.length);
    tar.putArchiveEntry(e);
    tar.write(content);
    tar.closeArchiveEntry();
    return this;
  }

  /** Adds a folder entry. */
  TestArchives folder(String name) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/", true);
    tar.putArchiveEntry(e);
    tar.closeArchiveEntry();
    return this;
  }

  /** Adds a symbolic link entry. */
  TestArchives symlink(String name, String target) throws IOException {
    return link(name, target, TarConstants.LF_SYMLINK);
  }

  /** Adds a hard link entry. */
  TestArchives hardLink(String name, String target) throws IOException {
    return link(name, target, TarConstants.LF_LINK);
  }

  private TestArchives link(String name, String target, byte type) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name, type, true);
    e.setLinkName(target);
    tar.putArchiveEntry(e);
    tar.closeArchiveEntry();
    return this;
  }

  @Override
  public void close() throws IOException {
    tar.finish();
    tar.close();
  }
}
