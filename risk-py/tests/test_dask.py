"""A portfolio run as shards on a Dask cluster of two worker processes adds up, bit for bit, to
the single-process run."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import risk_engine

distributed = pytest.importorskip("dask.distributed")


def test_table_pickles(data):
    r = risk_engine.portfolio(data / "portfolio-sample.csv", trials=50, seed=1, shard=(0, 4))
    back = pickle.loads(pickle.dumps(r["table"]))
    assert back == r["table"] and back.policies == r["table"].policies
    np.testing.assert_array_equal(back.losses(), r["ylt"])


def run_shard(book: str, i: int, n: int) -> dict:
    return risk_engine.portfolio(book, trials=2000, seed=11, shard=(i, n), threads=1)


def test_shards_on_a_dask_cluster(data):
    book = str(data / "portfolio-sample.csv")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        futures = [client.submit(run_shard, book, i, 3, pure=False) for i in range(3)]
        shards = client.gather(futures)
    merged = risk_engine.merge(shards)
    whole = risk_engine.portfolio(book, trials=2000, seed=11)
    assert merged["ylt"].tobytes() == whole["ylt"].tobytes()
    assert merged["table"] == whole["table"]
    for key in ("mean", "var", "tvar", "exceedance_curve", "shocks"):
        assert merged[key] == whole[key]
