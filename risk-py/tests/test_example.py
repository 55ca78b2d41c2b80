"""The example script runs and draws its chart."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "price_a_firm.py"


def test_price_a_firm(tmp_path):
    import matplotlib  # noqa: F401  (installed by .ci/run; a missing one fails, never skips)
    env = dict(os.environ, MPLBACKEND="Agg")
    p = subprocess.run(
        [sys.executable, str(EXAMPLE), "--trials", "5000", "--out", str(tmp_path)],
        capture_output=True, text=True, env=env,
    )
    assert p.returncode == 0, p.stderr
    png = tmp_path / "exceedance.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "technical premium" in p.stdout
    assert "charged premium" in p.stdout and "decision" in p.stdout
    assert "option 1 / option 0" in p.stdout, p.stdout
