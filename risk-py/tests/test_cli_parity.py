"""The package answers with the `risk` command line's numbers for the same inputs and seed."""

from __future__ import annotations

import json

import numpy as np
import pytest

import risk_engine


def check(py: dict, cli: dict) -> None:
    """Equal as JSON values: same keys, same numbers bit for bit."""
    assert py == cli


@pytest.mark.parametrize("seed", [0, 7])
def test_simulate_monte_carlo(risk_cli, data, seed):
    spec = data / "example-spec.json"
    cli = risk_cli("simulate", spec, "--trials", 20000, "--seed", seed)
    check(risk_engine.simulate(spec, trials=20000, seed=seed), cli)
    # The same spec as a dict and as JSON text, on two threads: the same report.
    as_dict = json.loads(spec.read_text())
    check(risk_engine.simulate(as_dict, trials=20000, seed=seed, threads=2), cli)
    check(risk_engine.simulate(json.dumps(as_dict), trials=20000, seed=seed, threads=1), cli)


def test_simulate_exact(risk_cli, data):
    spec = data / "example-spec.json"
    cli = risk_cli("simulate", spec, "--method", "exact")
    check(risk_engine.simulate(str(spec), method="exact"), cli)


@pytest.mark.parametrize(
    "profile", ["manufacturer-ot-iso27001.json", "retailer-pci.json"]
)
def test_score(risk_cli, data, profile):
    path = data / "profiles" / profile
    cli = risk_cli("score", path, "--trials", 5000, "--seed", 3)
    py = risk_engine.score(path, trials=5000, seed=3)
    check(py, cli)  # the id too: it hashes the same profile text
    from_dict = risk_engine.score(json.loads(path.read_text()), trials=5000, seed=3)
    from_dict.pop("id"), cli.pop("id")
    check(from_dict, cli)


@pytest.mark.parametrize(
    "profile", ["manufacturer-ot-iso27001.json", "sme-retail-security-action-1.json"]
)
def test_impact(risk_cli, data, profile):
    path = data / "profiles" / profile
    cli = risk_cli("impact", path, "--trials", 3000, "--seed", 5)
    check(risk_engine.impact(path, trials=3000, seed=5), cli)


def test_quote(risk_cli, data, tmp_path):
    path = data / "profiles" / "manufacturer-ot-iso27001.json"
    options = [
        {"occurrence_limit": 100_000_000, "aggregate_limit": 100_000_000},
        {"occurrence_limit": 300_000_000, "aggregate_limit": 300_000_000,
         "waiting_period_hours": 12, "sublimits": {"social_engineering": 25_000_000}},
    ]
    opts = tmp_path / "options.json"
    opts.write_text(json.dumps(options))
    cli = risk_cli("quote", path, "--options", opts, "--trials", 3000, "--seed", 5)
    py = risk_engine.quote(path, options, trials=3000, seed=5)
    check(py, cli)
    assert [o["terms"]["waiting_period_hours"] for o in py["options"]] == [8.0, 12.0]
    with pytest.raises(risk_engine.RiskError, match=r"options\[0\]\.coinsurance\.pci"):
        risk_engine.quote(path, [{"coinsurance": {"pci": 2}}], trials=100)


def test_questionnaire(risk_cli, data, tmp_path):
    q = risk_engine.questionnaire("security_action_self_check")
    assert q == risk_cli("questionnaire", "security_action_self_check")
    first = q["items"][0]
    answers = {"firm": {"name": "Small KK", "industry": "retail", "country": "JP",
                        "annual_revenue": 300000000, "currency": "JPY"},
               "answers": {first["id"]: first["choices"][0]["value"]}}
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers))
    cli = risk_cli("questionnaire", "security_action_self_check", path)
    py = risk_engine.questionnaire("security_action_self_check", answers)
    check(py, cli)
    with pytest.raises(risk_engine.RiskError, match=r"answers\.nope"):
        risk_engine.questionnaire("security_action_self_check",
                                  {"firm": answers["firm"], "answers": {"nope": 1}})


def test_model_version(data, risk_cli):
    path = data / "profiles" / "retailer-pci.json"
    by_version = risk_engine.score(path, trials=2000, model=risk_engine.MODEL_VERSION)
    assert by_version == risk_engine.score(path, trials=2000)


def test_portfolio(risk_cli, data, tmp_path):
    book = data / "portfolio-sample.csv"
    out = tmp_path / "ylt.parquet"
    cli = risk_cli("portfolio", book, "--trials", 500, "--seed", 2, "--out", out)
    py = risk_engine.portfolio(book, trials=500, seed=2)
    ylt, table = py.pop("ylt"), py.pop("table")
    check(py, cli)
    assert isinstance(ylt, np.ndarray) and ylt.dtype == np.float64 and ylt.shape == (500,)
    assert ylt.mean() == pytest.approx(cli["mean"], rel=1e-12)
    # The CLI's Parquet table holds the same exact table.
    assert risk_engine.read_table(out) == table
    np.testing.assert_array_equal(risk_engine.read_table(out).losses(), ylt)


def test_portfolio_shard_and_shocks(risk_cli, data):
    book = data / "portfolio-sample.csv"
    shocks = data / "shocks-w3.json"
    cli = risk_cli(
        "portfolio", book, "--trials", 300, "--seed", 4, "--shard", "1/3", "--shocks", shocks
    )
    py = risk_engine.portfolio(
        book, trials=300, seed=4, shard=(1, 3), shocks=json.loads(shocks.read_text())
    )
    py.pop("ylt"), py.pop("table")
    check(py, cli)


def test_portfolio_from_frame(data):
    pd = pytest.importorskip("pandas")
    book = data / "portfolio-sample.csv"
    frame = pd.read_csv(book, dtype=str, keep_default_na=False)
    from_file = risk_engine.portfolio(book, trials=300, seed=1)
    from_frame = risk_engine.portfolio(frame, trials=300, seed=1)
    np.testing.assert_array_equal(from_frame.pop("ylt"), from_file.pop("ylt"))
    assert from_frame.pop("table") == from_file.pop("table")
    assert from_frame == from_file


def test_merge_matches_cli_merge(risk_cli, data, tmp_path):
    book = data / "portfolio-sample.csv"
    whole = risk_engine.portfolio(book, trials=400, seed=9)
    outs = []
    for i in range(2):
        out = tmp_path / f"s{i}.parquet"
        risk_cli("portfolio", book, "--trials", 400, "--seed", 9, "--shard", f"{i}/2", "--out", out)
        outs.append(out)
    cli = risk_cli("portfolio-merge", *outs)
    shards = [risk_engine.portfolio(book, trials=400, seed=9, shard=f"{i}/2") for i in range(2)]
    merged = risk_engine.merge(shards)
    assert merged["ylt"].tobytes() == whole["ylt"].tobytes()
    assert merged["table"] == whole["table"]
    from_files = risk_engine.merge(outs)
    assert from_files["table"] == whole["table"]
    for m in (merged, from_files):
        m.pop("ylt"), m.pop("table")
        check(m, cli)
