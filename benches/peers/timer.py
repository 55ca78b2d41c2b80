"""Fallback wall-clock timer for run.sh when hyperfine is not installed.

usage: timer.py WARMUP RUNS OUT.json -- CMD ARGS...
Runs CMD WARMUP times untimed, then RUNS times; writes
{"results": [{"median": s, "mean": s, "min": s, "max": s, "times": [...]}]}
(the subset of hyperfine's --export-json layout that run.sh reads).
"""
import json
import statistics
import subprocess
import sys
import time

warmup, runs, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
cmd = sys.argv[sys.argv.index("--") + 1:]
for _ in range(warmup):
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
times = []
for _ in range(runs):
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
    times.append(time.perf_counter() - t0)
with open(out, "w") as f:
    json.dump({"results": [{"median": statistics.median(times), "mean": statistics.mean(times),
                            "min": min(times), "max": max(times), "times": times}]}, f)
