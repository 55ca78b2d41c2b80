"""Bad input raises RiskError (a ValueError) with the CLI's message, naming the field."""

from __future__ import annotations

import json
import subprocess

import pytest

import risk_engine
from risk_engine import RiskError


def cli_error(risk_cli, *args) -> str:
    p = subprocess.run([str(risk_cli.binary), *map(str, args)], capture_output=True, text=True)
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.startswith("error: ")
    return p.stderr[len("error: "):].strip()


def test_is_a_value_error():
    assert issubclass(RiskError, ValueError)


def test_spec_field_named_like_the_cli(risk_cli, data, tmp_path):
    spec = json.loads((data / "example-spec.json").read_text())
    spec["perils"][0]["severity"]["sigma"] = -1
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(spec))
    with pytest.raises(RiskError) as e:
        risk_engine.simulate(spec)
    assert "perils[0].severity.sigma" in str(e.value)
    assert str(e.value) == cli_error(risk_cli, "simulate", path)


def test_profile_field(risk_cli, data, tmp_path):
    profile = json.loads((data / "profiles" / "retailer-pci.json").read_text())
    profile["firm"]["annual_revenue"] = -5
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(profile))
    with pytest.raises(RiskError, match=r"firm\.annual_revenue") as e:
        risk_engine.score(profile, trials=1000)
    assert str(e.value) == cli_error(risk_cli, "score", path, "--trials", 1000)
    with pytest.raises(RiskError, match=r"firm\.annual_revenue"):
        risk_engine.impact(profile, trials=1000)


def test_trials_out_of_range():
    with pytest.raises(RiskError, match="^trials: "):
        risk_engine.score({"firm": {}}, trials=0)
    with pytest.raises(RiskError, match="^trials: "):
        risk_engine.simulate({"perils": []}, trials=-1)


def test_bad_row_named(risk_cli, data, tmp_path):
    lines = (data / "portfolio-sample.csv").read_text().splitlines()
    cols = lines[0].split(",")
    row = lines[3].split(",")
    row[cols.index("annual_revenue")] = "lots"
    lines[3] = ",".join(row)
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(RiskError, match="annual_revenue") as e:
        risk_engine.portfolio(path, trials=10)
    assert str(e.value) == cli_error(risk_cli, "portfolio", path, "--trials", 10)


def test_shard_and_shocks_errors(data):
    book = data / "portfolio-sample.csv"
    with pytest.raises(RiskError, match="^shard: "):
        risk_engine.portfolio(book, trials=10, shard=(3, 3))
    with pytest.raises(RiskError, match="^shard: "):
        risk_engine.portfolio(book, trials=10, shard="x")
    with pytest.raises(RiskError, match=r"hit_probability"):
        risk_engine.portfolio(
            book,
            trials=10,
            shocks=[{"name": "s", "annual_probability": 0.1, "hit_probability": 2,
                     "severity": {"distribution": "lognormal", "median": 1, "sigma": 1}}],
        )


def test_merge_of_different_runs(data):
    book = data / "portfolio-sample.csv"
    a = risk_engine.portfolio(book, trials=10, seed=1, shard=(0, 2))
    b = risk_engine.portfolio(book, trials=10, seed=2, shard=(1, 2))
    with pytest.raises(RiskError, match=r"^tables\[1\]: "):
        risk_engine.merge([a, b])
    with pytest.raises(RiskError, match="no table"):
        risk_engine.merge([])


def test_missing_file():
    with pytest.raises(RiskError, match="cannot read"):
        risk_engine.simulate("/nonexistent/spec.json")
    with pytest.raises(RiskError, match="cannot read"):
        risk_engine.portfolio("/nonexistent/book.csv")
