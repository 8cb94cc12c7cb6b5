#!/usr/bin/env bash
# Spark GPU discovery script (spark.executor.resource.gpu.discoveryScript): prints the GPUs of
# this node as Spark expects them, e.g. {"name": "gpu", "addresses": ["0","1"]}. The addresses are
# CUDA device ordinals, which is what org.lenet5spark.train.Nd4jDeviceBinder binds to.
# Needs nvidia-smi (NVIDIA driver); prints an empty list and exits 1 when it is missing or fails.
set -euo pipefail
if ! command -v nvidia-smi >/dev/null 2>&1; then
  echo '{"name": "gpu", "addresses": []}'
  echo "gpu-discovery.sh: nvidia-smi not found" >&2
  exit 1
fi
indices=$(nvidia-smi --query-gpu=index --format=csv,noheader)
addresses=""
while IFS= read -r idx; do
  idx="${idx//[[:space:]]/}"
  [[ -z "$idx" ]] && continue
  addresses+="${addresses:+,}\"$idx\""
done <<< "$indices"
echo "{\"name\": \"gpu\", \"addresses\": [$addresses]}"
