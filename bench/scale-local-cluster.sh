#!/usr/bin/env bash
# Runs `bench` on Spark local-cluster (a Master, two Workers and two executor JVMs on loopback)
# without a Spark installation, so that the scale suite measures executors apart from the driver:
#   bench/scale-local-cluster.sh --input DIR --work DIR --json FILE [other bench options]
# The suite defaults to scale (another --suite on the command line wins). Executors: 2, one core
# and spark.executor.memory (default 1g) each, with the Java 17 flags and the job's JVM flags;
# spark.executor.instances=2 is set so that --data-path auto's budget counts both executors even
# before they have registered (half of 2 x 1g).
# Makes target/spark-home-bench, a SPARK_HOME whose jars/ links the job's runtime classpath (the
# Workers build their executors' classpath from it). Environment: as submit/local.sh, plus
#   LENET5_EXECUTOR_MEMORY  heap of each executor (default 1g; the worker gets as much)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../submit/lib/common.sh"
ensure_built
home="$LENET5_HOME/target/spark-home-bench"
mkdir -p "$home/jars"
IFS=: read -r -a entries <<< "$THIN_JAR:$(cat "$CLASSPATH_FILE")"
for jar in "${entries[@]}"; do
  [[ "$jar" == *.jar ]] && ln -sfn "$jar" "$home/jars/$(basename "$jar")"
done
export SPARK_HOME="$home" SPARK_SCALA_VERSION=2.12
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
export LENET5_DEFAULTS="$DEFAULTS_FILE"
mem="${LENET5_EXECUTOR_MEMORY:-1g}"
mb=$(( ${mem%[gG]} * 1024 ))
spark_props=()
while IFS= read -r pair; do
  [[ "$pair" == spark.driver.* ]] && continue
  spark_props+=("-D$pair")
done < <(conf_pairs "$(spark_conf_file local)")
offheap="${LENET5_OFFHEAP:-8G}"
# shellcheck disable=SC2046
executor_opts="$(java17_flags) -Dorg.bytedeco.javacpp.maxbytes=2G"
executor_opts+=" -Dorg.bytedeco.javacpp.maxphysicalbytes=3G $(job_jvm_flags)"
suite=(--suite scale)
for a in "$@"; do
  [[ "$a" == --suite || "$a" == --suite=* ]] && suite=()
done
# shellcheck disable=SC2046,SC2086
exec java $(java17_flags) -Xmx"${LENET5_DRIVER_MEMORY:-4g}" \
  -Dorg.bytedeco.javacpp.maxbytes="$offheap" -Dorg.bytedeco.javacpp.maxphysicalbytes="$offheap" \
  $(job_jvm_flags) -Dlog4j2.configurationFile="$LENET5_HOME/conf/log4j2.properties" \
  "${spark_props[@]}" \
  -Dspark.executor.instances=2 -Dspark.executor.cores=1 \
  -Dspark.executor.memory="$mem" -Dspark.executor.extraJavaOptions="$executor_opts" \
  -Dspark.executorEnv.OMP_NUM_THREADS="$OMP_NUM_THREADS" -Dspark.driver.host=127.0.0.1 \
  ${LENET5_JAVA_OPTS:-} -cp "$THIN_JAR:$(cat "$CLASSPATH_FILE")" \
  "$MAIN_CLASS" bench --master "local-cluster[2,1,$mb]" "${suite[@]}" "$@"
