# Shared definitions of every submit/ script: the jar, the main class, the JVM flags.
# Sourced, not executed.

LENET5_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MAIN_CLASS="org.lenet5spark.cli.Lenet5Cli"
# The application jar for spark-submit (Spark, Scala and Hadoop are provided by the cluster).
APP_JAR="${LENET5_APP_JAR:-$LENET5_HOME/target/lenet5-spark-app.jar}"
# The thin jar and the full runtime classpath used by the embedded local launcher.
THIN_JAR="$LENET5_HOME/target/lenet5-spark.jar"
CLASSPATH_FILE="$LENET5_HOME/target/classpath.txt"

# The flags Spark's own launcher adds on Java 17, kept in one file (also read by pom.xml's tests
# through the same list): needed by anything that runs Spark without spark-submit.
java17_flags() {
  grep -v '^#' "$LENET5_HOME/submit/lib/java17-flags.txt" | tr '\n' ' '
}

# DL4J upstream workaround (see docs/performance.md): enable the oneDNN/cuDNN layer helpers.
DL4J_FLAGS="-Dorg.eclipse.deeplearning4j.helpers.disable=false"

# Builds the project when its build output is missing.
ensure_built() {
  if [[ ! -f "$THIN_JAR" || ! -f "$CLASSPATH_FILE" || ! -f "$APP_JAR" ]]; then
    echo "lenet5-spark: building (first run)..." >&2
    (cd "$LENET5_HOME" && mvn -B -q -DskipTests package) >&2
  fi
}
