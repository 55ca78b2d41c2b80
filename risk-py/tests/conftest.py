"""Shared fixtures: the repository's data files and the `risk` binary to compare against."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"


def _risk_binary() -> Path:
    """$RISK_BIN, else target/debug/risk under $CARGO_TARGET_DIR or the repository, else built
    with `cargo build -p risk-api --bin risk`."""
    if os.environ.get("RISK_BIN"):
        return Path(os.environ["RISK_BIN"])
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    binary = target / "debug" / "risk"
    if not binary.exists():
        cargo = shutil.which("cargo")
        if cargo is None:
            pytest.fail("no `risk` binary: set RISK_BIN or install cargo")
        subprocess.run(
            [cargo, "build", "-p", "risk-api", "--bin", "risk"], cwd=ROOT, check=True
        )
    return binary


@pytest.fixture(scope="session")
def risk_cli():
    """Runs `risk ARGS…` and returns its stdout parsed as JSON (fails on a non-zero exit)."""
    binary = _risk_binary()

    def run(*args: str) -> dict:
        p = subprocess.run(
            [str(binary), *map(str, args)], cwd=ROOT, capture_output=True, text=True
        )
        assert p.returncode == 0, f"risk {' '.join(map(str, args))}: {p.stderr}"
        return json.loads(p.stdout)

    run.binary = binary
    return run


@pytest.fixture(scope="session")
def data() -> Path:
    return DATA
