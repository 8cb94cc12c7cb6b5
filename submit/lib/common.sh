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

# The options every JVM of the job needs (DL4J's helper switch, the kernels' vector width), from
# their one definition in submit/lib/job-jvm-flags.txt.
job_jvm_flags() {
  grep -v '^#' "$LENET5_HOME/submit/lib/job-jvm-flags.txt" | tr '\n' ' '
}

# Prints the comment block at the top of script $1 (after the #! line) as its --help text, so the
# help cannot drift from the header when either changes.
print_header_help() {
  sed -n '2,${/^#/!q;p}' "$1" | sed 's/^# \{0,1\}//'
}

# Builds the project when its build output is missing.
ensure_built() {
  if [[ ! -f "$THIN_JAR" || ! -f "$CLASSPATH_FILE" || ! -f "$APP_JAR" ]]; then
    echo "lenet5-spark: building (first run)..." >&2
    (cd "$LENET5_HOME" && mvn -B -q -DskipTests package) >&2
  fi
}

# ---- spark-submit scripts (standalone.sh, yarn.sh, k8s.sh) -----------------------------------

# The Spark settings of each way of running: conf/spark-defaults.<mode>.conf when an operator made
# one, else the template shipped with the project.
spark_conf_file() {
  local mode="$1"
  if [[ -f "$LENET5_HOME/conf/spark-defaults.$mode.conf" ]]; then
    echo "$LENET5_HOME/conf/spark-defaults.$mode.conf"
  else
    echo "$LENET5_HOME/conf/spark-defaults.$mode.conf.template"
  fi
}
# The CLI's own defaults (read by the CLI through --defaults) and the GPU discovery script.
DEFAULTS_FILE="${LENET5_DEFAULTS:-$LENET5_HOME/conf/lenet5.properties}"
GPU_DISCOVERY="$LENET5_HOME/submit/gpu-discovery.sh"

# Prints the active "key value" lines of a spark-defaults file as key=value, one per line.
conf_pairs() {
  sed -e 's/^[[:space:]]*//' "$1" | grep -v -e '^#' -e '^$' |
    sed -E 's/^([^[:space:]=]+)[[:space:]=]+(.*[^[:space:]])[[:space:]]*$/\1=\2/'
}

# Splits the script's arguments at "--": before it, the script's own options (the caller's
# function own_option looks at "$@", sets CONSUMED to the number of words it used, 0 when the
# first word is not its option) and any other spark-submit option, passed through in order;
# after it, the CLI command. --gpus N, common to the cluster scripts, is handled here.
# Sets SUBMIT_EXTRA, CLI_ARGS, DRY_RUN, GPUS.
SUBMIT_EXTRA=()
CLI_ARGS=()
DRY_RUN=0
GPUS=""
CONSUMED=0
split_args() {
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --)
        shift
        CLI_ARGS=("$@")
        break
        ;;
      --dry-run)
        DRY_RUN=1
        shift
        ;;
      --gpus)
        need_value "$@"
        need_positive_int --gpus "$2"
        GPUS="$2"
        shift 2
        ;;
      -h|--help)
        usage
        exit 0
        ;;
      *)
        CONSUMED=0
        own_option "$@"
        if [[ $CONSUMED -gt 0 ]]; then
          shift "$CONSUMED"
        else
          SUBMIT_EXTRA+=("$1")
          shift
        fi
        ;;
    esac
  done
  if [[ ${#CLI_ARGS[@]} -eq 0 ]]; then
    echo "error: put the lenet5-spark command after '--' (e.g. -- train --data URI --output URI)" >&2
    echo "try: $(basename "$0") --help" >&2
    exit 2
  fi
}

# The value of option $1 at "$2"; exits with a usage error when it is missing.
need_value() {
  if [[ $# -lt 2 || "$2" == --* ]]; then
    echo "error: $1 needs a value" >&2
    exit 2
  fi
}

# The spark-submit to run: $SPARK_HOME/bin/spark-submit, else the one on PATH.
spark_submit_bin() {
  if [[ -n "${SPARK_HOME:-}" && -x "$SPARK_HOME/bin/spark-submit" ]]; then
    echo "$SPARK_HOME/bin/spark-submit"
  elif command -v spark-submit >/dev/null 2>&1; then
    command -v spark-submit
  else
    echo "spark-submit"
  fi
}

# Appends to the array named $1 the --conf options of spark-defaults file $2.
add_conf_file() {
  local -n into="$1"
  local pair
  while IFS= read -r pair; do
    into+=(--conf "$pair")
  done < <(conf_pairs "$2")
}

# Appends to the array named $1 the Spark 3 GPU request: $2 GPUs per executor, discovered by the
# script at path $3 (as seen by the executors). No spark.task.resource.gpu.amount: the job gives
# only its GPU stages a task profile with one GPU (stage-level scheduling, README "GPUs").
add_gpu_conf() {
  local -n into="$1"
  into+=(--conf "spark.executor.resource.gpu.amount=$2"
    --conf "spark.executor.resource.gpu.discoveryScript=$3")
}

# Prints the command (one shell-quoted line) with --dry-run, else runs it.
run_or_print() {
  if [[ $DRY_RUN -eq 1 ]]; then
    local line
    line=$(printf '%q ' "$@")
    echo "${line% }"
    exit 0
  fi
  if [[ "$1" == "spark-submit" ]]; then
    echo "error: spark-submit not found: set SPARK_HOME or put Spark's bin/ on PATH" >&2
    exit 1
  fi
  if [[ "$APP_JAR" != local://* && ! -f "$APP_JAR" ]]; then
    echo "error: $APP_JAR is missing: run 'mvn -B -DskipTests package' first" >&2
    exit 1
  fi
  exec "$@"
}

# Checks a positive integer option value.
need_positive_int() {
  if [[ ! "$2" =~ ^[1-9][0-9]*$ ]]; then
    echo "error: $1 needs a positive integer, got '$2'" >&2
    exit 2
  fi
}
