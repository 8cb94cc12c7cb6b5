#!/usr/bin/env bash
# A/B of whole Spark epochs: alternates two checkouts of this project (each with its jar built;
# the same checkout twice compares options given in $EPOCH_AB_A_OPTS / $EPOCH_AB_B_OPTS), each
# run training EPOCHS epochs of `train` on all the training images (--validation 0, seed 1,
# the job's defaults otherwise) with a Spark event log, and prints per run the epoch seconds and
# test accuracies from metrics.csv, then bench/round_breakdown.py's per-epoch table: rounds,
# seconds, a worker task's mean CPU and run time, and the wait for the slower task.
#   bench/epoch_ab.sh DATA PAIRS EPOCHS CHECKOUT_A CHECKOUT_B [extra train options for both]
# DATA is a folder written by `prepare`; results go to $EPOCH_AB_OUT (default /tmp/epoch-ab).
set -euo pipefail
if [[ $# -lt 5 ]]; then
  echo "usage: bench/epoch_ab.sh DATA PAIRS EPOCHS CHECKOUT_A CHECKOUT_B [train options]" >&2
  exit 2
fi
data=$1; pairs=$2; epochs=$3; a=$4; b=$5; shift 5
dir=${EPOCH_AB_OUT:-/tmp/epoch-ab}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$dir"
run() {
  local home=$1 tag=$2 i=$3 opts=$4
  shift 4
  local out=$dir/$tag-$i ev=$dir/$tag-$i.events
  rm -rf "$out" "$ev"
  mkdir -p "$ev"
  # shellcheck disable=SC2086
  LENET5_JAVA_OPTS="${LENET5_JAVA_OPTS:-} -Dspark.eventLog.enabled=true -Dspark.eventLog.dir=file:$ev" \
    "$home/submit/local.sh" train --data "$data" --output "$out" --engine spark \
    --epochs "$epochs" --seed 1 --validation 0 $opts "$@" > "$out.log" 2>&1
  echo "$tag $i  epoch s: $(awk -F, 'NR>1{printf "%.2f ", $6}' "$out/metrics.csv")" \
    " test accuracy: $(awk -F, 'NR>1{printf "%.4f ", $4}' "$out/metrics.csv")" \
    " load $(cut -d' ' -f1-3 /proc/loadavg)"
  python3 "$here/round_breakdown.py" "$ev"/* --per-epoch
}
for i in $(seq 1 "$pairs"); do
  run "$a" A "$i" "${EPOCH_AB_A_OPTS:-}" "$@"
  run "$b" B "$i" "${EPOCH_AB_B_OPTS:-}" "$@"
done
