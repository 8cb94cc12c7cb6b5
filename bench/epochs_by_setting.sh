#!/usr/bin/env bash
# Why the job needs more epochs than PyTorch (issue 19; docs/benchmarks.md, "Issue 19: the
# default schedule", first table): bench/pytorch_lenet5.py at its defaults, then `train` at the
# former job defaults and one setting changed per run, 6 epochs, seed 1, sequential; prints the
# test accuracy of every epoch per run.
#   bench/epochs_by_setting.sh DATA WORK
# DATA: full MNIST as binary shards (`prepare --format binary`); WORK: output folder (runs in
# WORK/runs, NAME.csv and NAME.log per run, pytorch.json; nothing else is written). The former
# defaults (before d8602a5) are spelled out: Adam 2e-3, x0.8 per epoch, averaging period 10.
set -euo pipefail
if [[ $# -ne 2 ]]; then sed -n '2,9p' "$0" >&2; exit 2; fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
data=$1; work=$2
old="--learning-rate 0.002 --lr-decay 0.8 --averaging-frequency 10"   # no flag may repeat
mkdir -p "$work/runs"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
"${LENET5_PYTHON:-/usr/bin/python3}" "$here/pytorch_lenet5.py" --data "$data" --epochs 6 \
  --seed 1 --threads 2 --batch-size 64 --learning-rate 0.002 --lr-decay 0.8 \
  > "$work/pytorch.json" 2> "$work/pytorch.err"
run() {
  local name=$1; shift
  echo "$name start $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
  "$here/../submit/local.sh" train --data "$data" --output "$work/runs/$name" --epochs 6 \
    --seed 1 "$@" --overwrite > "$work/$name.log" 2>&1 \
    || { echo "error: run failed, see $work/$name.log" >&2; exit 1; }
  cp "$work/runs/$name/metrics.csv" "$work/$name.csv"
}
# shellcheck disable=SC2086
{
  run default $old
  run l2-0 $old --l2 0
  run lr4e-3 --learning-rate 4e-3 --lr-decay 0.8 --averaging-frequency 10
  run val0 $old --validation 0
  run local64 $old --engine local --batch-size 64
  run l2-1e-4 $old --l2 1e-4
}
python3 - "$work" <<'PY'
import csv, json, os, sys
w = sys.argv[1]
pt = json.load(open(os.path.join(w, "pytorch.json")))["epochs"]
print("pytorch  " + " ".join(f"{e['test_accuracy'] * 100:.2f}" for e in pt))
for name in ["default", "l2-0", "lr4e-3", "val0", "local64", "l2-1e-4"]:
    rows = list(csv.DictReader(open(os.path.join(w, name + ".csv"), newline="")))
    print(f"{name:8} " + " ".join(f"{float(r['test_accuracy']) * 100:.2f}" for r in rows))
PY
