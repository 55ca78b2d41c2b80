"""W2 (FAIR) by hand in numpy, COMPOUND reading (contract §2 "fair" form):
per trial draw TEF ~ PERT(0.1, 0.5, 2.0) and vulnerability ~ PERT(0.2, 0.4, 0.7)
once, N ~ Poisson(TEF x V), annual loss = sum of N independent loss-magnitude
draws LM ~ PERT(10,000, 100,000, 5,000,000). 1,000,000 trials, seed 42.

Modified PERT, lambda = 4: Beta(a, b) on [min, max] with
a = 1 + 4 (mode - min) / (max - min), b = 1 + 4 (max - mode) / (max - min).
"""
import sys

import numpy as np

from peerstats import emit, stats

TRIALS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000


def pert(rng, lo, mode, hi, size):
    a = 1.0 + 4.0 * (mode - lo) / (hi - lo)
    b = 1.0 + 4.0 * (hi - mode) / (hi - lo)
    return lo + (hi - lo) * rng.beta(a, b, size)


rng = np.random.default_rng(42)
tef = pert(rng, 0.1, 0.5, 2.0, TRIALS)
vuln = pert(rng, 0.2, 0.4, 0.7, TRIALS)
n = rng.poisson(tef * vuln)
lm = pert(rng, 10_000.0, 100_000.0, 5_000_000.0, int(n.sum()))
annual = np.bincount(np.repeat(np.arange(TRIALS), n), weights=lm, minlength=TRIALS)

out = {"peer": "numpy", "workload": "W2", "model": "compound: N ~ Poisson(TEF*V), sum of N LM draws"}
out.update(stats(annual))
emit(out)
