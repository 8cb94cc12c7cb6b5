package org.lenet5spark.io;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.Path;

/**
 * The one place that keeps credentials out of what the job prints or records: the user-info part
 * of a URI ({@code hdfs://user:pass@host/...}, {@code s3a://KEY:SECRET@bucket/...}) becomes
 * {@code ***}, and so does the value of a Hadoop or Spark credential property
 * ({@code fs.s3a.secret.key}, {@code fs.azure.account.key.ACCOUNT}, anything with a password, a
 * token or a secret in its name) wherever it appears as {@code name=value}. Used for
 * {@code run.json}, the console lines of every command, error lines (with and without
 * {@code --verbose}); {@code conf/log4j2.properties} applies the same two patterns to every log
 * line, the third-party ones included.
 */
public final class Redact {
  /** What a redacted secret is replaced with. */
  public static final String MASK = "***";

  /**
   * A URI's scheme and user-info: the user-info ends at the last {@code @} before the host, and a
   * secret may hold a {@code /} (unencoded AWS secrets do).
   */
  private static final Pattern USER_INFO = Pattern.compile(
      "\\b([A-Za-z][A-Za-z0-9+.\\-]*://)(?:[^\\s@/:]+:[^\\s@]*|[^\\s@/]+)@");
  /** {@code name=value} or {@code name: value} of a credential property. */
  private static final Pattern SECRET_PROPERTY = Pattern.compile(
      "(?i)\\b([\\w.\\-]*(?:secret|password|passwd|token|credential|account\\.key|access\\.key"
          + "|session\\.key|sas|signature)[\\w.\\-]*\\s*[=:]\\s*)(\"[^\"]*\"|[^\\s,;&\"]+)");

  private Redact() {
  }

  /** {@code text} with every URI user-info and every credential property value masked. */
  public static String text(String text) {
    if (text == null) {
      return null;
    }
    String s = USER_INFO.matcher(text).replaceAll("$1" + Matcher.quoteReplacement(MASK + "@"));
    return SECRET_PROPERTY.matcher(s).replaceAll("$1" + Matcher.quoteReplacement(MASK));
  }

  /** A location as it may be printed or recorded: without user-info. */
  public static String uri(Path path) {
    return path == null ? null : text(path.toString());
  }
}
