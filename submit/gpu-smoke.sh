#!/usr/bin/env bash
# GPU smoke test for a machine with NVIDIA GPUs (nothing here needs a Spark installation):
#   submit/gpu-smoke.sh [--dry-run] [--gpus N] [--epochs N] [--cores N] [--out DIR]
# 1. counts the GPUs with nvidia-smi (or takes --gpus N); none: one error line, exit 1;
# 2. builds the CPU jars and later the CUDA jars (mvn -Pcuda), keeping each build's thin jar and
#    classpath under DIR/cpu and DIR/cuda;
# 3. fetches real MNIST, prepares float32 shards (one per GPU and training worker) with the CPU
#    build (before the CUDA build replaces target/);
# 4. runs doctor with the CUDA build;
# 5. trains --epochs (default 1) on Spark local-cluster with one Worker owning the N GPUs and one
#    executor per GPU (--cores each, default 2), stage-level scheduling (a GPU per training task
#    only), discovery by submit/gpu-discovery.sh; then the same run with the CPU build;
# 6. checks devices.jsonl: every training task held one GPU and bound it (cuda:<address>), each
#    executor one GPU, N distinct GPUs; the CUDA run's test accuracy is within 0.5 points of the
#    CPU run's; prints samples per second in all and per GPU (submit/lib/gpu-smoke-check.py).
# --dry-run prints every command (one shell-quoted line each) and runs none; without a GPU it
# assumes --gpus 1 unless given. DIR defaults to runs/gpu-smoke. Exit: 0 pass, 1 failure or no
# GPU, 2 usage.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

gpus=""
epochs=1
cores=2
out="$LENET5_HOME/runs/gpu-smoke"
dry=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --dry-run) dry=1; shift ;;
    --gpus) need_value "$@"; need_positive_int --gpus "$2"; gpus="$2"; shift 2 ;;
    --epochs) need_value "$@"; need_positive_int --epochs "$2"; epochs="$2"; shift 2 ;;
    --cores) need_value "$@"; need_positive_int --cores "$2"; cores="$2"; shift 2 ;;
    --out) need_value "$@"; out="$2"; shift 2 ;;
    -h|--help) print_header_help "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "error: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done

# The number of GPUs nvidia-smi lists (0 when it is missing or fails).
count_gpus() {
  if ! command -v nvidia-smi >/dev/null 2>&1; then
    echo 0
    return
  fi
  nvidia-smi --query-gpu=index --format=csv,noheader 2>/dev/null | grep -c '[0-9]' || true
}
found=$(count_gpus)
if [[ -z "$gpus" ]]; then
  if [[ "$found" -gt 0 ]]; then
    gpus="$found"
  elif [[ $dry -eq 1 ]]; then
    gpus=1
    echo "# no NVIDIA GPU here: assuming --gpus 1 for the dry run"
  fi
fi
if [[ $dry -eq 0 && "$found" -eq 0 ]]; then
  echo "error: no NVIDIA GPU found (nvidia-smi is missing or lists none); run gpu-smoke.sh on a" \
    "machine with NVIDIA GPUs, or use --dry-run" >&2
  exit 1
fi
if [[ $dry -eq 0 && "$gpus" -gt "$found" ]]; then
  echo "error: --gpus $gpus but nvidia-smi lists $found GPU(s)" >&2
  exit 2
fi

mem_mb=3072
raw="${LENET5_DATA:-$LENET5_HOME/data/mnist}"
shards="$out/shards"
master="local-cluster[1,$((gpus * cores)),$((gpus * (mem_mb + 512)))]"

# Prints the command (dry run) or runs it.
step() {
  if [[ $dry -eq 1 ]]; then
    local line
    line=$(printf '%q ' "$@")
    echo "${line% }"
  else
    echo "== $*" >&2
    "$@"
  fi
}

# Builds (CPU or CUDA with "-Pcuda") and keeps the thin jar and classpath in $out/<name>.
build() {
  local name="$1"
  shift
  step mvn -B -q -f "$LENET5_HOME/pom.xml" -DskipTests "$@" package
  step mkdir -p "$out/$name/spark-home/jars"
  step cp "$THIN_JAR" "$CLASSPATH_FILE" "$out/$name/"
  # Spark's Worker builds the executors' classpath from $SPARK_HOME/jars.
  step bash -c 'for j in $(tr ":" "\n" < "$1/classpath.txt") "$1/lenet5-spark.jar"; do
      ln -sf "$j" "$1/spark-home/jars/"; done' _ "$out/$name"
}

# The embedded CLI of build $1 with Spark properties from the rest, then "--" and the command.
cli() {
  local name="$1"
  shift
  local props=()
  while [[ $# -gt 0 && "$1" != "--" ]]; do
    props+=("-D$1")
    shift
  done
  shift
  local executor_opts
  executor_opts="$(java17_flags)$(job_jvm_flags)-Dorg.bytedeco.javacpp.maxbytes=2G"
  executor_opts+=" -Dorg.bytedeco.javacpp.maxphysicalbytes=3G"
  # shellcheck disable=SC2046
  step env SPARK_HOME="$out/$name/spark-home" SPARK_SCALA_VERSION=2.12 OMP_NUM_THREADS=1 \
    java $(java17_flags) -Xmx4g $(job_jvm_flags) \
    -Dorg.bytedeco.javacpp.maxbytes=6G -Dorg.bytedeco.javacpp.maxphysicalbytes=10G \
    -Dlog4j2.configurationFile="$LENET5_HOME/conf/log4j2.properties" \
    -Dspark.executor.memory="${mem_mb}m" -Dspark.executor.cores="$cores" \
    -Dspark.executor.extraJavaOptions="$executor_opts" \
    -Dspark.executorEnv.OMP_NUM_THREADS=1 -Dspark.locality.wait=0s -Dspark.ui.enabled=false \
    -Dspark.driver.host=127.0.0.1 "${props[@]}" \
    -cp "$out/$name/lenet5-spark.jar:$(cat "$out/$name/classpath.txt" 2>/dev/null || echo \
      "<$name classpath>")" "$MAIN_CLASS" "$@"
}

train_args=(--master "$master" --data "$shards" --epochs "$epochs" --workers "$gpus"
  --batch-size 64 --seed 42 --overwrite)

build cpu
step "$LENET5_HOME/submit/local.sh" fetch --to "$raw"
step "$LENET5_HOME/submit/local.sh" prepare --input "$raw" --output "$shards" \
  --format binary --shards "$gpus" --overwrite
build cuda -Pcuda
cli cuda -- doctor --data "$shards"
cli cuda spark.worker.resource.gpu.amount="$gpus" \
  spark.worker.resource.gpu.discoveryScript="$GPU_DISCOVERY" \
  spark.executor.resource.gpu.amount=1 -- train "${train_args[@]}" --output "$out/run-cuda"
cli cpu -- train "${train_args[@]}" --output "$out/run-cpu"
step python3 "$LENET5_HOME/submit/lib/gpu-smoke-check.py" "$out/run-cuda" "$out/run-cpu" "$gpus"
