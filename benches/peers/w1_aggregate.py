"""W1 by Mildenhall's `aggregate` (0.30.1): the exact aggregate distribution by FFT, timed in-process
(import excluded) at the tuned settings that reach ~1e-6 on W1 (peers.md: log2 20-21, bs 125-250).

    python3 benches/peers/w1_aggregate.py [REPEATS]

Prints, per setting, the median and minimum wall time of building and updating the Aggregate, and
its P(S > 1e6) and VaR 0.99 read off the grid (relative to peers.md's converged values).
"""
import json
import statistics
import sys
import time
import warnings

warnings.filterwarnings("ignore")
from aggregate import Aggregate  # noqa: E402

REPS = int(sys.argv[1]) if len(sys.argv) > 1 else 5
EXCEED_1E6, VAR99 = 0.1386037836, 13_821_039.14
out = []
for log2, bs in [(20, 250), (21, 125)]:
    times, a = [], None
    for _ in range(REPS):
        t = time.perf_counter()
        a = Aggregate("w1", exp_en=0.8, sev_name="lognorm", sev_a=2.0, sev_scale=150_000.0,
                      freq_name="poisson")
        a.update(log2=log2, bs=bs, normalize=False, padding=1)
        times.append(time.perf_counter() - t)
    p = float(a.density_df.loc[:1e6, "p_total"].sum())
    out.append({"log2": log2, "bs": bs, "median_s": statistics.median(times), "min_s": min(times),
                "exceedance_1e6_rel_err": abs((1 - p) / EXCEED_1E6 - 1),
                "var99_grid_rel_err": abs(float(a.q(0.99)) / VAR99 - 1)})
print(json.dumps(out, indent=1))
