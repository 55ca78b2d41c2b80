"""Prices a firm and plots its loss-exceedance curve.

    python risk-py/examples/price_a_firm.py [PROFILE.json] [--trials N] [--seed S] [--out DIR]

Scores the firm (default: data/profiles/manufacturer-ot-iso27001.json), prints its score, grade,
premium and underwriting decision and what each certificate and control is worth, compares quote
options priced on the same simulated years (its own limit, twice it, and twice it with a 12-hour
waiting period), and draws the probability that a year's loss exceeds x, gross and insured (from
the assessment's VaR points: P(L > VaR_q) = 1 − q), to DIR/exceedance.png.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402

import risk_engine  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("profile", nargs="?", default=ROOT / "data/profiles/manufacturer-ot-iso27001.json")
    ap.add_argument("--trials", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=None, help="directory of the chart (default: a new temp dir)")
    args = ap.parse_args()

    a = risk_engine.score(args.profile, trials=args.trials, seed=args.seed)
    cur = a["currency"]
    print(f"{a['firm']['name']}: score {a['score']['value']:.0f} ({a['score']['grade']}), "
          f"relative risk {a['score']['relative_risk']:.2f}")
    print(f"expected gross loss {a['loss']['mean']:,.0f} {cur}, "
          f"insured {a['insured_loss']['mean']:,.0f} {cur}")
    print(f"technical premium {a['premium']['technical']:,.0f} {cur} "
          f"(± {a['premium']['technical_std_error']:,.0f})")

    print(f"charged premium {a['premium']['charged']:,.0f} {cur}; decision "
          f"{a['decision']['status']} {[r['code'] for r in a['decision']['reasons']]}")

    # Two options on the same simulated years: the difference is the terms', not the sample's.
    limit = a["terms"]["occurrence_limit"]
    options = [
        {"occurrence_limit": limit, "aggregate_limit": limit},
        {"occurrence_limit": 2 * limit, "aggregate_limit": 2 * limit},
        {"occurrence_limit": 2 * limit, "aggregate_limit": 2 * limit, "waiting_period_hours": 12},
    ]
    q = risk_engine.quote(args.profile, options, trials=args.trials, seed=args.seed)
    for o in q["options"]:
        t = o["terms"]
        print(f"  limit {t['occurrence_limit']:>16,.0f}  waiting {t['waiting_period_hours']:>4.0f} h  "
              f"technical {o['premium']['technical']:>14,.0f}  charged {o['premium']['charged']:>14,.0f} {cur}")
    for f in q["increased_limit_factors"]:
        if f["option"] != f["basis_option"]:
            print(f"  option {f['option']} / option {f['basis_option']}: x{f['factor']:.3f}")

    i = risk_engine.impact(args.profile, trials=args.trials, seed=args.seed)
    for item in i["items"][:5]:
        print(f"  {item['change']:<32} {item['delta']:>+14,.0f} {cur}")

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for side, label in (("loss", "gross"), ("insured_loss", "insured")):
        pts = sorted((v["value"], 1.0 - v["level"]) for v in a[side]["var"] if v["value"] > 0)
        if pts:
            xs, ps = zip(*pts)
            ax.plot(xs, ps, marker="o", label=f"{label} (mean {a[side]['mean']:,.0f})")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(f"annual loss ({cur})")
    ax.set_ylabel("probability of exceeding")
    ax.set_title(f"{a['firm']['name']}: loss exceedance ({a['trials']:,} years, seed {a['seed']})")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="risk-engine-"))
    os.makedirs(out, exist_ok=True)
    png = out / "exceedance.png"
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    print(f"chart: {png}")


if __name__ == "__main__":
    main()
