package org.lenet5spark.cli;

import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.Path;
import org.lenet5spark.errors.BadInputException;
import org.lenet5spark.io.HadoopFs;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The job's own defaults file (for example {@code conf/lenet5.properties}): lines
 * {@code <subcommand>.<long option name>=<value>} such as {@code train.epochs=15}, read before the
 * command line is parsed and served to picocli as default values, so flags on the command line
 * always win. The file is named by the top-level option {@code --defaults FILE} or, failing that,
 * the environment variable {@value #ENV}; any Hadoop URI or local path works. Every key must name
 * an existing option of an existing subcommand and every value must convert to the option's type;
 * anything else is bad input ({@link ExitCodes#BAD_INPUT}) before any work starts. Created by
 * {@link Lenet5Cli#execute(String...)}.
 */
public final class DefaultsFile implements CommandLine.IDefaultValueProvider {
  /** Environment variable naming the defaults file when {@code --defaults} is not given. */
  public static final String ENV = "LENET5_DEFAULTS";
  /** The top-level option naming the defaults file. */
  public static final String OPTION = "--defaults";
  private static final long MAX_BYTES = 1 << 20;
  private static final Pattern LINE =
      Pattern.compile("([a-z][a-z0-9-]*)\\.([a-z][a-z0-9-]*)\\s*[=:]\\s*(.*?)\\s*");

  private final String source;
  private final Map<String, String> values;

  private DefaultsFile(String source, Map<String, String> values) {
    this.source = source;
    this.values = Collections.unmodifiableMap(values);
  }

  /**
   * The location named by a top-level {@code --defaults} in {@code args} (only before the
   * subcommand), else by {@code envValue}; null when neither names one.
   */
  static String locate(String[] args, String envValue) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals(OPTION)) {
        if (i + 1 >= args.length) {
          return null;
        }
        return args[i + 1];
      }
      if (a.startsWith(OPTION + "=")) {
        return a.substring(OPTION.length() + 1);
      }
      if (!a.startsWith("-")) {
        break;
      }
    }
    return envValue == null || envValue.isBlank() ? null : envValue;
  }

  /** Reads and checks a defaults file against the command tree of {@code root}. */
  public static DefaultsFile load(String location, CommandSpec root) {
    Path path = HadoopFs.resolve(location);
    String text;
    try {
      text = HadoopFs.readString(path, HadoopFs.newConfiguration(), MAX_BYTES);
    } catch (IOException e) {
      throw new BadInputException("cannot read defaults file " + location + ": "
          + HadoopFs.oneLine(e), e);
    }
    return parse(location, text, root);
  }

  /** Parses and checks the text of a defaults file; {@code source} names it in messages. */
  public static DefaultsFile parse(String source, String text, CommandSpec root) {
    Map<String, String> values = new LinkedHashMap<>();
    String[] lines = text.split("\r?\n", -1);
    for (int n = 0; n < lines.length; n++) {
      String line = lines[n].strip();
      if (line.isEmpty() || line.startsWith("#") || line.startsWith("!")) {
        continue;
      }
      String where = source + " line " + (n + 1);
      Matcher m = LINE.matcher(line);
      if (!m.matches()) {
        throw new BadInputException(where + ": expected <subcommand>.<option>=<value>, got '"
            + line + "'");
      }
      String key = m.group(1) + "." + m.group(2);
      String value = m.group(3);
      CommandLine sub = root.subcommands().get(m.group(1));
      if (sub == null) {
        throw new BadInputException(where + ": unknown subcommand '" + m.group(1) + "' in key "
            + key);
      }
      OptionSpec option = sub.getCommandSpec().findOption("--" + m.group(2));
      if (option == null || option.usageHelp() || option.versionHelp()) {
        throw new BadInputException(where + ": unknown key " + key + " (no option --"
            + m.group(2) + " in '" + m.group(1) + "')");
      }
      if (value.isEmpty()) {
        throw new BadInputException(where + ": empty value for " + key);
      }
      if (values.put(key, value) != null) {
        throw new BadInputException(where + ": duplicate key " + key);
      }
      checkType(where, key, value, option);
    }
    return new DefaultsFile(source, values);
  }

  private static void checkType(String where, String key, String value, OptionSpec option) {
    Class<?> type = option.type();
    try {
      if (type == int.class || type == Integer.class) {
        Integer.parseInt(value);
      } else if (type == long.class || type == Long.class) {
        Long.parseLong(value);
      } else if (type == double.class || type == Double.class) {
        Double.parseDouble(value);
      } else if (type == boolean.class || type == Boolean.class) {
        if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
          throw new NumberFormatException("not true or false");
        }
      } else if (List.class.isAssignableFrom(type) || type.isArray()) {
        throw new BadInputException(where + ": " + key + " takes several values and cannot be "
            + "set in a defaults file");
      }
    } catch (NumberFormatException e) {
      throw new BadInputException(where + ": invalid value '" + value + "' for " + key + " ("
          + type.getSimpleName() + " expected)");
    }
  }

  /** Where the values came from. */
  public String source() {
    return source;
  }

  /** The checked values, by key ({@code train.epochs}). */
  public Map<String, String> values() {
    return values;
  }

  @Override
  public String defaultValue(ArgSpec argSpec) {
    if (!(argSpec instanceof OptionSpec option) || argSpec.command() == null) {
      return null;
    }
    for (String name : option.names()) {
      if (name.startsWith("--")) {
        String value = values.get(argSpec.command().name() + "." + name.substring(2));
        if (value != null) {
          return value;
        }
      }
    }
    return null;
  }
}
