"""Certification-aware cyber-insurance risk engine, from Python.

The functions answer with the numbers of the ``risk`` command line for the same inputs and seed,
as dicts shaped like its JSON output (see the project's CONTRACT.md §3, §5–7):

- :func:`simulate` — loss distribution of a loss-model spec (``risk simulate``)
- :func:`score` — full assessment of a firm profile (``risk score``)
- :func:`impact` — premium impact of certificates and controls (``risk impact``)
- :func:`portfolio` — portfolio accumulation, whole or one shard (``risk portfolio``), with the
  year-loss table as a numpy array under ``"ylt"``
- :func:`merge` — adds the tables of a run's shards exactly (``risk portfolio-merge``)

Specs, profiles and shock lists may be dicts (lists), JSON text or file paths. Simulations run
with the GIL released. Bad input raises :class:`RiskError` (a ``ValueError``) whose message names
the field, e.g. ``perils[0].severity.sigma: must be a finite number > 0``.
"""

from __future__ import annotations

import json
import os
from typing import Any, Iterable, Mapping, Sequence, Tuple, Union

from . import _native
from ._native import LossTable, RiskError

__all__ = [
    "RiskError",
    "LossTable",
    "MODEL_VERSION",
    "simulate",
    "score",
    "quote",
    "questionnaire",
    "impact",
    "portfolio",
    "merge",
    "read_table",
]

#: Id of the built-in model (``name-version``), the default of ``model=``.
MODEL_VERSION: str = _native.MODEL_VERSION

PathLike = Union[str, "os.PathLike[str]"]
JsonInput = Union[Mapping[str, Any], str, "os.PathLike[str]"]


def _read(path: PathLike) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError as e:
        raise RiskError(f"{os.fspath(path)}: cannot read: {e.strerror or e}") from None


def _json_text(value: Any, what: str) -> str:
    """A dict or list → JSON text; JSON text as given; anything else is a path to read."""
    if isinstance(value, (Mapping, list, tuple)):
        try:
            return json.dumps(value, allow_nan=False)
        except (TypeError, ValueError) as e:
            raise RiskError(f"{what}: cannot be written as JSON: {e}") from None
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    if isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
        return value
    if isinstance(value, (str, os.PathLike)):
        return _read(value)
    raise RiskError(f"{what}: expected a dict, JSON text or a file path, not {type(value).__name__}")


def _model_text(model: Union[str, "os.PathLike[str]", None]) -> Union[str, None]:
    """None → built-in; the built-in version or id as is; a file path → its TOML text."""
    if model is None:
        return None
    if isinstance(model, os.PathLike) or (
        isinstance(model, str) and "\n" not in model and os.path.isfile(model)
    ):
        return _read(model)
    if isinstance(model, str):
        return model
    raise RiskError(f"model: expected a version, a file path or TOML text, not {type(model).__name__}")


def _check_count(value: Any, name: str, *, optional: bool = False) -> Any:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RiskError(f"{name}: must be a non-negative integer")
    return value


def simulate(
    spec: JsonInput,
    method: str = "monte_carlo",
    trials: Union[int, None] = None,
    seed: Union[int, None] = None,
    threads: Union[int, None] = None,
) -> dict:
    """Loss distribution of a loss-model spec: a LossReport dict, as ``risk simulate``.

    ``spec`` is a dict, JSON text or a path to a JSON file (CONTRACT.md §2). ``method`` is
    ``"monte_carlo"`` or ``"exact"``; ``trials`` and ``seed`` override the spec's values;
    ``threads`` sets the worker threads (default: all cores) and never changes the result.

    Raises :class:`RiskError` naming the field on bad input.
    """
    text = _json_text(spec, "spec")
    out = _native.simulate(
        text,
        method,
        _check_count(trials, "trials", optional=True),
        _check_count(seed, "seed", optional=True),
        _check_count(threads, "threads", optional=True),
    )
    return json.loads(out)


def score(
    profile: JsonInput,
    trials: int = 100_000,
    seed: int = 0,
    model: Union[str, "os.PathLike[str]", None] = None,
    threads: Union[int, None] = None,
) -> dict:
    """Full assessment of a firm profile (score, loss, premium): an Assessment dict, as ``risk score``.

    ``profile`` is a dict, JSON text or a path (CONTRACT.md §4). ``model`` is None (the built-in
    model), its version, or a model file (path). The ``id`` equals the CLI's when the profile is
    given as the same file (it hashes the profile text).
    """
    out = _native.score(
        _json_text(profile, "profile"),
        _check_count(trials, "trials"),
        _check_count(seed, "seed"),
        _model_text(model),
        _check_count(threads, "threads", optional=True),
    )
    return json.loads(out)


def impact(
    profile: JsonInput,
    trials: int = 100_000,
    seed: int = 0,
    model: Union[str, "os.PathLike[str]", None] = None,
    threads: Union[int, None] = None,
) -> dict:
    """Premium impact of certifications, maturity and controls: an Impact dict, as ``risk impact``."""
    out = _native.impact(
        _json_text(profile, "profile"),
        _check_count(trials, "trials"),
        _check_count(seed, "seed"),
        _model_text(model),
        _check_count(threads, "threads", optional=True),
    )
    return json.loads(out)


def quote(
    profile: JsonInput,
    options: Union[list, str, "os.PathLike[str]", None] = None,
    trials: int = 100_000,
    seed: int = 0,
    model: Union[str, "os.PathLike[str]", None] = None,
    threads: Union[int, None] = None,
) -> dict:
    """Quote options (CONTRACT.md §10): the decision and each coverage option priced on the same
    simulated years, as ``risk quote``. ``options`` is a list of coverage dicts, JSON text or a
    path to one (None: the profile's own coverage)."""
    out = _native.quote(
        _json_text(profile, "profile"),
        None if options is None else _json_text(options, "options"),
        _check_count(trials, "trials"),
        _check_count(seed, "seed"),
        _model_text(model),
        _check_count(threads, "threads", optional=True),
    )
    return json.loads(out)


def questionnaire(
    name: str,
    answers: Union[JsonInput, None] = None,
    model: Union[str, "os.PathLike[str]", None] = None,
) -> dict:
    """A questionnaire (CONTRACT.md §12) as ``risk questionnaire NAME`` prints it, or, with
    ``answers`` (``{"firm": {...}, "answers": {...}}`` as a dict, JSON text or a path), the profile
    and mapping they give, as ``risk questionnaire NAME ANSWERS.json``."""
    out = _native.questionnaire(
        name,
        None if answers is None else _json_text(answers, "answers"),
        _model_text(model),
    )
    return json.loads(out)


def _frame_csv(frame: Any) -> bytes:
    """A pandas or polars data frame as CSV bytes (header row, no index), read by the same parser
    as a CSV file: every cell is validated as the CLI validates a file's cells."""
    if hasattr(frame, "write_csv"):  # polars
        out = frame.write_csv()
        return out.encode("utf-8") if isinstance(out, str) else out
    if hasattr(frame, "to_csv"):  # pandas
        return frame.to_csv(index=False).encode("utf-8")
    raise RiskError(
        f"policies: expected a file path or a pandas/polars data frame, not {type(frame).__name__}"
    )


def _shard(shard: Any) -> Union[Tuple[int, int], None]:
    if shard is None:
        return None
    if isinstance(shard, str):
        i, sep, n = shard.partition("/")
        if sep and i.isdigit() and n.isdigit():
            return int(i), int(n)
        raise RiskError(f"shard: `{shard}` is not i/n")
    try:
        i, n = shard
        return _check_count(i, "shard"), _check_count(n, "shard")
    except (TypeError, ValueError):
        raise RiskError(f"shard: `{shard!r}` is not (i, n)") from None


def _run(native: Tuple[str, Any, LossTable]) -> dict:
    text, ylt, table = native
    out = json.loads(text)
    out["ylt"] = ylt
    out["table"] = table
    return out


def portfolio(
    policies: Any,
    trials: int = 10_000,
    seed: int = 0,
    shard: Union[str, Tuple[int, int], None] = None,
    shocks: Union[Sequence[Mapping[str, Any]], str, "os.PathLike[str]", None] = None,
    model: Union[str, "os.PathLike[str]", None] = None,
    threads: Union[int, None] = None,
) -> dict:
    """Portfolio accumulation: a PortfolioReport dict, as ``risk portfolio``, plus

    - ``"ylt"``: the year-loss table, annual insured loss per simulated year (numpy float64),
    - ``"table"``: the exact table (:class:`LossTable`), to :func:`merge` with other shards.

    ``policies`` is a CSV or Parquet file path, or a pandas or polars data frame (passed as CSV
    text, so it is validated exactly as a CSV file: a bad row names its row and column).
    ``shard`` = ``(i, n)`` or ``"i/n"`` runs policies [i·P/n, (i+1)·P/n) only (no allocation);
    ``shocks`` is a list of shock dicts, JSON text or a path (default: the model's shocks).
    """
    trials = _check_count(trials, "trials")
    seed = _check_count(seed, "seed")
    shocks_text = None if shocks is None else _json_text(shocks, "shocks")
    common = dict(
        trials=trials,
        seed=seed,
        shard=_shard(shard),
        shocks_json=shocks_text,
        model=_model_text(model),
        threads=_check_count(threads, "threads", optional=True),
    )
    if isinstance(policies, (str, os.PathLike)):
        path = os.fspath(policies)
        if not os.path.isfile(path):
            raise RiskError(f"{path}: cannot read: no such file")
        return _run(_native.portfolio(path=path, **common))
    return _run(_native.portfolio(csv=_frame_csv(policies), **common))


def merge(shards: Iterable[Union[Mapping[str, Any], LossTable, PathLike]]) -> dict:
    """Adds the year-loss tables of a run's shards exactly: a PortfolioReport dict, as
    ``risk portfolio-merge``, with ``"ylt"`` and ``"table"``; the table is bit-identical to the
    unsharded run's.

    Each shard is a :func:`portfolio` result (dict), a :class:`LossTable`, or the path of a
    Parquet table written by ``risk portfolio --out``.
    """
    tables = []
    for k, s in enumerate(shards):
        if isinstance(s, LossTable):
            tables.append(s)
        elif isinstance(s, Mapping) and isinstance(s.get("table"), LossTable):
            tables.append(s["table"])
        elif isinstance(s, (str, os.PathLike)):
            tables.append(_native.read_table(os.fspath(s)))
        else:
            raise RiskError(
                f"shards[{k}]: expected a portfolio() result, a LossTable or a Parquet path"
            )
    return _run(_native.merge(tables))


def read_table(path: PathLike) -> LossTable:
    """Reads a year-loss table written by ``risk portfolio --out`` (Parquet)."""
    return _native.read_table(os.fspath(path))
