"""Independent check of `risk portfolio --ord DIR`: reads the ORD tables back with pandas and
recomputes the EP curves from the period and event tables.

    python3 benches/peers/ord_check.py DIR

- AEP: per period the sum (`plt.Loss`; periods without a row lost nothing);
- OEP: per period the largest event (`elt.Loss`, max over the period's rows);
- the loss at return period RP is the (n/RP)-th largest period (ktools' `ordleccalc`), linear in
  the return period between neighbouring ranks when n/RP is not whole; its TVaR is the mean of
  the floor(n/RP) largest periods; n = summary-info Trials.

Checks the EPT (ORD v1 codes: EPType 1 OEP, 2 OEP TVaR, 3 AEP, 4 AEP TVaR) against these within
1e-9 relative, OEP <= AEP at every return period and in every period, and that the CSV and
Parquet versions hold the same rows. Prints a JSON summary; exits 1 on a mismatch.
"""
import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd


def curve(per_period: np.ndarray, periods: list[float]) -> dict[float, tuple[float, float]]:
    s = np.sort(per_period)[::-1]
    n = len(s)
    out = {}
    for rp in periods:
        r = n / rp
        if r < 1:
            continue
        lo, hi = math.floor(r), math.ceil(r)
        if lo == hi:
            loss = s[lo - 1]
        else:
            rp_lo, rp_hi = n / hi, n / lo
            loss = s[hi - 1] + (rp - rp_lo) / (rp_hi - rp_lo) * (s[lo - 1] - s[hi - 1])
        out[rp] = (float(loss), float(s[:lo].mean()))
    return out


def main(d: Path) -> int:
    tables = {}
    for name in ["ept", "alt", "plt", "elt", "summary-info"]:
        csv = pd.read_csv(d / f"{name}.csv")
        pq = pd.read_parquet(d / f"{name}.parquet")
        pd.testing.assert_frame_equal(csv, pq, check_dtype=False, rtol=1e-12)
        tables[name] = csv
    ept, plt, elt, info = tables["ept"], tables["plt"], tables["elt"], tables["summary-info"]
    assert list(ept.columns) == ["SummaryId", "EPCalc", "EPType", "ReturnPeriod", "Loss"], ept.columns
    assert list(tables["alt"].columns)[:4] == ["SummaryId", "SampleType", "MeanLoss", "SDLoss"]
    n = int(info["Trials"][0])
    agg = np.zeros(n)
    agg[plt["Period"].to_numpy() - 1] = plt["Loss"].to_numpy()
    occ = np.zeros(n)
    np.maximum.at(occ, elt["Period"].to_numpy() - 1, elt["Loss"].to_numpy())
    bad = []
    if np.any(occ > agg * (1 + 1e-12)):
        bad.append("a period's largest event exceeds its sum")
    periods = sorted(ept["ReturnPeriod"].unique())
    want = {1: curve(occ, periods), 3: curve(agg, periods)}
    for row in ept.itertuples():
        base = 1 if row.EPType in (1, 2) else 3
        loss, tvar = want[base][row.ReturnPeriod]
        w = tvar if row.EPType in (2, 4) else loss
        if not math.isclose(row.Loss, w, rel_tol=1e-9, abs_tol=1e-6):
            bad.append(f"EPType {row.EPType} RP {row.ReturnPeriod}: {row.Loss} vs {w}")
    by = {(r.EPType, r.ReturnPeriod): r.Loss for r in ept.itertuples()}
    for rp in periods:
        if by[(1, rp)] > by[(3, rp)] * (1 + 1e-12) or by[(2, rp)] > by[(4, rp)] * (1 + 1e-12):
            bad.append(f"OEP above AEP at RP {rp}")
    mean = float(tables["alt"]["MeanLoss"][0])
    if not math.isclose(mean, agg.mean(), rel_tol=1e-9):
        bad.append(f"ALT mean {mean} vs {agg.mean()}")
    print(json.dumps({"periods": n, "rows": len(ept), "mismatches": bad,
                      "oep_200": by.get((1, 200.0)), "aep_200": by.get((3, 200.0))}))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
