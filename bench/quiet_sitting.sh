#!/usr/bin/env bash
# Issue 19's quiet measurement (docs/benchmarks.md, "Issue 19: the quiet sitting of the eighth
# session"), every part in that order on an otherwise idle machine: time to 99% against PyTorch's
# best schedule found (the job at the defaults since d8602a5, spelled out), the round cost A/B
# (CHECKOUT_A against this checkout), the scaling suite in local mode and on local-cluster, the
# local engine (seeds 1, 2), the quickstart, PyTorch at its script's defaults (seeds 1-3), and
# time to 99% with the job at the former defaults. Head = the checkout this script is in.
#   bench/quiet_sitting.sh DATA IDX_DIR WORK CHECKOUT_A
# DATA: full MNIST as binary shards (`prepare --format binary`); IDX_DIR: the MNIST IDX files
# (`fetch`); WORK: a new output folder (times.txt with the load after each part, logs, JSON);
# CHECKOUT_A: another built checkout (the eighth session: 015bffb). Besides WORK, only the
# checkouts' own target/ is written (jars, bench/scale-local-cluster.sh's SPARK_HOME).
# The quickstart runs with this checkout's defaults (it takes no schedule flags).
set -euo pipefail
if [[ $# -ne 4 ]]; then sed -n '2,13p' "$0" >&2; exit 2; fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
data=$1; idx=$2; work=$3; base=$4
mkdir -p "$work"
export OMP_NUM_THREADS=1
new="--learning-rate 0.004 --lr-decay 0.7 --averaging-frequency 20"
old="--learning-rate 0.002 --lr-decay 0.8 --averaging-frequency 10"
pt_best="--batch-size 128 --learning-rate 4e-3 --lr-decay 0.7"
# shellcheck source=bench/lib/sitting.sh
source "$here/lib/sitting.sh"
log start
step tta.md python3 "$here/time_to_accuracy.py" --data "$data" --work "$work/tta" --runs 3 \
  --epochs 8 --job-args "$new" --pytorch-args "$pt_best" --json "$work/tta.json"
log "tta done"
ROUND_AB_OUT="$work/round_ab" step round_ab.txt bash "$here/round_ab.sh" "$data" 2 "$base" "$root"
log "round_ab done"
step scaling-local.log "$root/submit/local.sh" bench --input "$idx" --work "$work/bench-local" \
  --suite scaling --averaging-frequency 20 --json "$work/scaling-local.json"
log "scaling local done"
LENET5_EXECUTOR_MEMORY=2g step scaling-lc.log bash "$here/scale-local-cluster.sh" \
  --input "$idx" --work "$work/bench-lc" --suite scaling --averaging-frequency 20 \
  --json "$work/scaling-lc.json"
log "scaling local-cluster done"
for i in 1 2; do
  step "local$i.log" "$root/submit/local.sh" train --engine local --batch-size 64 \
    --data "$data" --output "$work/local$i" --epochs 3 --validation 0 --seed "$i" \
    --learning-rate 0.004 --lr-decay 0.7
done
log "local done"
LENET5_DATA="$idx" step qs.log "$root/submit/quickstart.sh" --out "$work/quickstart"
log "quickstart done"
for i in 1 2 3; do
  "${LENET5_PYTHON:-/usr/bin/python3}" "$here/pytorch_lenet5.py" --data "$data" --epochs 8 \
    --seed "$i" --threads 2 --stop-at 0.99 --batch-size 64 --learning-rate 0.002 \
    --lr-decay 0.8 > "$work/pt-default-s$i.json" 2> "$work/pt-default-s$i.err" \
    || { echo "error: pytorch run $i failed, see $work/pt-default-s$i.err" >&2; exit 1; }
done
log "pytorch defaults done"
step tta-old.md python3 "$here/time_to_accuracy.py" --data "$data" --work "$work/tta-old" \
  --runs 3 --epochs 8 --job-args "$old" --pytorch-args "$pt_best" --json "$work/tta-old.json"
log "tta-old done"
