"""W1 as closely as pycrq 1.1.0 can express it.

NOTE: pycrq's FAIRSimulator computes ALE = LEF x LM: the year's event count
times ONE loss-magnitude draw (N x X), not a sum of N independent losses.
Here LEF ~ Poisson(0.8) (direct .lef(), which emits a warning) and
LM ~ lognormal(meanlog = ln 150,000, sdlog = 2).

Pitfalls: pycrq.lognormal() takes LOG-space (meanlog, sdlog) although the
class docstring says "parameterised by the real-space mean and std";
result.var() is np.percentile (linear interpolation, not the lower quantile)
and result.cvar() is mean(L >= VaR) -- both differ from contract §3, so the
statistics below are recomputed from the sample; pycrq's own are in "library".
"""
import math
import sys
import warnings

import pycrq

from peerstats import emit, stats

TRIALS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000

scenario = (
    pycrq.ScenarioBuilder("W1")
    .asset("firm", "Information")
    .threat("attacker", "External Adversarial")
    .lef(pycrq.poisson(0.8))
    .primary_loss(pycrq.lognormal(math.log(150_000.0), 2.0))
    .build()
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # "direct LEF distribution supplied"
    result = pycrq.FAIRSimulator(n_simulations=TRIALS, seed=42).simulate(scenario)

out = {"peer": "pycrq", "workload": "W1", "model": "LEF x one LM draw (N*X)"}
out.update(stats(result.annual_loss_exposure))
out["library"] = {"mean_ale": result.mean_ale, "var_0.99": result.var(0.99),
                  "cvar_0.99": result.cvar(0.99)}
emit(out)
