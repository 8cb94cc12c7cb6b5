package org.lenet5spark.compat;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import org.lenet5spark.errors.BadInputException;

/**
 * Checks a {@code model.zip} before DL4J reads it, because DL4J's reader is not safe with
 * untrusted files: {@code ModelSerializer.restoreMultiLayerNetwork} deserializes an entry named
 * {@code preprocessor.bin} with Java serialization ({@code ObjectInputStream}), and the normaliser
 * reader instantiates any class a {@code CUSTOM} normaliser header names. Only the entries DL4J
 * writes for a plain network (configuration JSON, parameters, updater state, a standardising
 * normaliser) are accepted, and their total size is capped.
 */
public final class ModelZipGuard {
  /** Entries a model written by this job may hold. */
  public static final Set<String> ALLOWED = Set.of("configuration.json", "coefficients.bin",
      "updaterState.bin", "normalizer.bin", "noParams.marker");
  /** Largest total of uncompressed entry sizes. */
  public static final long MAX_UNCOMPRESSED = 1L << 30;

  private ModelZipGuard() {
  }

  /** Throws {@link BadInputException} unless {@code zip} looks like a model this job writes. */
  public static void check(byte[] zip, String source) {
    long total = 0;
    boolean config = false;
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
      ZipEntry e;
      byte[] buf = new byte[1 << 16];
      while ((e = in.getNextEntry()) != null) {
        String name = e.getName();
        if (!ALLOWED.contains(name)) {
          throw new BadInputException(source + ": unexpected entry '" + name + "' in the model zip"
              + (name.equals("preprocessor.bin") ? " (DL4J would read it with Java serialization)"
                  : "") + "; refusing to load it");
        }
        config |= name.equals("configuration.json");
        if (name.equals("normalizer.bin")) {
          byte[] head = in.readNBytes(256);
          total += head.length;
          checkNormalizerHeader(head, source);
        }
        int n;
        while ((n = in.read(buf)) > 0) {
          total += n;
          if (total > MAX_UNCOMPRESSED) {
            throw new BadInputException(source + ": model zip expands beyond "
                + MAX_UNCOMPRESSED + " bytes; refusing to load it");
          }
        }
      }
    } catch (ZipException e) {
      throw new BadInputException(source + ": not a readable DL4J model: " + e.getMessage());
    } catch (IOException e) {
      throw new BadInputException(source + ": not a readable DL4J model: " + e.getMessage());
    }
    if (!config) {
      throw new BadInputException(source + ": not a readable DL4J model: no configuration.json");
    }
  }

  private static void checkNormalizerHeader(byte[] head, String source) {
    try (DataInputStream d = new DataInputStream(new ByteArrayInputStream(head))) {
      String magic = d.readUTF();
      d.readInt();
      String type = d.readUTF();
      if (!"NORMALIZER".equals(magic) || !"STANDARDIZE".equals(type)) {
        throw new BadInputException(source + ": normalizer.bin holds a " + type
            + " normaliser; only STANDARDIZE is accepted");
      }
    } catch (IOException e) {
      throw new BadInputException(source + ": normalizer.bin has an unreadable header");
    }
  }
}
