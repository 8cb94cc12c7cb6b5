package org.lenet5spark.predict;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.lenet5spark.io.HadoopFs;

/**
 * Writes {@link Prediction}s as CSV ({@code id,label,predicted,p0..p9}; {@code label} empty when
 * unknown) or Parquet (the schema below), streaming from an iterator so that a large Spark result
 * never has to fit in the driver's memory at once. Files are written to a hidden temporary name and
 * renamed into place. Runs last in {@code predict}.
 */
public final class PredictionWriter {
  /** The Parquet schema of a prediction file. */
  public static final MessageType SCHEMA = MessageTypeParser.parseMessageType(
      "message lenet5_prediction {\n"
          + "  required binary id (STRING);\n"
          + "  optional int32 label;\n"
          + "  required int32 predicted;\n"
          + probabilityFields()
          + "}");

  private PredictionWriter() {
  }

  private static String probabilityFields() {
    StringBuilder sb = new StringBuilder();
    for (int c = 0; c < 10; c++) {
      sb.append("  required float p").append(c).append(";\n");
    }
    return sb.toString();
  }

  /** The CSV header line (without the newline). */
  public static String csvHeader() {
    StringBuilder sb = new StringBuilder("id,label,predicted");
    for (int c = 0; c < 10; c++) {
      sb.append(",p").append(c);
    }
    return sb.toString();
  }

  /** One prediction as a CSV line (without the newline). */
  public static String csvLine(Prediction p) {
    StringBuilder sb = new StringBuilder(csvField(p.id())).append(',');
    if (p.label() >= 0) {
      sb.append(p.label());
    }
    sb.append(',').append(p.predicted());
    for (float v : p.probabilities()) {
      sb.append(',').append(v);
    }
    return sb.toString();
  }

  private static String csvField(String s) {
    if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0
        && s.indexOf('\r') < 0) {
      return s;
    }
    return '"' + s.replace("\"", "\"\"") + '"';
  }

  /** Writes CSV to standard output; returns the number of rows. */
  public static long writeCsv(Iterator<Prediction> rows, PrintStream out) {
    out.println(csvHeader());
    long n = 0;
    while (rows.hasNext()) {
      out.println(csvLine(rows.next()));
      n++;
    }
    out.flush();
    return n;
  }

  /** Writes CSV atomically to {@code target}; returns the number of rows. */
  public static long writeCsv(Iterator<Prediction> rows, Path target, Configuration conf)
      throws IOException {
    long[] n = new long[1];
    HadoopFs.writeAtomically(target, conf, out -> {
      Writer w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8),
          1 << 16);
      w.write(csvHeader());
      w.write('\n');
      while (rows.hasNext()) {
        w.write(csvLine(rows.next()));
        w.write('\n');
        n[0]++;
      }
      w.flush();
    });
    return n[0];
  }

  /** Writes Parquet atomically to {@code target}; returns the number of rows. */
  public static long writeParquet(Iterator<Prediction> rows, Path target, Configuration conf)
      throws IOException {
    FileSystem fs = HadoopFs.fs(target, conf);
    Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp-" + UUID.randomUUID());
    SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
    long n = 0;
    boolean done = false;
    try {
      try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(tmp)
          .withConf(conf)
          .withType(SCHEMA)
          .withCompressionCodec(CompressionCodecName.SNAPPY)
          .build()) {
        while (rows.hasNext()) {
          Prediction p = rows.next();
          Group g = groups.newGroup().append("id", p.id());
          if (p.label() >= 0) {
            g.append("label", p.label());
          }
          g.append("predicted", p.predicted());
          for (int c = 0; c < 10; c++) {
            g.append("p" + c, p.probabilities()[c]);
          }
          writer.write(g);
          n++;
        }
      }
      FileContext.getFileContext(target.toUri(), conf).rename(tmp, target,
          Options.Rename.OVERWRITE);
      done = true;
    } finally {
      if (!done) {
        HadoopFs.deleteQuietly(fs, tmp);
      }
    }
    return n;
  }
}
