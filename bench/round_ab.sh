#!/usr/bin/env bash
# A/B timing of the per-round cost of the Spark engine: alternates two checkouts of this project
# (each with its jar built), each run training 2 epochs with 2 workers averaging after every
# minibatch on 10,000 training images (--validation 50000 holds out the rest), so an epoch is
# 157 averaging rounds of one minibatch per worker, and prints epoch 2's fit seconds per round.
#   bench/round_ab.sh DATA PAIRS CHECKOUT_A CHECKOUT_B [extra train options]
# DATA is a folder written by `prepare`; results go to $ROUND_AB_OUT (default /tmp/round-ab).
set -euo pipefail
data=$1; pairs=$2; a=$3; b=$4; shift 4
dir=${ROUND_AB_OUT:-/tmp/round-ab}
mkdir -p "$dir"
run() {
  local home=$1 tag=$2 i=$3
  shift 3
  local out=$dir/$tag-$i
  rm -rf "$out"
  "$home/submit/local.sh" train --data "$data" --output "$out" --engine spark --epochs 2 \
    --averaging-frequency 1 --workers 2 --validation 50000 "$@" > "$out.log" 2>&1
  local s
  s=$(awk -F, 'NR==3{print $6}' "$out/metrics.csv")
  printf '%s %s epoch2 %.2f s  %.1f ms/round  load %s\n' "$tag" "$i" "$s" \
    "$(echo "$s * 1000 / 157" | bc -l)" "$(cut -d' ' -f1-3 /proc/loadavg)"
}
for i in $(seq 1 "$pairs"); do
  run "$a" A "$i" "$@"
  run "$b" B "$i" "$@"
done
