"""Type stubs of risk_engine (the package's public API; see __init__.py for the docs)."""

import os
from typing import Any, Iterable, Mapping, Sequence, Tuple, TypedDict, Union

import numpy as np
import numpy.typing as npt

from ._native import LossTable as LossTable, RiskError as RiskError

MODEL_VERSION: str

_Path = Union[str, os.PathLike[str]]
_Json = Union[Mapping[str, Any], str, os.PathLike[str]]
_Model = Union[str, os.PathLike[str], None]

class LevelValue(TypedDict):
    level: float
    value: float
    std_error: float | None

class PortfolioResult(TypedDict, total=False):
    """PortfolioReport (CONTRACT.md §7) plus the year-loss table."""

    policies: int
    trials: int
    seed: int
    shard: str
    mean: float
    mean_std_error: float | None
    closed_form_gross_mean: float
    var: list[LevelValue]
    tvar: list[LevelValue]
    exceedance_curve: list[dict[str, float]]
    aep: list[dict[str, float]]
    oep: list[dict[str, float]]
    shocks: list[dict[str, Any]]
    allocation_level: float
    allocated_total: float
    top_contributors: list[dict[str, Any]]
    ylt: npt.NDArray[np.float64]
    table: LossTable

def simulate(
    spec: _Json,
    method: str = "monte_carlo",
    trials: int | None = None,
    seed: int | None = None,
    threads: int | None = None,
) -> dict[str, Any]:
    """LossReport (CONTRACT.md §3) of a loss-model spec, as `risk simulate`."""

def score(
    profile: _Json,
    trials: int = 100_000,
    seed: int = 0,
    model: _Model = None,
    threads: int | None = None,
) -> dict[str, Any]:
    """Assessment (CONTRACT.md §5) of a firm profile, as `risk score`."""

def impact(
    profile: _Json,
    trials: int = 100_000,
    seed: int = 0,
    model: _Model = None,
    threads: int | None = None,
) -> dict[str, Any]:
    """Impact (CONTRACT.md §6) of a firm profile, as `risk impact`."""

def quote(
    profile: _Json,
    options: Union[list[dict[str, Any]], str, _Path, None] = None,
    trials: int = 100_000,
    seed: int = 0,
    model: _Model = None,
    threads: int | None = None,
) -> dict[str, Any]:
    """Quote (CONTRACT.md §10) of a firm profile and coverage options, as `risk quote`."""

def questionnaire(
    name: str,
    answers: Union[_Json, None] = None,
    model: _Model = None,
) -> dict[str, Any]:
    """Questionnaire (CONTRACT.md §12), or the profile its answers give, as `risk questionnaire`."""

def portfolio(
    policies: Union[_Path, Any],
    trials: int = 10_000,
    seed: int = 0,
    shard: Union[str, Tuple[int, int], None] = None,
    shocks: Union[Sequence[Mapping[str, Any]], str, os.PathLike[str], None] = None,
    model: _Model = None,
    threads: int | None = None,
) -> PortfolioResult:
    """PortfolioReport of a policy file or data frame, as `risk portfolio`, with `ylt` and `table`."""

def merge(shards: Iterable[Union[Mapping[str, Any], LossTable, _Path]]) -> PortfolioResult:
    """The exact sum of a run's shards, as `risk portfolio-merge`, with `ylt` and `table`."""

def read_table(path: _Path) -> LossTable:
    """A year-loss table written by `risk portfolio --out` (Parquet)."""
