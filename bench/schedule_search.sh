#!/usr/bin/env bash
# The default-schedule search of issue 19 (docs/benchmarks.md, "Issue 19: the default schedule"):
# one `submit/local.sh train --epochs EPOCHS --seed S` per candidate and seed, sequential (for
# each seed, every candidate in the order given), then the tables of
# bench/score_schedule_search.py (time to 98.70% validation accuracy, test accuracy per epoch).
#   bench/schedule_search.sh DATA WORK SEEDS EPOCHS [CANDIDATE...]
#   e.g. bench/schedule_search.sh DATA WORK "1 2" 6          (c0-c6: the eighth session's search)
#        bench/schedule_search.sh DATA WORK "1 2" 6 c4 c7    (its follow-up)
# DATA: full MNIST as binary shards (`prepare --format binary`); WORK: output folder (runs in
# WORK/runs, metrics copied to WORK/NAME-sSEED.csv, one log per run; nothing else is written).
# Every candidate spells out its whole schedule, because the defaults changed at d8602a5: c0 is
# the former defaults (Adam 2e-3, x0.8 per epoch, period 10), c4 the defaults since then.
set -euo pipefail
if [[ $# -lt 4 ]]; then sed -n '2,12p' "$0" >&2; exit 2; fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
data=$1; work=$2; seeds=$3; epochs=$4; shift 4
b64="--batch-size 64 --learning-rate 4e-3 --lr-decay 0.7"
declare -A flags=(
  [c0-default]="--learning-rate 0.002 --lr-decay 0.8 --averaging-frequency 10"
  [c1-lr4e-3-d0.7]="--learning-rate 4e-3 --lr-decay 0.7 --averaging-frequency 10"
  [c2-lr3e-3-d0.6]="--learning-rate 3e-3 --lr-decay 0.6 --averaging-frequency 10"
  [c3-period20]="--learning-rate 0.002 --lr-decay 0.8 --averaging-frequency 20"
  [c4-lr4e-3-d0.7-p20]="--learning-rate 4e-3 --lr-decay 0.7 --averaging-frequency 20"
  [c5-lr2e-3-d0.6]="--learning-rate 0.002 --lr-decay 0.6 --averaging-frequency 10"
  [c6-b64-lr4e-3-d0.7]="$b64 --averaging-frequency 10"
  [c7-b64-lr4e-3-d0.7-p20]="$b64 --averaging-frequency 20"
)
names=()
for c in "${@:-c0 c1 c2 c3 c4 c5 c6}"; do
  for c1 in $c; do
    name=$(printf '%s\n' "${!flags[@]}" | grep "^$c1-" || true)
    [[ -n "$name" ]] || { echo "error: unknown candidate $c1 (c0-c7)" >&2; exit 2; }
    names+=("$name")
  done
done
mkdir -p "$work/runs"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
for seed in $seeds; do
  for name in "${names[@]}"; do
    run="$work/runs/$name-s$seed"
    echo "$name seed $seed start $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
    # shellcheck disable=SC2086
    "$here/../submit/local.sh" train --data "$data" --output "$run" --epochs "$epochs" \
      --seed "$seed" ${flags[$name]} --overwrite > "$run.log" 2>&1 \
      || { echo "error: run failed, see $run.log" >&2; exit 1; }
    cp "$run/metrics.csv" "$work/$name-s$seed.csv"
  done
done
python3 "$here/score_schedule_search.py" "$work"
