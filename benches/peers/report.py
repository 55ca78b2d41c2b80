"""Builds run.sh's markdown tables from its scratch directory.

Reads DIR/rows.tsv (id, workload, label, status) and, per id, DIR/<id>.time.json
(hyperfine/timer export), DIR/<id>.rss (/usr/bin/time -v output) and
DIR/<id>.out (the command's stdout: a LossReport or a peer script's JSON).
"""
import json
import os
import sys

d = sys.argv[1]
rows = [line.rstrip("\n").split("\t") for line in open(os.path.join(d, "rows.tsv"))]


def load(path, fn):
    try:
        with open(path) as f:
            return fn(f)
    except (OSError, ValueError, KeyError, IndexError):
        return None


def rss_mib(rid):
    def parse(f):
        for line in f:
            if "Maximum resident set size" in line:
                return int(line.split(":")[1]) / 1024.0
        return None
    return load(os.path.join(d, rid + ".rss"), parse)


def med(rid):
    return load(os.path.join(d, rid + ".time.json"), lambda f: json.load(f)["results"][0]["median"])


def key_stats(rid):
    rep = load(os.path.join(d, rid + ".out"), json.load)
    if not isinstance(rep, dict) or "mean" not in rep:
        return None

    def pick(field, key, inner):
        v = rep.get(field)
        if isinstance(v, dict):
            return v.get(key)
        if isinstance(v, list):  # LossReport shape
            for e in v:
                if abs(float(e.get(inner[0], -1)) - float(key)) < 1e-12:
                    return e.get(inner[1])
        return None
    return (rep["mean"], pick("var", "0.99", ("level", "value")),
            pick("tvar", "0.99", ("level", "value")),
            pick("exceedance", "1000000", ("threshold", "probability")))


base, base_exact = {}, {}
for rid, wl, label, status in rows:
    if label.startswith("risk simulate") and status == "ok":
        (base_exact if "exact" in label else base)[wl] = med(rid)

print("| workload | command | median wall (s) | peak RSS (MiB) | × ours (MC) | × ours (exact) |")
print("|---|---|---|---|---|---|")
for rid, wl, label, status in rows:
    if status != "ok":
        print(f"| {wl} | `{label}` | {status} | | | |")
        continue
    m, r = med(rid), rss_mib(rid)
    ratio = f"{m / base[wl]:.2f}" if base.get(wl) and m else "n/a"
    ratio_x = f"{m / base_exact[wl]:.2f}" if base_exact.get(wl) and m else "n/a"
    print(f"| {wl} | `{label}` | {m:.3f} | {r:.0f} | {ratio} | {ratio_x} |" if m and r
          else f"| {wl} | `{label}` | ? | ? | | |")

print()
print("| workload | command | mean | VaR 0.99 | TVaR 0.99 | P(L > 1e6) |")
print("|---|---|---|---|---|---|")
fmt = lambda v: "" if v is None else f"{v:,.6g}"
for rid, wl, label, status in rows:
    s = key_stats(rid) if status == "ok" else None
    if s:
        print(f"| {wl} | `{label}` | " + " | ".join(fmt(v) for v in s) + " |")
