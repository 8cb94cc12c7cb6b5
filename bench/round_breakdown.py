#!/usr/bin/env python3
"""Where an averaging round's time goes, from a Spark event log of a `train --engine spark` run.

Usage: bench/round_breakdown.py EVENT_LOG [--skip-epochs 1] [--per-epoch]

Each averaging round of DL4J's parameter averaging is one Spark job: "runJob at AveragingRound"
since round 6 of docs/performance.md, the tree aggregation of the workers' results ("treeAggregate
at ParameterAveragingTrainingMaster") before. For the rounds after the
skipped epochs (the first carries the JIT's warm-up) it prints the median and mean, in ms, of:
driver between jobs (previous job's end to this job's submission: the previous round's
processResults after its job, and this round's split, broadcast and job submission), job
submission to the first task's launch, the task's parts (executorDeserializeTime, executorRunTime,
resultSerializationTime, gettingResultTime, scheduler delay), and the last task's end to the job's
end. Run with -Dspark.eventLog.enabled=true -Dspark.eventLog.dir=file:DIR (LENET5_JAVA_OPTS).

--per-epoch prints one row per epoch instead (every epoch, also of the scaling suite, whose
epochs are measured the same way): its rounds, the seconds from its first round's submission to
its last round's end, and per task the mean executor CPU time, the mean executor run time, their
ratio (below 1: the task's thread waited for a core, e.g. for the JIT's compiler threads or the
driver) and the mean wait of a round for its slowest task (last task's finish minus first's).
"""
import json
import re
import statistics
import sys

# the job of one averaging round: this project's (round 6) or DL4J's own (before)
ROUND_JOB = re.compile(r"runJob at AveragingRound\.java"
                       r"|treeAggregate at ParameterAveragingTrainingMaster")


def main(argv):
    path = argv[1]
    skip = int(argv[argv.index("--skip-epochs") + 1]) if "--skip-epochs" in argv else 1
    jobs = {}
    stage_job = {}
    tasks = {}
    order = []
    count_jobs = []
    with open(path) as f:
        for line in f:
            head = line[:80]
            if '"SparkListenerJobStart"' in head:
                e = json.loads(line)
                names = [s["Stage Name"] for s in e["Stage Infos"]]
                jid = e["Job ID"]
                jobs[jid] = {"submit": e["Submission Time"], "names": names}
                for s in e["Stage IDs"]:
                    stage_job[s] = jid
                order.append(jid)
            elif '"SparkListenerJobEnd"' in head:
                e = json.loads(line)
                jobs[e["Job ID"]]["end"] = e["Completion Time"]
            elif '"SparkListenerTaskEnd"' in head:
                e = json.loads(line)
                jid = stage_job.get(e["Stage ID"])
                info, m = e["Task Info"], e.get("Task Metrics") or {}
                dur = info["Finish Time"] - info["Launch Time"]
                getting = info["Finish Time"] - info["Getting Result Time"] \
                    if info.get("Getting Result Time", 0) > 0 else 0
                parts = {
                    "launch": info["Launch Time"], "finish": info["Finish Time"],
                    "deserialize": m.get("Executor Deserialize Time", 0),
                    "run": m.get("Executor Run Time", 0),
                    "result_ser": m.get("Result Serialization Time", 0),
                    "getting_result": getting, "gc": m.get("JVM GC Time", 0),
                    "cpu": m.get("Executor CPU Time", 0) / 1e6,
                }
                parts["scheduler_delay"] = max(0, dur - parts["deserialize"] - parts["run"]
                                               - parts["result_ser"] - getting)
                tasks.setdefault(jid, []).append(parts)
    train = [j for j in order if any(ROUND_JOB.search(n) for n in jobs[j]["names"])]
    # epochs start with DL4J's count of the training data ("count at ...TrainingMaster")
    epoch_starts = [j for j in order if any(n.startswith("count at") and "TrainingMaster" in n
                                            for n in jobs[j]["names"])]
    if "--per-epoch" in argv:
        per_epoch(jobs, tasks, train, epoch_starts)
        return
    first = epoch_starts[skip] if len(epoch_starts) > skip else (epoch_starts or [0])[0]
    rows = {k: [] for k in ["driver_between_jobs", "submit_to_first_launch", "deserialize",
                            "run", "result_ser", "getting_result", "scheduler_delay", "gc",
                            "last_finish_to_job_end", "job", "round"]}
    prev_end = None
    for j in train:
        jb = jobs[j]
        ts = tasks.get(j, [])
        if j > first and prev_end is not None and ts:
            rows["driver_between_jobs"].append(jb["submit"] - prev_end)
            rows["submit_to_first_launch"].append(min(t["launch"] for t in ts) - jb["submit"])
            for k in ["deserialize", "run", "result_ser", "getting_result", "scheduler_delay",
                      "gc"]:
                rows[k].append(statistics.mean(t[k] for t in ts))
            rows["last_finish_to_job_end"].append(jb["end"] - max(t["finish"] for t in ts))
            rows["job"].append(jb["end"] - jb["submit"])
            rows["round"].append(jb["end"] - prev_end)
        prev_end = jb.get("end")
    print(f"{len(rows['round'])} rounds (of {len(train)} training jobs) after {skip} epoch(s)")
    print("| part | median ms | mean ms |")
    print("| --- | --- | --- |")
    for k, v in rows.items():
        if v:
            print(f"| {k} | {statistics.median(v):.1f} | {statistics.mean(v):.2f} |")


def per_epoch(jobs, tasks, train, epoch_starts):
    """One row per epoch: the round jobs after each epoch's count job, up to the next one."""
    print("| epoch | rounds | seconds | task cpu ms | task run ms | cpu / run | slowest-task wait ms |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    bounds = epoch_starts + [float("inf")]
    for i, start in enumerate(epoch_starts):
        rounds = [j for j in train if start < j < bounds[i + 1] and tasks.get(j)]
        if not rounds:
            continue
        ts = [t for j in rounds for t in tasks[j]]
        cpu = sum(t["cpu"] for t in ts)
        run = sum(t["run"] for t in ts)
        wait = statistics.mean(max(t["finish"] for t in tasks[j])
                               - min(t["finish"] for t in tasks[j]) for j in rounds)
        seconds = (jobs[rounds[-1]]["end"] - jobs[rounds[0]]["submit"]) / 1e3
        print(f"| {i + 1} | {len(rounds)} | {seconds:.2f} | {cpu / len(ts):.1f} | "
              f"{run / len(ts):.1f} | {cpu / run if run else 0:.3f} | {wait:.1f} |")


if __name__ == "__main__":
    main(sys.argv)
