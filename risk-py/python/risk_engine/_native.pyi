"""Native half of risk_engine (PyO3). Use the functions of ``risk_engine`` instead."""

from typing import Optional, Tuple

import numpy as np
import numpy.typing as npt

MODEL_VERSION: str

class RiskError(ValueError):
    """Bad input: the message names the field (or the row and column)."""

class LossTable:
    """Exact year-loss table of a portfolio run or shard; picklable."""

    @property
    def trials(self) -> int: ...
    @property
    def seed(self) -> int: ...
    @property
    def policies(self) -> Tuple[int, int]: ...
    @property
    def shock_names(self) -> list[str]: ...
    def losses(self) -> npt.NDArray[np.float64]: ...
    def occurrence_losses(self) -> npt.NDArray[np.float64]: ...
    def __len__(self) -> int: ...
    @staticmethod
    def _from_bytes(b: bytes) -> "LossTable": ...

def simulate(
    spec_json: str,
    method: str = ...,
    trials: Optional[int] = ...,
    seed: Optional[int] = ...,
    threads: Optional[int] = ...,
) -> str: ...
def score(
    profile_json: str,
    trials: int = ...,
    seed: int = ...,
    model: Optional[str] = ...,
    threads: Optional[int] = ...,
) -> str: ...
def impact(
    profile_json: str,
    trials: int = ...,
    seed: int = ...,
    model: Optional[str] = ...,
    threads: Optional[int] = ...,
) -> str: ...
def quote(
    profile_json: str,
    options_json: Optional[str] = ...,
    trials: int = ...,
    seed: int = ...,
    model: Optional[str] = ...,
    threads: Optional[int] = ...,
) -> str: ...
def questionnaire(
    name: str,
    answers_json: Optional[str] = ...,
    model: Optional[str] = ...,
) -> str: ...
def portfolio(
    path: Optional[str] = ...,
    csv: Optional[bytes] = ...,
    trials: int = ...,
    seed: int = ...,
    shard: Optional[Tuple[int, int]] = ...,
    shocks_json: Optional[str] = ...,
    model: Optional[str] = ...,
    threads: Optional[int] = ...,
) -> Tuple[str, npt.NDArray[np.float64], LossTable]: ...
def merge(tables: list[LossTable]) -> Tuple[str, npt.NDArray[np.float64], LossTable]: ...
def read_table(path: str) -> LossTable: ...
