#!/usr/bin/env bash
# Runs the lenet5-spark CLI with Spark embedded (no Spark installation needed):
#   submit/local.sh [--dry-run] <subcommand> [options]     e.g. submit/local.sh train --help
# Builds the project first if the build output is missing. Environment:
#   LENET5_DRIVER_MEMORY  JVM heap (default 4g)
#   LENET5_OFFHEAP        ND4J off-heap limit (default 8G)
#   OMP_NUM_THREADS       ND4J OpenMP threads per Spark task (default 1: Spark runs one task per core)
#   LENET5_JAVA_OPTS      extra JVM options
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# --dry-run as the first argument prints the java command (one shell-quoted line) instead.
if [[ "${1:-}" == "--dry-run" ]]; then
  DRY_RUN=1
  shift
fi
ensure_built
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
# The CLI's defaults file (a --defaults on the command line wins over it).
export LENET5_DEFAULTS="$DEFAULTS_FILE"
offheap="${LENET5_OFFHEAP:-8G}"
# Spark settings of conf/spark-defaults.local.conf (else its .template) as spark.* system
# properties, which SparkConf reads; the driver's memory and options are this JVM's own (above).
spark_props=()
while IFS= read -r pair; do
  [[ "$pair" == spark.driver.* ]] && continue
  spark_props+=("-D$pair")
done < <(conf_pairs "$(spark_conf_file local)")
# shellcheck disable=SC2046,SC2086
cmd=(java $(java17_flags)
  -Xmx"${LENET5_DRIVER_MEMORY:-4g}"
  -Dorg.bytedeco.javacpp.maxbytes="$offheap"
  -Dorg.bytedeco.javacpp.maxphysicalbytes="$offheap"
  $(job_jvm_flags)
  -Dlog4j2.configurationFile="$LENET5_HOME/conf/log4j2.properties"
  "${spark_props[@]}"
  ${LENET5_JAVA_OPTS:-}
  -cp "$THIN_JAR:$(cat "$CLASSPATH_FILE")"
  "$MAIN_CLASS" "$@")
if [[ $DRY_RUN -eq 1 ]]; then
  line=$(printf '%q ' "${cmd[@]}")
  echo "${line% }"
  exit 0
fi
exec "${cmd[@]}"
