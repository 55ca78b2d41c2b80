"""W2 (FAIR) with pyfair 0.1a13: TEF ~ PERT(0.1, 0.5, 2.0), V ~ PERT(0.2, 0.4, 0.7),
LM ~ PERT(10,000, 100,000, 5,000,000), 1,000,000 trials, seed 42.

NOTE: pyfair computes Risk = TEF x V x LM, i.e. the loss-event RATE times ONE
loss-magnitude draw -- a product, not the compound sum of N ~ Poisson(TEF x V)
losses that our engine (and w2_numpy.py) compute. Same mean, different tail.

Pitfall: pyfair's BetaPERT is not the modified PERT of contract §2. It takes
mean = (low + 4 mode + high)/6 and stdev = (high - low)/6 and moment-matches a
Beta; for the skewed LM here that gives alpha ~ 0.77 < 1 (density peaks at the
minimum, not at the mode 100,000). Draws come from numpy's GLOBAL RNG, which
FairModel() re-seeds (np.random.seed(42)) -- two models built in one process
get identical streams.
"""
import sys

import pyfair

from peerstats import emit, stats

TRIALS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000

model = pyfair.FairModel(name="W2", n_simulations=TRIALS, random_seed=42)
model.input_data("Threat Event Frequency", low=0.1, mode=0.5, high=2.0)
model.input_data("Vulnerability", low=0.2, mode=0.4, high=0.7)
model.input_data("Loss Magnitude", low=10_000, mode=100_000, high=5_000_000)
model.calculate_all()
risk = model.export_results()["Risk"].to_numpy()

out = {"peer": "pyfair", "workload": "W2", "model": "product TEF*V*LM (pyfair BetaPERT)"}
out.update(stats(risk))
emit(out)
