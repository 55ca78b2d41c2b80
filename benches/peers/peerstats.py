"""Shared statistics for the peer benchmark scripts (contract §3 definitions).

VaR is the lower quantile inf{x : F(x) >= p} of the empirical distribution,
i.e. sorted[ceil(n*p) - 1]; TVaR = VaR + mean((L - VaR)+) / (1 - p).
"""
import json
import math

import numpy as np

LEVELS = (0.9, 0.95, 0.99, 0.995, 0.999)


def lower_index(n, p):
    # ceil(n*p) - 1, robust to n*p being a hair above an integer in binary
    # floating point (e.g. 1e6 * 0.995).
    k = math.ceil(round(n * p, 9)) - 1
    return min(max(k, 0), n - 1)


def stats(losses, levels=LEVELS, tvar_levels=(0.99,), thresholds=(1_000_000,)):
    x = np.asarray(losses, dtype=np.float64)
    n = x.size
    idx = sorted({lower_index(n, p) for p in set(levels) | set(tvar_levels)})
    part = np.partition(x, idx)
    var = {p: float(part[lower_index(n, p)]) for p in set(levels) | set(tvar_levels)}
    out = {
        "trials": n,
        "mean": float(x.mean()),
        "std": float(x.std(ddof=1)),
        "var": {str(p): var[p] for p in levels},
        "tvar": {},
        "exceedance": {str(int(t)): float(np.count_nonzero(x > t)) / n for t in thresholds},
    }
    for p in tvar_levels:
        v = var[p]
        out["tvar"][str(p)] = v + float(np.maximum(x - v, 0.0).mean()) / (1.0 - p)
    return out


def emit(obj):
    print(json.dumps(obj, indent=1, sort_keys=False))
