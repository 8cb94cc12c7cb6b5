#!/usr/bin/env python3
"""Time to a test accuracy, the job (`train`, Spark engine, its defaults) against PyTorch.

Issue 19's first goal: the distributed job reaches 99% test accuracy in at most 0.8x the time
`bench/pytorch_lenet5.py` needs on the same machine, medians of 3 runs each. This script runs
both, alternating (job run 1, PyTorch run 1, job run 2, ...), each in its own process as a user
would start it, on the same binary shards, and prints one Markdown table and one JSON object.

  python3 bench/time_to_accuracy.py --data SHARDS --work DIR [--runs 3] [--target 0.99]
      [--epochs 10] [--job-args "..."] [--pytorch-args "..."] [--json FILE]

Time to the target is counted from the first minibatch: the sum of the training time of every
epoch up to and including the first epoch whose test accuracy reaches the target (the job's
`epoch_seconds` in metrics.csv; PyTorch's `epoch_seconds`). The per-epoch evaluations are listed
apart (`eval_seconds`), and so is the job's whole command (JVM start, shard checks, model
writing). Run i uses seed i for both. A run that never reaches the target counts as missing;
the median is then over the runs that did, and the table says how many.
"""
import argparse
import csv
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def to_target(epochs, target):
    """(epoch, seconds of training, seconds of evaluation) up to the first epoch at the target."""
    train = evals = 0.0
    for e in epochs:
        train += e["epoch_seconds"]
        evals += e.get("eval_seconds", 0.0)
        if e["test_accuracy"] >= target:
            return e["epoch"], train, evals
    return None, train, evals


def run_job(a, seed):
    out = os.path.join(a.work, f"job-{seed}")
    shutil.rmtree(out, ignore_errors=True)
    cmd = [os.path.join(ROOT, "submit", "local.sh"), "train", "--data", a.data, "--output", out,
           "--epochs", str(a.epochs), "--seed", str(seed)] + shlex.split(a.job_args)
    env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"))
    t0 = time.perf_counter()
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"error: job run {seed} failed (exit {p.returncode}): "
                 + p.stdout.strip().splitlines()[-1])
    with open(os.path.join(out, "metrics.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    epochs = [{"epoch": int(r["epoch"]), "test_accuracy": float(r["test_accuracy"]),
               "epoch_seconds": float(r["epoch_seconds"]),
               "eval_seconds": float(r["eval_seconds"])} for r in rows]
    with open(os.path.join(out, "run.json")) as f:
        config = json.load(f)["config"]
    return {"seed": seed, "command": " ".join(shlex.quote(c) for c in cmd), "wall_seconds": wall,
            "workers": config["workers"], "batch_size_per_worker": config["batch_size_per_worker"],
            "averaging_frequency": config["averaging_frequency"], "epochs": epochs}


def run_pytorch(a, seed):
    python = os.environ.get("LENET5_PYTHON", "/usr/bin/python3")
    cmd = [python, os.path.join(HERE, "pytorch_lenet5.py"), "--data", a.data, "--epochs",
           str(a.epochs), "--seed", str(seed), "--threads", "2", "--stop-at", str(a.target)]
    cmd += shlex.split(a.pytorch_args)
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"error: pytorch run {seed} failed (exit {p.returncode}): {p.stderr.strip()}")
    out = json.loads(p.stdout)
    return {"seed": seed, "command": " ".join(shlex.quote(c) for c in cmd), "wall_seconds": wall,
            "threads": out["threads"], "batch_size": out["batch_size"], "epochs": out["epochs"]}


def summary(runs, target):
    reached = []
    for r in runs:
        epoch, train, evals = to_target(r["epochs"], target)
        r["epoch_at_target"] = epoch
        r["seconds_to_target"] = train if epoch else None
        r["seconds_to_target_with_eval"] = train + evals if epoch else None
        if epoch:
            reached.append(r)
    med = (lambda k: statistics.median(r[k] for r in reached)) if reached else (lambda k: None)
    return {"reached": len(reached), "runs": len(runs),
            "median_seconds_to_target": med("seconds_to_target"),
            "median_seconds_to_target_with_eval": med("seconds_to_target_with_eval"),
            "median_epoch_at_target": med("epoch_at_target")}


def fmt(v, spec=".1f"):
    return "-" if v is None else format(v, spec)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True, help="prepared data folder with binary shards")
    p.add_argument("--work", required=True, help="scratch folder for the job's run folders")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--target", type=float, default=0.99)
    p.add_argument("--epochs", type=int, default=10, help="most epochs of each run")
    p.add_argument("--job-args", default="", help="extra `train` options (default: none)")
    p.add_argument("--pytorch-args", default="", help="extra pytorch_lenet5.py options")
    p.add_argument("--json", help="also write the results here")
    a = p.parse_args()
    if a.runs < 1 or a.epochs < 1 or not 0 < a.target < 1:
        sys.exit("error: --runs and --epochs must be at least 1 and --target within (0, 1)")
    os.makedirs(a.work, exist_ok=True)
    jobs, torches = [], []
    for seed in range(1, a.runs + 1):
        jobs.append(run_job(a, seed))
        torches.append(run_pytorch(a, seed))
    js, ts = summary(jobs, a.target), summary(torches, a.target)
    ratio = None
    if js["median_seconds_to_target"] and ts["median_seconds_to_target"]:
        ratio = js["median_seconds_to_target"] / ts["median_seconds_to_target"]
    print(f"| engine | runs at {a.target:.2%} | epoch at target (per run) | seconds to target "
          "(per run) | median s | median s with evaluation |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, runs, s in (("job (Spark)", jobs, js), ("PyTorch", torches, ts)):
        print(f"| {name} | {s['reached']}/{s['runs']} | "
              + ", ".join(fmt(r["epoch_at_target"], "") for r in runs) + " | "
              + ", ".join(fmt(r["seconds_to_target"]) for r in runs) + f" | "
              f"{fmt(s['median_seconds_to_target'])} | "
              f"{fmt(s['median_seconds_to_target_with_eval'])} |")
    print(f"\njob / PyTorch, medians of time to {a.target:.2%}: {fmt(ratio, '.2f')}")
    result = {"target": a.target, "job": {"summary": js, "runs": jobs},
              "pytorch": {"summary": ts, "runs": torches}, "ratio_job_over_pytorch": ratio,
              "load_average": os.getloadavg()}
    if a.json:
        with open(a.json, "w") as f:
            json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
