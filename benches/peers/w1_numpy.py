"""W1 by hand in numpy: N ~ Poisson(0.8), X ~ lognormal(median 150,000, sigma 2),
annual loss S = sum of the N severities, 1,000,000 years, seed 42.

Vectorised: draw N for every year, draw sum(N) severities in one call, and add
them up per year with np.bincount over the year index (np.repeat(years, N)).
"""
import math
import sys

import numpy as np

from peerstats import emit, stats

YEARS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
LAM, MEDIAN, SIGMA = 0.8, 150_000.0, 2.0

rng = np.random.default_rng(42)
n = rng.poisson(LAM, YEARS)
x = rng.lognormal(math.log(MEDIAN), SIGMA, int(n.sum()))
year = np.repeat(np.arange(YEARS), n)
annual = np.bincount(year, weights=x, minlength=YEARS)

out = {"peer": "numpy", "workload": "W1", "model": "compound sum"}
out.update(stats(annual))
emit(out)
