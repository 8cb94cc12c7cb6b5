#!/usr/bin/env python3
"""Checks of submit/gpu-smoke.sh: gpu-smoke-check.py RUN_CUDA RUN_CPU GPUS.

Every training task of the CUDA run held one GPU and bound it (devices.jsonl), each executor one
GPU, GPUS distinct GPUs; the final test accuracies of both runs within 0.5 points; prints the
throughput in all and per GPU. Exit 0 when every check passes, else 1 with one FAIL line each.
"""
import json, sys
cuda, cpu, gpus = sys.argv[1], sys.argv[2], int(sys.argv[3])
fail = []
per_exec = {}
for line in open(cuda + "/devices.jsonl"):
    d = json.loads(line)
    if len(d["gpu_addresses"]) != 1 or d["bound"] != "cuda:" + d["gpu_addresses"][0]:
        fail.append("task %s: %s" % (d["task_attempt_id"], d["decision"]))
    per_exec.setdefault(d["executor_id"], set()).update(d["gpu_addresses"])
addresses = [a for s in per_exec.values() for a in s]
if any(len(s) != 1 for s in per_exec.values()) or len(set(addresses)) != len(addresses):
    fail.append("executors share or mix GPUs: %s" % per_exec)
if len(set(addresses)) != gpus:
    fail.append("%d distinct GPUs trained, expected %d" % (len(set(addresses)), gpus))
def last(run):
    return [json.loads(l) for l in open(run + "/metrics.jsonl")][-1]
g, c = last(cuda), last(cpu)
if abs(g["test_accuracy"] - c["test_accuracy"]) > 0.005:
    fail.append("accuracy %.4f on GPUs vs %.4f on CPUs" % (g["test_accuracy"], c["test_accuracy"]))
print("GPUs %d: test accuracy %.4f (CPU run %.4f)" % (gpus, g["test_accuracy"], c["test_accuracy"]))
print("throughput: %.0f samples/s in all, %.0f per GPU (CPU run %.0f)"
      % (g["samples_per_second"], g["samples_per_second"] / gpus, c["samples_per_second"]))
for f in fail:
    print("FAIL " + f, file=sys.stderr)
sys.exit(1 if fail else 0)
