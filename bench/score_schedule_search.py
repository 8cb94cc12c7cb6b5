#!/usr/bin/env python3
"""Scores the runs of bench/schedule_search.sh (issue 19's default-schedule search).

  python3 bench/score_schedule_search.py WORK [THRESHOLD]

Reads WORK/NAME-sSEED.csv (each run's metrics.csv) and prints two Markdown tables: per run, the
validation and test accuracy and seconds of every epoch, T = training seconds (sum of
epoch_seconds) to the first epoch with validation accuracy >= THRESHOLD % (default 98.70) and the
seconds to 99% test accuracy; per candidate, the median T over the seeds (a seed that never gets
there counts as all its epochs plus one more) and the mean validation accuracy of the last epoch.
Test accuracy is printed, never used to choose (the decision rule is in docs/benchmarks.md).
"""
import collections
import csv
import glob
import os
import statistics
import sys


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__.strip().splitlines()[2].strip())
    work = sys.argv[1]
    thr = float(sys.argv[2]) if len(sys.argv) > 2 else 98.70
    runs = collections.defaultdict(dict)
    for path in sorted(glob.glob(os.path.join(work, "*.csv"))):
        name, seed = os.path.basename(path)[:-4].rsplit("-s", 1)
        with open(path, newline="") as f:
            runs[name][seed] = list(csv.DictReader(f))
    if not runs:
        sys.exit(f"error: no NAME-sSEED.csv in {work}")
    epochs = max(len(rows) for seeds in runs.values() for rows in seeds.values())
    print(f"| candidate | seed | val acc per epoch | test acc per epoch | epoch s "
          f"| T(val>={thr}) s | test 99% at s |")
    print("|---|---|---|---|---|---|---|")
    summary = {}
    for name, seeds in runs.items():
        ts, last = [], []
        for seed, rows in sorted(seeds.items()):
            t, t_val, t_99 = 0.0, None, None
            for r in rows:
                t += float(r["epoch_seconds"])
                if t_val is None and float(r["validation_accuracy"]) * 100 >= thr - 1e-9:
                    t_val = t
                if t_99 is None and float(r["test_accuracy"]) >= 0.99:
                    t_99 = t
            ts.append(t_val if t_val is not None else t + (t / len(rows) if rows else 0))
            last.append(float(rows[-1]["validation_accuracy"]) * 100
                        if len(rows) == epochs else float("nan"))
            va = " ".join(f"{float(r['validation_accuracy']) * 100:.2f}" for r in rows)
            ta = " ".join(f"{float(r['test_accuracy']) * 100:.2f}" for r in rows)
            es = " ".join(f"{float(r['epoch_seconds']):.1f}" for r in rows)
            show = [("-" if x is None else round(x, 1)) for x in (t_val, t_99)]
            print(f"| {name} | {seed} | {va} | {ta} | {es} | {show[0]} | {show[1]} |")
        summary[name] = (statistics.median(ts), statistics.mean(last))
    print()
    print(f"| candidate | T median s | val acc epoch {epochs} mean |")
    print("|---|---|---|")
    for name, (t, acc) in summary.items():
        print(f"| {name} | {t:.1f} | {acc:.2f} |")


if __name__ == "__main__":
    main()
