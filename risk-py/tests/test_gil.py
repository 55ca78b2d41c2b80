"""Simulations release the GIL: Python code keeps running in another thread meanwhile."""

from __future__ import annotations

import threading
import time

import risk_engine


def spin(seconds: float) -> int:
    ticks, end = 0, time.perf_counter() + seconds
    while time.perf_counter() < end:
        ticks += 1
    return ticks


def test_simulate_releases_the_gil(data):
    spec = data / "example-spec.json"
    rate = spin(0.05) / 0.05  # loop turns per second with the GIL to itself
    started, done = threading.Event(), threading.Event()
    took = {}

    def work():
        started.set()
        t0 = time.perf_counter()
        risk_engine.simulate(spec, trials=1_000_000, seed=1, threads=1)
        took["s"] = time.perf_counter() - t0
        done.set()

    t = threading.Thread(target=work)
    t.start()
    started.wait()
    ticks = 0
    while not done.is_set():
        ticks += 1
        time.perf_counter()  # the same work per turn as in spin()
    t.join()
    # Holding the GIL would leave this thread about one switch interval (5 ms) of the call: a
    # few per cent of the turns it could make. Released, it runs for most of the call.
    assert ticks > 0.2 * rate * took["s"], (ticks, rate, took)
