#!/usr/bin/env bash
# The seventh session's quiet measurement of issues 19 and 20 (docs/benchmarks.md, "Issue 19 and
# 20: the quiet sitting after the seventh session's merges"), in that order: the scaling suite on
# this checkout ("head") then on CHECKOUT_BASE ("base"), the local engine (seeds 1, 2), and time
# to 99% against PyTorch at its script's defaults. The settings of then are spelled out (Adam
# 2e-3, x0.8 per epoch, period 10: the defaults before d8602a5).
#   bench/quiet_sitting_7th.sh DATA IDX_DIR WORK CHECKOUT_BASE
# DATA: full MNIST as binary shards (`prepare --format binary`); IDX_DIR: the MNIST IDX files
# (`fetch`); WORK: a new output folder (times.txt with the load after each part, logs, JSON);
# CHECKOUT_BASE: another built checkout (then: e14a9fb). Besides WORK, only the checkouts' own
# target/ is written. The quickstart pair of that section is not included (it takes no schedule
# flags: run `submit/quickstart.sh --out DIR` in checkouts of 6c5f5b0 and e14a9fb).
set -euo pipefail
if [[ $# -ne 4 ]]; then sed -n '2,12p' "$0" >&2; exit 2; fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
data=$1; idx=$2; work=$3; base=$4
mkdir -p "$work"
export OMP_NUM_THREADS=1
# shellcheck source=bench/lib/sitting.sh
source "$here/lib/sitting.sh"
log start
for build in head base; do
  home=$root; [[ $build == base ]] && home=$base
  step "scaling-$build.log" "$home/submit/local.sh" bench --input "$idx" \
    --work "$work/bench-$build" --suite scaling --averaging-frequency 10 \
    --json "$work/scaling-$build.json"
  log "scaling $build done"
done
for i in 1 2; do
  step "local$i.log" "$root/submit/local.sh" train --engine local --batch-size 64 \
    --data "$data" --output "$work/local$i" --epochs 3 --validation 0 --seed "$i" \
    --learning-rate 0.002 --lr-decay 0.8
done
log "local done"
step tta.md python3 "$here/time_to_accuracy.py" --data "$data" --work "$work/tta" --runs 3 \
  --epochs 7 --job-args "--learning-rate 0.002 --lr-decay 0.8 --averaging-frequency 10" \
  --pytorch-args "--batch-size 64 --learning-rate 0.002 --lr-decay 0.8" --json "$work/tta.json"
log "tta done"
