"""W3 (peers.md) by hand in numpy, chunked over years: 10,000 firms x 10,000 years, a common shock.

    python3 benches/peers/w3_numpy.py POLICIES.csv [YEARS] [SEED]

POLICIES.csv is the explicit-parameter file our engine reads (data/generate_portfolio.py w3), so
both simulate the same book. Annual loss per year = sum over firms of a Poisson(lambda_i) compound
lognormal(median_i, 1.8) plus, in shock years (p = 0.02), each firm hit with p = 0.3 for a
lognormal(ln 500,000, 1.0) loss. Prints mean, VaR 0.995, TVaR 0.995 and the closed-form mean.
"""
import json
import sys

import numpy as np

path = sys.argv[1]
years = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
rng = np.random.default_rng(int(sys.argv[3]) if len(sys.argv) > 3 else 42)
data = np.genfromtxt(path, delimiter=",", skip_header=1, usecols=(1, 2, 3))
lam, median, sigma = data[:, 0], data[:, 1], data[:, 2]
mu = np.log(median)
n = len(lam)

annual = np.zeros(years)
chunk = max(1, 2_000_000 // n)  # years per chunk: bounded memory
for start in range(0, years, chunk):
    y = min(chunk, years - start)
    counts = rng.poisson(lam, size=(y, n))          # events per (year, firm)
    total = counts.sum()
    firm = np.repeat(np.tile(np.arange(n), y), counts.ravel())
    year = np.repeat(np.repeat(np.arange(y), n), counts.ravel())
    x = np.exp(mu[firm] + sigma[firm] * rng.standard_normal(total))
    annual[start:start + y] += np.bincount(year, weights=x, minlength=y)

shock_years = np.nonzero(rng.random(years) < 0.02)[0]
for yr in shock_years:
    hits = rng.random(n) < 0.3
    annual[yr] += np.exp(np.log(5e5) + rng.standard_normal(hits.sum())).sum()

s = np.sort(annual)
k = int(np.ceil(years * 0.995)) - 1
var = s[k]
tvar = var + np.maximum(annual - var, 0).mean() / 0.005
closed = float((lam * np.exp(mu + sigma**2 / 2)).sum() + 0.02 * 0.3 * n * 5e5 * np.exp(0.5))
print(json.dumps({"mean": annual.mean(), "var_995": var, "tvar_995": tvar, "closed_form_mean": closed}))
