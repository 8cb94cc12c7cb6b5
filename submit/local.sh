#!/usr/bin/env bash
# Runs the lenet5-spark CLI with Spark embedded (no Spark installation needed):
#   submit/local.sh <subcommand> [options]     e.g. submit/local.sh train --help
# Builds the project first if the build output is missing. Environment:
#   LENET5_DRIVER_MEMORY  JVM heap (default 4g)
#   LENET5_OFFHEAP        ND4J off-heap limit (default 8G)
#   OMP_NUM_THREADS       ND4J OpenMP threads per Spark task (default 1: Spark runs one task per core)
#   LENET5_JAVA_OPTS      extra JVM options
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
ensure_built
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
offheap="${LENET5_OFFHEAP:-8G}"
# shellcheck disable=SC2046,SC2086
exec java $(java17_flags) \
  -Xmx"${LENET5_DRIVER_MEMORY:-4g}" \
  -Dorg.bytedeco.javacpp.maxbytes="$offheap" \
  -Dorg.bytedeco.javacpp.maxphysicalbytes="$offheap" \
  $DL4J_FLAGS \
  -Dlog4j2.configurationFile="$LENET5_HOME/conf/log4j2.properties" \
  ${LENET5_JAVA_OPTS:-} \
  -cp "$THIN_JAR:$(cat "$CLASSPATH_FILE")" \
  "$MAIN_CLASS" "$@"
