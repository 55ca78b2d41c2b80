"""W1 as closely as pyfair 0.1a13 can express it.

NOTE: pyfair models the annual loss as Risk = LEF x LM, i.e. the year's event
count (or rate) times ONE loss-magnitude draw -- not a sum of N independent
losses. So this is N x X, not sum_{i<=N} X_i: same mean, much fatter tail.

pyfair's own distributions are only normal / (classic) BetaPERT / constant, so
there is no Poisson or lognormal: both columns are supplied as raw arrays with
FairModel.input_raw_data. Pitfalls found in its source:
  * input_raw_data checks `type(array) in [list, np.array, pd.Series]`;
    np.array is a function, so a numpy ndarray is REJECTED -- wrap it in a
    pd.Series (or pass a list).
  * raw inputs are also stored as Python lists (tolist()) for to_json: memory.
  * FairModel.__init__ calls np.random.seed(random_seed) on numpy's GLOBAL RNG.
"""
import math
import sys

import numpy as np
import pandas as pd
import pyfair

from peerstats import emit, stats

TRIALS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000

model = pyfair.FairModel(name="W1", n_simulations=TRIALS, random_seed=42)
rng = np.random.default_rng(42)
lef = pd.Series(rng.poisson(0.8, TRIALS).astype(float))          # N per year
lm = pd.Series(rng.lognormal(math.log(150_000.0), 2.0, TRIALS))    # ONE loss per year
model.input_raw_data("Loss Event Frequency", lef)
model.input_raw_data("Loss Magnitude", lm)
model.calculate_all()
risk = model.export_results()["Risk"].to_numpy()

out = {"peer": "pyfair", "workload": "W1", "model": "LEF x one LM draw (N*X)"}
out.update(stats(risk))
emit(out)
