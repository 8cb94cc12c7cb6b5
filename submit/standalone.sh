#!/usr/bin/env bash
# Submits lenet5-spark to a Spark standalone cluster:
#   submit/standalone.sh --master spark://HOST:7077 [--gpus N] [--dry-run] [spark-submit options]
#       -- <subcommand> [options]
# Spark settings: conf/spark-defaults.cluster.conf (else its .template), one --conf each. The
# CLI defaults conf/lenet5.properties (or $LENET5_DEFAULTS) are passed with --defaults; in
# cluster deploy mode that path must exist on the workers too. --gpus N asks for N GPUs per
# executor (training tasks take one each), found by submit/gpu-discovery.sh at this same path on
# every worker.
# Everything before "--" that is not an option of this script goes to spark-submit unchanged.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
  print_header_help "${BASH_SOURCE[0]}"
}

MASTER="${LENET5_MASTER:-}"
own_option() {
  case "$1" in
    --master)
      need_value "$@"
      MASTER="$2"
      CONSUMED=2
      ;;
  esac
}
split_args "$@"
if [[ "$MASTER" != spark://* ]]; then
  echo "error: --master spark://HOST:PORT is required (or LENET5_MASTER), got '$MASTER'" >&2
  exit 2
fi

cmd=("$(spark_submit_bin)" --master "$MASTER" --class "$MAIN_CLASS"
  --name "lenet5-spark-${CLI_ARGS[0]}")
add_conf_file cmd "$(spark_conf_file cluster)"
if [[ -n "$GPUS" ]]; then
  add_gpu_conf cmd "$GPUS" "$GPU_DISCOVERY"
fi
cmd+=("${SUBMIT_EXTRA[@]}" "$APP_JAR" --defaults "$DEFAULTS_FILE" "${CLI_ARGS[@]}")
run_or_print "${cmd[@]}"
