"""Python overhead of `risk_engine.simulate` on W1 against the same work in-process in Rust.

    python benches/python_overhead.py [RUNS]

Times `risk_engine.simulate("benches/peers/specs/w1.json")` (1,000,000 years, seed 42: parse,
simulate, statistics, the report as JSON text, `json.loads`) RUNS times (default 10) and prints the
median and spread; compare with criterion's `python_baseline/w1_simulate_and_stats_1m`
(`cargo bench -p risk-core --bench engine -- python_baseline`), run in the same session. Also
checks that a portfolio's year-loss table reaches numpy without a copy (the array does not own
its data; its base is the Rust-owned buffer).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

import risk_engine

ROOT = Path(__file__).resolve().parents[1]
W1 = ROOT / "benches" / "peers" / "specs" / "w1.json"


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    risk_engine.simulate(str(W1))  # warm-up: pool threads, page cache
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        report = risk_engine.simulate(str(W1))
        times.append(time.perf_counter() - t0)
    assert report["trials"] == 1_000_000
    med = statistics.median(times)
    print(f"risk_engine.simulate W1 1e6: median {med * 1e3:.1f} ms "
          f"(min {min(times) * 1e3:.1f}, max {max(times) * 1e3:.1f}, {runs} runs)")

    run = risk_engine.portfolio(ROOT / "data" / "portfolio-sample.csv", trials=2000, seed=1)
    ylt = run["ylt"]
    assert isinstance(ylt, np.ndarray) and ylt.dtype == np.float64
    print(f"portfolio ylt: {ylt.shape[0]} years, owns its data: {ylt.flags['OWNDATA']}, "
          f"base: {type(ylt.base).__name__}")


if __name__ == "__main__":
    main()
