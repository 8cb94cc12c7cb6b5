#!/usr/bin/env bash
# What subnormal weights cost a training step (bench/SubnormalStep.java): a model.zip as saved
# against the same model with its subnormal parameters and updater state set to zero, one JVM,
# alternating blocks of STEPS minibatches of 32 real MNIST images, one kernel thread.
#   bench/subnormal_step.sh MODEL_ZIP IDX_DIR [STEPS (300)] [BLOCKS (14)]
# IDX_DIR holds the unpacked train-images-idx3-ubyte and train-labels-idx1-ubyte (fetch writes
# them); the project's jar must be built (mvn -o -DskipTests package).
set -euo pipefail
if [[ $# -lt 2 || ! -f $1 || ! -f $2/train-images-idx3-ubyte ]]; then
  echo "usage: bench/subnormal_step.sh MODEL_ZIP IDX_DIR [STEPS] [BLOCKS] (a model.zip file and a" \
    "folder with train-images-idx3-ubyte)" >&2
  exit 2
fi
home=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$home/submit/lib/common.sh"
ensure_built
# shellcheck disable=SC2046
OMP_NUM_THREADS=1 exec java $(java17_flags) $(job_jvm_flags) -Xmx4g -Dlenet5.kernel.threads=1 \
  -Dlog4j2.configurationFile="$home/conf/log4j2.properties" \
  -cp "$THIN_JAR:$(cat "$CLASSPATH_FILE")" "$home/bench/SubnormalStep.java" \
  "$1" "$2" "${3:-300}" "${4:-14}"
