#!/usr/bin/env python3
"""Generates sample portfolios (contract §7) with the standard library only.

  python3 data/generate_portfolio.py firms N SEED > portfolio.csv      # firm attributes
  python3 data/generate_portfolio.py w3 N SEED > w3.csv                # explicit parameters (W3)

Firm form: industries, revenues (lognormal around ¥3bn), certification mixes and CSF maturity are
drawn from assumed market shares [A]; coverage is 1% of revenue deductible... 5% limit, capped.
W3 form (benches/peers W3): frequency_mean ~ U(0.05, 0.5), severity_median ~ lognormal(ln 1e5, 1),
severity_sigma 1.8; no terms.
"""
import math
import random
import sys

INDUSTRIES = [("manufacturing", 0.22), ("retail", 0.14), ("information_technology", 0.12),
              ("professional_services", 0.12), ("finance", 0.06), ("healthcare", 0.08),
              ("chemicals", 0.04), ("energy", 0.02), ("utilities", 0.02), ("public", 0.04),
              ("education", 0.04), ("other", 0.10)]
CLOUDS = ["aws", "azure", "gcp"]
CERTS = [("iso27001:active", 0.25), ("security_action_1:active", 0.20), ("security_action_2:active", 0.10),
         ("supply_chain_3:active", 0.05), ("supply_chain_4:active", 0.03), ("soc2_type2:active", 0.05),
         ("iso27001:lapsed", 0.03), ("pci_dss:active", 0.04)]
FUNCTIONS = ["govern", "identify", "protect", "detect", "respond", "recover"]


def pick(rng, weighted):
    u, acc = rng.random(), 0.0
    for item, w in weighted:
        acc += w
        if u < acc:
            return item
    return weighted[-1][0]


def firms(n, rng):
    print("policy_id,industry,annual_revenue,currency,certifications," + ",".join(FUNCTIONS)
          + ",deductible,occurrence_limit,aggregate_limit,cloud_providers")
    for i in range(n):
        revenue = round(math.exp(rng.gauss(math.log(3e9), 1.3)), -3)
        certs = sorted({c for c, p in CERTS if rng.random() < p})
        # A lapsed and an active ISO 27001 cannot both be held.
        if "iso27001:active" in certs and "iso27001:lapsed" in certs:
            certs.remove("iso27001:lapsed")
        answered = rng.random() < 0.7
        level = rng.choice([1, 2, 2, 3, 3, 4])
        maturity = [str(min(5, max(0, level + rng.choice([-1, 0, 0, 1])))) if answered else "" for _ in FUNCTIONS]
        limit = round(min(revenue * 0.05, 1.5e9), -3)
        clouds = ";".join(c for c in CLOUDS if rng.random() < 0.35)
        print(f"F{i:06d},{pick(rng, INDUSTRIES)},{revenue:.0f},JPY,{';'.join(certs)},{','.join(maturity)},"
              f"{round(revenue * 0.002, -3):.0f},{limit:.0f},{limit:.0f},{clouds}")


def w3(n, rng):
    print("policy_id,frequency_mean,severity_median,severity_sigma")
    for i in range(n):
        lam = rng.uniform(0.05, 0.5)
        median = math.exp(rng.gauss(math.log(1e5), 1.0))
        print(f"W{i:06d},{lam!r},{median!r},1.8")


if __name__ == "__main__":
    kind, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    {"firms": firms, "w3": w3}[kind](n, random.Random(seed))
