#!/usr/bin/env bash
# A/B sitting for the first epoch (issue 19, docs/performance.md round 5): runs `train` of each
# variant in turn, alternating, and prints one line per run: the wall time of the whole command,
# each epoch's fit seconds (metrics.jsonl), the data load and warm-up seconds (run.json, when the
# build records them) and the load average. Usage:
#   dev/first-epoch-ab.sh ROUNDS DATA OUTDIR VARIANT...
# where each VARIANT is LABEL@CHECKOUT@EXTRA_JAVA_OPTS@EXTRA_TRAIN_ARGS (CHECKOUT: a built
# checkout whose submit/local.sh is used; the last two may be empty), e.g.
#   dev/first-epoch-ab.sh 2 /tmp/shards /tmp/ab "old@/tmp/old@@" "new@.@@" "new-nowarm@.@@--warm-up 0"
# Training arguments: --epochs 3 --workers 2 and the job's defaults (EPOCHS overrides 3).
set -euo pipefail
if [[ $# -lt 4 ]]; then
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
rounds="$1"
data="$2"
out="$3"
shift 3
mkdir -p "$out"
for ((r = 1; r <= rounds; r++)); do
  for v in "$@"; do
    IFS='@' read -r label home jopts targs <<<"$v"
    dir="$out/$label-$r"
    t0=$(date +%s.%N)
    # shellcheck disable=SC2086
    LENET5_JAVA_OPTS="$jopts" "$home/submit/local.sh" train --data "$data" --output "$dir" \
      --epochs "${EPOCHS:-3}" --workers 2 --overwrite $targs >"$dir.out" 2>"$dir.err" || {
      echo "$label run $r failed: see $dir.err" >&2
      continue
    }
    t1=$(date +%s.%N)
    python3 - "$dir" "$label" "$r" "$t0" "$t1" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import json, sys
d, label, r, t0, t1, load = sys.argv[1:]
eps = [json.loads(l) for l in open(d + "/metrics.jsonl")]
sec = [e["epoch_seconds"] for e in eps]
run = json.load(open(d + "/run.json"))
st = run.get("start_up", {})
later = sorted(sec[1:])
ratio = sec[0] / later[len(later) // 2] if later else float("nan")
print(f"{label:14s} run {r}: total {float(t1) - float(t0):6.1f} s  epochs "
      + " ".join(f"{s:5.1f}" for s in sec)
      + f"  first/later(median) {ratio:4.2f}  data load {st.get('data_load_seconds', '-')}"
      + f"  warm-up {st.get('warm_up_seconds', '-')}  acc {eps[-1]['test_accuracy']:.4f}"
      + f"  load {load}", flush=True)
PY
  done
done
