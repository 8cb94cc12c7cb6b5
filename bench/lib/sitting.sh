# Shared by bench/quiet_sitting*.sh (sourced; needs $work): a line per finished part in
# WORK/times.txt with the load average, and each part's output in a log of its own.
# log TEXT: appends TEXT, the time and the load average to WORK/times.txt (and prints it).
log() { echo "$1 $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$work/times.txt"; }
# step LOG COMMAND...: runs COMMAND with its output in WORK/LOG; on failure, one error line
# naming the command and its log, and the sitting stops (exit 1).
step() {
  local out="$work/$1"; shift
  "$@" > "$out" 2>&1 || { echo "error: $1 failed (exit $?), see $out" >&2; exit 1; }
}
