#!/usr/bin/env bash
# The whole job end to end on real MNIST, in embedded local mode (no Spark installation needed):
# build, fetch, prepare, train, evaluate.
#   submit/quickstart.sh [--epochs N] [--out DIR]     (defaults: 3 epochs, runs/quickstart)
# The verified MNIST files are cached in data/mnist (or $LENET5_DATA) and reused.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

epochs=3
out="$LENET5_HOME/runs/quickstart"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --epochs) epochs="${2:?--epochs needs a value}"; shift 2 ;;
    --out) out="${2:?--out needs a value}"; shift 2 ;;
    -h|--help) print_header_help "$0"; exit 0 ;;
    *) echo "error: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done
if ! [[ "$epochs" =~ ^[1-9][0-9]*$ ]]; then
  echo "error: --epochs must be a positive whole number, got '$epochs'" >&2; exit 2
fi
mkdir -p "$out"
out="$(cd "$out" && pwd)"
raw="${LENET5_DATA:-$LENET5_HOME/data/mnist}"
cli="$LENET5_HOME/submit/local.sh"
start=$(date +%s)

ensure_built
echo "== fetch MNIST into $raw"
"$cli" fetch --to "$raw"
echo "== prepare float32 shards"
"$cli" prepare --input "$raw" --output "$out/shards" --format parquet --shards 4 --overwrite
echo "== train LeNet-5 for $epochs epoch(s), Spark local mode, 2 workers"
"$cli" train --data "$out/shards" --output "$out/run" --epochs "$epochs" --workers 2 --overwrite
echo "== evaluate on the 10,000 test images"
"$cli" evaluate --model "$out/run/model.zip" --data "$out/shards"
echo
echo "done in $(( $(date +%s) - start )) s. Results:"
echo "  model      $out/run/model.zip"
echo "  metrics    $out/run/metrics.jsonl  $out/run/metrics.csv"
echo "  run info   $out/run/run.json"
echo "  shards     $out/shards"
