#!/usr/bin/env bash
# Submits lenet5-spark to YARN:
#   submit/yarn.sh [--deploy-mode cluster|client] [--gpus N] [--dry-run] [spark-submit options]
#       -- <subcommand> [options]
# Deploy mode: cluster (default; the driver runs in the YARN application master) or client.
# Spark settings: conf/spark-defaults.cluster.conf (else its .template), one --conf each. The
# CLI defaults conf/lenet5.properties (or $LENET5_DEFAULTS) are shipped with --files in cluster
# mode. --gpus N asks for N GPUs per executor (training tasks take one each);
# submit/gpu-discovery.sh is shipped with --files. Everything before "--" that is not an option of this script goes to
# spark-submit unchanged (e.g. --queue, --num-executors). HADOOP_CONF_DIR must name the cluster.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
  print_header_help "${BASH_SOURCE[0]}"
}

DEPLOY_MODE=cluster
own_option() {
  case "$1" in
    --deploy-mode)
      need_value "$@"
      DEPLOY_MODE="$2"
      CONSUMED=2
      ;;
  esac
}
split_args "$@"
if [[ "$DEPLOY_MODE" != cluster && "$DEPLOY_MODE" != client ]]; then
  echo "error: --deploy-mode must be cluster or client, got '$DEPLOY_MODE'" >&2
  exit 2
fi

cmd=("$(spark_submit_bin)" --master yarn --deploy-mode "$DEPLOY_MODE" --class "$MAIN_CLASS"
  --name "lenet5-spark-${CLI_ARGS[0]}")
add_conf_file cmd "$(spark_conf_file cluster)"
files=()
if [[ "$DEPLOY_MODE" == cluster ]]; then
  # The driver runs in a YARN container: ship the defaults file into its working directory.
  files+=("$DEFAULTS_FILE")
  defaults_arg="$(basename "$DEFAULTS_FILE")"
else
  defaults_arg="$DEFAULTS_FILE"
fi
if [[ -n "$GPUS" ]]; then
  files+=("$GPU_DISCOVERY")
  add_gpu_conf cmd "$GPUS" "./$(basename "$GPU_DISCOVERY")"
fi
if [[ ${#files[@]} -gt 0 ]]; then
  cmd+=(--files "$(IFS=,; echo "${files[*]}")")
fi
cmd+=("${SUBMIT_EXTRA[@]}" "$APP_JAR" --defaults "$defaults_arg" "${CLI_ARGS[@]}")
run_or_print "${cmd[@]}"
