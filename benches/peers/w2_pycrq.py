"""W2 (FAIR) with pycrq 1.1.0: TEF ~ PERT(0.1, 0.5, 2.0), V ~ PERT(0.2, 0.4, 0.7),
LM ~ PERT(10,000, 100,000, 5,000,000), 1,000,000 trials, seed 42.

NOTE: pycrq computes ALE = LEF x LM with LEF = TEF x V: the loss-event RATE
times ONE loss-magnitude draw -- a product, not the compound sum of
N ~ Poisson(TEF x V) losses that our engine (and w2_numpy.py) compute.
pycrq's pert() is the modified PERT (Vose's alpha formula, equal to
1 + 4 (mode - min)/(max - min) for lambda = 4), i.e. the same marginals as ours.
result.var()/cvar() use np.percentile and mean(L >= VaR); the statistics below
are recomputed per contract §3, pycrq's own are in "library".
"""
import sys

import pycrq

from peerstats import emit, stats

TRIALS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000

scenario = (
    pycrq.ScenarioBuilder("W2")
    .asset("firm", "Information")
    .threat("attacker", "External Adversarial")
    .tef(pycrq.pert(0.1, 0.5, 2.0))
    .vulnerability(pycrq.pert(0.2, 0.4, 0.7))
    .primary_loss(pycrq.pert(10_000, 100_000, 5_000_000))
    .build()
)
result = pycrq.FAIRSimulator(n_simulations=TRIALS, seed=42).simulate(scenario)

out = {"peer": "pycrq", "workload": "W2", "model": "product TEF*V*LM"}
out.update(stats(result.annual_loss_exposure))
out["library"] = {"mean_ale": result.mean_ale, "var_0.99": result.var(0.99),
                  "cvar_0.99": result.cvar(0.99)}
emit(out)
