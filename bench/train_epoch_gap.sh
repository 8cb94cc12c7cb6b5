#!/usr/bin/env bash
# `train`'s Spark epoch with and without the validation split, at periods 20 and 10 (issue 19;
# docs/benchmarks.md, "Follow-up on the unexplained epoch time"): 3 epochs, seed 1, 2 workers,
# Adam 4e-3 x0.7 (the defaults since d8602a5, spelled out), sequential in the eighth session's
# order; prints each run's epoch seconds and the load average.
#   bench/train_epoch_gap.sh DATA WORK
# DATA: full MNIST as binary shards (`prepare --format binary`); WORK: output folder (runs in
# WORK/runs, one log per run; nothing else is written).
set -euo pipefail
if [[ $# -ne 2 ]]; then sed -n '2,8p' "$0" >&2; exit 2; fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
data=$1; work=$2
mkdir -p "$work/runs"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
run() {
  local tag=$1; shift
  "$here/../submit/local.sh" train --data "$data" --output "$work/runs/$tag" --epochs 3 --seed 1 \
    --learning-rate 0.004 --lr-decay 0.7 "$@" --overwrite > "$work/$tag.log" 2>&1 \
    || { echo "error: run failed, see $work/$tag.log" >&2; exit 1; }
  echo "$tag $(awk -F, 'NR>1{printf "%.2f ", $6}' "$work/runs/$tag/metrics.csv")load" \
    "$(cut -d' ' -f1-3 /proc/loadavg)"
}
run v0-p20-a --validation 0 --averaging-frequency 20
run v0-p10-a --validation 0 --averaging-frequency 10
run val-p20-a --averaging-frequency 20
run val-p10-a --averaging-frequency 10
run v0-p20-b --validation 0 --averaging-frequency 20
run val-p20-b --averaging-frequency 20
