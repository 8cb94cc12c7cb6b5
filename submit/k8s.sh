#!/usr/bin/env bash
# Submits lenet5-spark to Kubernetes:
#   submit/k8s.sh --master k8s://https://HOST:PORT --image IMAGE [--namespace NS] [--gpus N]
#       [--deploy-mode cluster|client] [--dry-run] [spark-submit options] -- <subcommand> [options]
# The image is a Spark 3.5 (Scala 2.12, Java 17) image that also holds, under $LENET5_IMAGE_HOME
# (default /opt/lenet5): lenet5-spark-app.jar, conf/lenet5.properties and submit/gpu-discovery.sh
# (see the README); LENET5_APP_JAR names another application jar URI instead. Spark settings:
# conf/spark-defaults.cluster.conf (else its .template), one --conf each. --gpus N asks for N
# nvidia.com GPUs per executor (training tasks take one each). Everything before "--" that is
# not an option of this script goes to spark-submit unchanged.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
  print_header_help "${BASH_SOURCE[0]}"
}

MASTER="${LENET5_MASTER:-}"
IMAGE="${LENET5_IMAGE:-}"
NAMESPACE=""
DEPLOY_MODE=cluster
IMAGE_HOME="${LENET5_IMAGE_HOME:-/opt/lenet5}"
own_option() {
  case "$1" in
    --master)
      need_value "$@"
      MASTER="$2"
      CONSUMED=2
      ;;
    --image)
      need_value "$@"
      IMAGE="$2"
      CONSUMED=2
      ;;
    --namespace)
      need_value "$@"
      NAMESPACE="$2"
      CONSUMED=2
      ;;
    --deploy-mode)
      need_value "$@"
      DEPLOY_MODE="$2"
      CONSUMED=2
      ;;
  esac
}
split_args "$@"
if [[ "$MASTER" != k8s://* ]]; then
  echo "error: --master k8s://https://HOST:PORT is required (or LENET5_MASTER), got '$MASTER'" >&2
  exit 2
fi
if [[ -z "$IMAGE" ]]; then
  echo "error: --image IMAGE is required (or LENET5_IMAGE)" >&2
  exit 2
fi
if [[ "$DEPLOY_MODE" != cluster && "$DEPLOY_MODE" != client ]]; then
  echo "error: --deploy-mode must be cluster or client, got '$DEPLOY_MODE'" >&2
  exit 2
fi

# The application jar: $LENET5_APP_JAR when set (any URI spark-submit takes), else the image's
# copy; the defaults file is the image's copy.
APP_JAR="${LENET5_APP_JAR:-local://$IMAGE_HOME/lenet5-spark-app.jar}"
cmd=("$(spark_submit_bin)" --master "$MASTER" --deploy-mode "$DEPLOY_MODE" --class "$MAIN_CLASS"
  --name "lenet5-spark-${CLI_ARGS[0]}"
  --conf "spark.kubernetes.container.image=$IMAGE")
if [[ -n "$NAMESPACE" ]]; then
  cmd+=(--conf "spark.kubernetes.namespace=$NAMESPACE")
fi
add_conf_file cmd "$(spark_conf_file cluster)"
if [[ -n "$GPUS" ]]; then
  add_gpu_conf cmd "$GPUS" "$IMAGE_HOME/submit/gpu-discovery.sh"
  cmd+=(--conf "spark.executor.resource.gpu.vendor=nvidia.com")
fi
cmd+=("${SUBMIT_EXTRA[@]}" "$APP_JAR" --defaults "$IMAGE_HOME/conf/lenet5.properties"
  "${CLI_ARGS[@]}")
run_or_print "${cmd[@]}"
