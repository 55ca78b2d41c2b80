#!/usr/bin/env python3
"""Load check of POST /v1/assessments over loopback, against the same assessment computed by
`risk score` (in-process engine, plus process start and JSON output) in the same run.

Usage: load.py BIN BASE_URL KEY PROFILE TRIALS REQUESTS CONCURRENCY
Prints one JSON line with throughput and p50/p99 latencies (ms).
"""
import http.client
import json
import statistics
import subprocess
import sys
import threading
import time
from urllib.parse import urlparse


def pct(xs, p):
    xs = sorted(xs)
    k = min(len(xs) - 1, max(0, round(p / 100 * (len(xs) - 1))))
    return xs[k]


def main():
    bin_, base, key, profile, trials, n, conc = sys.argv[1:8]
    trials, n, conc = int(trials), int(n), int(conc)
    body = open(profile, "rb").read()
    u = urlparse(base)
    lat, codes, lock = [], [], threading.Lock()
    todo = list(range(n))

    def worker():
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
        while True:
            with lock:
                if not todo:
                    break
                i = todo.pop()
            t = time.perf_counter()
            c.request("POST", f"/v1/assessments?trials={trials}&seed={i}", body,
                      {"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
            r = c.getresponse()
            r.read()
            dt = time.perf_counter() - t
            with lock:
                lat.append(dt)
                codes.append(r.status)
        c.close()

    t0 = time.perf_counter()
    ts = [threading.Thread(target=worker) for _ in range(conc)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    wall = time.perf_counter() - t0
    assert all(c == 201 for c in codes), codes

    # The same assessments in-process (one `risk score` process each, sequential).
    local = []
    for i in range(min(n, 20)):
        t = time.perf_counter()
        subprocess.run([bin_, "score", profile, "--trials", str(trials), "--seed", str(i)],
                       check=True, stdout=subprocess.DEVNULL)
        local.append(time.perf_counter() - t)
    print(json.dumps({
        "trials": trials, "requests": n, "concurrency": conc,
        "http_per_s": round(n / wall, 2),
        "http_p50_ms": round(1000 * pct(lat, 50), 2),
        "http_p99_ms": round(1000 * pct(lat, 99), 2),
        "cli_score_p50_ms": round(1000 * statistics.median(local), 2),
        "http_over_cli_p50": round(pct(lat, 50) / statistics.median(local) - 1, 3),
    }))


main()
