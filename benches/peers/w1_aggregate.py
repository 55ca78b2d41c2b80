"""W1 by Mildenhall's `aggregate` (0.30.1): the exact aggregate distribution by FFT, timed in-process
(import excluded), with the accuracy each grid setting reaches on W1's statistics.

    python3 benches/peers/w1_aggregate.py [REPEATS] [LOG2:BS ...]

Per setting: median and minimum wall time of building and updating the Aggregate (normalize=False,
padding=1), and the largest relative error over W1's eleven statistics (VaR and TVaR at 0.9, 0.95,
0.99, 0.995, 0.999; P(S > 1e6)) against the converged references (tests/fixtures/exact_refs.json),
read two ways:
  own          aggregate's own read-outs: a.q(p) (a grid point), a.sf(x), a.tvar(p);
  interpolated the grid read as our engine reads its own: the rounding method's knots
               ((k + 1/2)h, F_k) interpolated linearly, TVaR = VaR + (E[S] - int_0^VaR S)/(1 - p)
               with the closed-form mean, which aggregate's user has to do by hand.
"""
import json
import pathlib
import statistics
import sys
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")
from aggregate import Aggregate  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
REF = json.loads((ROOT / "tests/fixtures/exact_refs.json").read_text())["w1"]
LEVELS = [0.9, 0.95, 0.99, 0.995, 0.999]
MEAN = REF["mean"]
REPS = int(sys.argv[1]) if len(sys.argv) > 1 else 5
SETTINGS = [tuple(float(v) for v in s.split(":")) for s in sys.argv[2:]] or [
    (16, 4000), (17, 2000), (18, 1000), (19, 500), (20, 250), (21, 125)]


def errors(a, bs):
    """Largest relative error of each reading over the eleven statistics, and the worst one."""
    p = a.density_df.p_total.values
    F = np.cumsum(p)
    knots = a.density_df.index.values + bs / 2
    out = {}
    # Own read-outs.
    own = {f"var[{q}]": float(a.q(q)) / REF["var"][str(q)] - 1 for q in LEVELS}
    for q in LEVELS:
        try:
            own[f"tvar[{q}]"] = float(a.tvar(q)) / REF["tvar"][str(q)] - 1
        except Exception:  # noqa: BLE001
            own[f"tvar[{q}]"] = float("inf")
    own["exceedance[1e6]"] = float(a.sf(1e6)) / REF["exceedance"]["1000000"] - 1
    # The grid read by interpolation at the knots.
    interp = {}
    s_knots = 1 - F
    for q in LEVELS:
        v = float(np.interp(q, F, knots))
        interp[f"var[{q}]"] = v / REF["var"][str(q)] - 1
        # int_0^v S: S = 1 - p_0 just after the atom at 0 (cell 0's mass read as the atom), then
        # linear between the knots, where S = 1 - F_k.
        xs = np.concatenate([[0.0], knots[knots < v], [v]])
        ss = np.concatenate([[1.0 - p[0]], s_knots[knots < v], [1 - q]])
        integral = float(np.trapezoid(ss, xs))
        interp[f"tvar[{q}]"] = (v + (MEAN - integral) / (1 - q)) / REF["tvar"][str(q)] - 1
    interp["exceedance[1e6]"] = (1 - float(np.interp(1e6, knots, F))) / REF["exceedance"]["1000000"] - 1
    for name, errs in (("own", own), ("interpolated", interp)):
        worst = max(errs, key=lambda k: abs(errs[k]))
        out[name] = {"max_rel_err": abs(errs[worst]), "worst": worst}
    return out


rows = []
for log2, bs in SETTINGS:
    times, a = [], None
    for _ in range(REPS):
        t = time.perf_counter()
        a = Aggregate("w1", exp_en=0.8, sev_name="lognorm", sev_a=2.0, sev_scale=150_000.0,
                      freq_name="poisson")
        a.update(log2=int(log2), bs=bs, normalize=False, padding=1)
        times.append(time.perf_counter() - t)
    rows.append({"log2": int(log2), "bs": bs, "median_s": round(statistics.median(times), 4),
                 "min_s": round(min(times), 4), **errors(a, bs)})
print(json.dumps(rows, indent=1))
