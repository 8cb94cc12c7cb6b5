#!/usr/bin/env bash
# A/B of averaging-period schedules (issue 19): trains the Spark engine with the job's defaults
# (2 workers, local[*]) once per schedule and seed, alternating the schedules (A B / B A ...),
# then prints per epoch: period, averaging rounds, epoch seconds, validation and test accuracy,
# and each run's time to 99% test accuracy (sum of epoch and evaluation seconds up to the first
# epoch at or above 99%).
#   bench/averaging_schedule.sh DATA WORK EPOCHS "SEEDS" SCHEDULE...
#   e.g. bench/averaging_schedule.sh /tmp/mnist /tmp/ab 8 "1 2" 10 10,20,40,80
# DATA: output of 'prepare' (full MNIST); WORK: a scratch folder (runs are overwritten; with
# REUSE=1 a complete run of the same schedule, seed and epochs is kept and reported).
# AVERAGING_SCHEDULE_ARGS: more train flags for every run, e.g. the seventh session's schedule
# at a commit after d8602a5: "--learning-rate 0.002 --lr-decay 0.8".
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ $# -lt 5 ]]; then
  sed -n '2,12p' "${BASH_SOURCE[0]}" >&2
  exit 2
fi
data="$1"; work="$2"; epochs="$3"; seeds="$4"; shift 4
schedules=("$@")
mkdir -p "$work"
flip=0
for seed in $seeds; do
  order=("${schedules[@]}")
  if [[ $flip -eq 1 ]]; then
    # reverse the order every other seed (A B, then B A) against drifting load
    order=()
    for ((i = ${#schedules[@]} - 1; i >= 0; i--)); do order+=("${schedules[$i]}"); done
  fi
  flip=$((1 - flip))
  for s in "${order[@]}"; do
    run="$work/f${s//,/-}-s$seed"
    if [[ -n "${REUSE:-}" && -f "$run/_SUCCESS" ]] \
        && [[ $(wc -l < "$run/metrics.jsonl") -eq $epochs ]]; then
      echo "== seed $seed, --averaging-frequency $s: reusing the complete run in $run"
      continue
    fi
    echo "== seed $seed, --averaging-frequency $s ($(date -u +%H:%M:%S), $(uptime | sed 's/.*load/load/'))"
    # shellcheck disable=SC2086
    "$here/../submit/local.sh" train --data "$data" --output "$run" --epochs "$epochs" \
      --seed "$seed" --averaging-frequency "$s" ${AVERAGING_SCHEDULE_ARGS:-} --overwrite \
      > "$run.log" 2>&1 \
      || { echo "run failed, see $run.log" >&2; exit 1; }
    tail -1 "$run.log"
  done
done
python3 - "$work" "$seeds" "${schedules[@]}" <<'EOF'
import json, sys, os
work, seeds, schedules = sys.argv[1], sys.argv[2].split(), sys.argv[3:]
for s in schedules:
    for seed in seeds:
        run = os.path.join(work, "f%s-s%s" % (s.replace(",", "-"), seed))
        cfg = json.load(open(os.path.join(run, "run.json")))
        rounds = cfg.get("scheduling", {}).get("averaging_rounds", {})
        periods = cfg["config"].get("averaging_periods", [])
        t, t99 = 0.0, None
        print("schedule %s seed %s" % (s, seed))
        print("epoch period rounds epoch_s eval_s val_acc test_acc")
        for line in open(os.path.join(run, "metrics.jsonl")):
            m = json.loads(line)
            e = m["epoch"]
            t += m["epoch_seconds"] + m["eval_seconds"]
            if t99 is None and m["test_accuracy"] >= 0.99:
                t99 = t
            print("%d %s %s %.2f %.2f %.4f %.4f" % (e, periods[e - 1] if periods else "?",
                  rounds.get(str(e), "?"), m["epoch_seconds"], m["eval_seconds"],
                  m["validation_accuracy"] or float("nan"), m["test_accuracy"]))
        print("time to 99%% test accuracy: %s" % ("%.1f s" % t99 if t99 else "not reached"))
EOF
