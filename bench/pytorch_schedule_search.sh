#!/usr/bin/env bash
# PyTorch's schedule search of issue 19 (docs/benchmarks.md, "Issue 19: PyTorch's best schedule"):
# bench/pytorch_lenet5.py (2 threads, at most EPOCHS epochs, stopping at 99% test accuracy) for
# each seed and each (batch, Adam learning rate, decay per epoch) of the eighth session's list,
# then one line per run: test accuracy per epoch and the epoch at 99% ("-": not reached).
#   bench/pytorch_schedule_search.sh DATA WORK SEEDS EPOCHS
#   e.g. bench/pytorch_schedule_search.sh DATA WORK "1 2" 6
# DATA: full MNIST as binary shards (`prepare --format binary`); WORK: output folder (one JSON
# and one stderr file per run, bB-lrLR-dD-sS.json; nothing else is written). Python:
# $LENET5_PYTHON (default /usr/bin/python3, Debian's python3-torch).
set -euo pipefail
if [[ $# -ne 4 ]]; then sed -n '2,10p' "$0" >&2; exit 2; fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
data=$1; work=$2; seeds=$3; epochs=$4
python=${LENET5_PYTHON:-/usr/bin/python3}
mkdir -p "$work"
for seed in $seeds; do
  for cfg in "64 0.002 0.8" "64 0.001 0.8" "64 0.004 0.7" "128 0.004 0.7" "128 0.002 0.8" \
      "32 0.001 0.8" "64 0.003 0.6" "256 0.004 0.8"; do
    read -r batch lr decay <<< "$cfg"
    tag="b$batch-lr$lr-d$decay-s$seed"
    echo "$tag start $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
    "$python" "$here/pytorch_lenet5.py" --data "$data" --epochs "$epochs" --seed "$seed" \
      --threads 2 --stop-at 0.99 --batch-size "$batch" --learning-rate "$lr" \
      --lr-decay "$decay" > "$work/$tag.json" 2> "$work/$tag.err" \
      || { echo "error: run failed, see $work/$tag.err" >&2; exit 1; }
  done
done
python3 - "$work" <<'PY'
import glob, json, os, sys
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.json"))):
    epochs = json.load(open(path))["epochs"]
    acc = " ".join(f"{e['test_accuracy'] * 100:.2f}" for e in epochs)
    at = next((str(e["epoch"]) for e in epochs if e["test_accuracy"] >= 0.99), "-")
    secs = " ".join(f"{e['epoch_seconds']:.1f}" for e in epochs)
    print(f"{os.path.basename(path)[:-5]}  test % {acc}  epoch at 99%: {at}  epoch s {secs}")
PY
