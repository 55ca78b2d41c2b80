//! # risk-py
//!
//! Brief overview: the native half of the Python package `risk_engine` (module
//! `risk_engine._native`). It takes JSON text, TOML text, file paths and CSV bytes — the Python
//! half (`python/risk_engine/__init__.py`) turns dicts, paths and data frames into those — and
//! answers with the JSON text the `risk` command line prints, built by the same `risk-api`
//! functions, so Python gets the CLI's numbers bit for bit. Year-loss tables go to numpy without a
//! copy.
//!
//! Every simulation runs with the GIL released. Bad input raises `risk_engine.RiskError` (a
//! `ValueError`) with the CLI's one-line message naming the field.

#![deny(missing_docs)]

mod table;

use std::path::Path;

use numpy::{IntoPyArray, PyArray1};
use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use risk_api::dto::firm::{AssessmentDto, ImpactDto};
use risk_api::dto::quote::QuoteDto;
use risk_api::dto::v1::LossReport;
use risk_api::portfolio_io::{self, FileKind};
use risk_api::service::{
    ALLOCATION_LEVEL, MAX_POLICY_YEARS, MAX_PORTFOLIO_TRIALS, assessment_id, book_report,
    portfolio_report, simulate_spec,
};
use risk_core::engine;
use risk_core::model::{LossSpec, MAX_TRIALS};
use risk_core::params::{BUILT_IN_MODELS, DEFAULT_MODEL, ModelParams};
use risk_core::portfolio::{Portfolio, allocate, shard_range};
use risk_core::profile::FirmProfile;

use crate::table::LossTable;

create_exception!(
    risk_engine,
    RiskError,
    PyValueError,
    "Bad input: the message names the field (or the row and column) like the `risk` command line."
);

/// A one-line bad-input error, as the CLI prints it after `error: `.
fn bad(msg: impl std::fmt::Display) -> PyErr {
    RiskError::new_err(msg.to_string().replace('\n', " "))
}

/// An error that the input did not cause.
fn internal(msg: impl std::fmt::Display) -> PyErr {
    pyo3::exceptions::PyRuntimeError::new_err(format!("internal error: {msg}"))
}

fn to_json<T: serde::Serialize>(v: &T) -> PyResult<String> {
    serde_json::to_string_pretty(v).map_err(internal)
}

/// Runs `f` without the GIL on a pool of `threads` workers (rayon's global pool when None).
fn run_detached<T: Send>(
    py: Python<'_>,
    threads: Option<usize>,
    f: impl FnOnce() -> T + Send,
) -> PyResult<T> {
    let pool = match threads {
        None => None,
        Some(0) => return Err(bad("threads: must be >= 1")),
        Some(t) => Some(
            rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .map_err(internal)?,
        ),
    };
    Ok(py.detach(|| match pool {
        None => f(),
        Some(p) => p.install(f),
    }))
}

/// The model: the newest built-in one (None), a built-in one by version or id, else a model
/// file's TOML text.
fn load_params(model: Option<&str>) -> PyResult<ModelParams> {
    let Some(m) = model else {
        return ModelParams::parse(DEFAULT_MODEL).map_err(internal);
    };
    for text in BUILT_IN_MODELS {
        let builtin = ModelParams::parse(text).map_err(internal)?;
        if m == builtin.version || m == builtin.id() {
            return Ok(builtin);
        }
    }
    ModelParams::parse(m).map_err(|e| bad(format!("model: {e}")))
}

fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

/// LossReport JSON of a spec (JSON text): `risk simulate SPEC [--method] [--trials] [--seed]`.
#[pyfunction]
#[pyo3(signature = (spec_json, method = "monte_carlo", trials = None, seed = None, threads = None))]
fn simulate(
    py: Python<'_>,
    spec_json: &str,
    method: &str,
    trials: Option<u64>,
    seed: Option<u64>,
    threads: Option<usize>,
) -> PyResult<String> {
    let exact = match method {
        "monte_carlo" | "monte-carlo" => false,
        "exact" => true,
        other => {
            return Err(bad(format!(
                "method: `{other}` is not monte_carlo or exact"
            )));
        }
    };
    let spec = LossSpec::parse(spec_json)
        .and_then(|s| s.with_overrides(trials, seed))
        .map_err(bad)?;
    let report = run_detached(py, threads, || -> Result<LossReport, String> {
        if exact {
            let r = engine::exact::compute(
                &spec.model,
                &spec.levels,
                &spec.thresholds,
                &engine::exact::ExactOptions::default(),
            )
            .map_err(|e| e.to_string())?;
            Ok(LossReport::exact(&spec.model, &r))
        } else {
            Ok(simulate_spec(&spec))
        }
    })?
    .map_err(bad)?;
    to_json(&report)
}

/// Reads a firm profile (JSON text) and its model, validating both and the trial count.
fn load_firm(
    profile_json: &str,
    trials: u64,
    model: Option<&str>,
) -> PyResult<(FirmProfile, ModelParams)> {
    if trials == 0 || trials > MAX_TRIALS {
        return Err(bad(format!("trials: must be between 1 and {MAX_TRIALS}")));
    }
    let params = load_params(model)?;
    let profile = FirmProfile::parse(profile_json, &params, today()).map_err(bad)?;
    Ok((profile, params))
}

/// Assessment JSON of a firm profile (JSON text): `risk score PROFILE`.
#[pyfunction]
#[pyo3(signature = (profile_json, trials = 100_000, seed = 0, model = None, threads = None))]
fn score(
    py: Python<'_>,
    profile_json: &str,
    trials: u64,
    seed: u64,
    model: Option<&str>,
    threads: Option<usize>,
) -> PyResult<String> {
    let (profile, params) = load_firm(profile_json, trials, model)?;
    let a = run_detached(py, threads, || {
        risk_core::pricing::assess(&profile, &params, trials, seed)
    })?;
    let id = assessment_id(profile_json, &params, trials, seed);
    to_json(&AssessmentDto::new(id, &profile, &params, &a, true))
}

/// Impact JSON of a firm profile (JSON text): `risk impact PROFILE`.
#[pyfunction]
#[pyo3(signature = (profile_json, trials = 100_000, seed = 0, model = None, threads = None))]
fn impact(
    py: Python<'_>,
    profile_json: &str,
    trials: u64,
    seed: u64,
    model: Option<&str>,
    threads: Option<usize>,
) -> PyResult<String> {
    let (profile, params) = load_firm(profile_json, trials, model)?;
    let i = run_detached(py, threads, || {
        risk_core::pricing::impact(&profile, &params, trials, seed)
    })?;
    to_json(&ImpactDto::new(&profile, &params, &i))
}

/// Quote JSON of a firm profile (JSON text) and coverage options (a JSON list; None: the
/// profile's own coverage): `risk quote PROFILE [--options OPTIONS.json]`.
#[pyfunction]
#[pyo3(signature = (profile_json, options_json = None, trials = 100_000, seed = 0, model = None, threads = None))]
fn quote(
    py: Python<'_>,
    profile_json: &str,
    options_json: Option<&str>,
    trials: u64,
    seed: u64,
    model: Option<&str>,
    threads: Option<usize>,
) -> PyResult<String> {
    let (profile, params) = load_firm(profile_json, trials, model)?;
    let options = match options_json {
        None => vec![profile.coverage],
        Some(text) => risk_core::profile::parse_options(text, &profile, &params).map_err(bad)?,
    };
    let q = run_detached(py, threads, || {
        risk_core::pricing::quote(&profile, &options, &params, trials, seed)
    })?
    .map_err(bad)?;
    to_json(&QuoteDto::new(&profile, &params, &q, true))
}

/// A questionnaire (JSON text of `GET /v1/questionnaires/{name}`), or, with answers (JSON text
/// `{"firm": {…}, "answers": {…}}`), the profile and mapping they give: `risk questionnaire NAME
/// [ANSWERS.json]`.
#[pyfunction]
#[pyo3(signature = (name, answers_json = None, model = None))]
fn questionnaire(name: &str, answers_json: Option<&str>, model: Option<&str>) -> PyResult<String> {
    use risk_api::dto::questionnaire::{QuestionnaireDto, QuestionnaireProfileDto};
    use risk_core::questionnaire::{built_in, find};
    let q = find(name).map_err(|e| {
        let names: Vec<&str> = built_in().iter().map(|q| q.name.as_str()).collect();
        bad(format!("name: {e}; expected one of {}", names.join(", ")))
    })?;
    match answers_json {
        None => to_json(&QuestionnaireDto::from(q)),
        Some(text) => {
            let params = load_params(model)?;
            let a = q.answer(text, &params, today()).map_err(bad)?;
            to_json(&QuestionnaireProfileDto::new(q, &a))
        }
    }
}

/// What a portfolio run answers: the report (JSON text), the year-loss table as floats (numpy,
/// not copied) and the exact table (for merging shards).
type Run<'py> = (String, Bound<'py, PyArray1<f64>>, LossTable);

/// PortfolioReport of a policy file (a path, or CSV bytes): `risk portfolio FILE [--shard i/n]`.
#[pyfunction]
#[pyo3(signature = (path = None, csv = None, trials = 10_000, seed = 0, shard = None, shocks_json = None, model = None, threads = None))]
#[allow(clippy::too_many_arguments)]
fn portfolio<'py>(
    py: Python<'py>,
    path: Option<&str>,
    csv: Option<&[u8]>,
    trials: u64,
    seed: u64,
    shard: Option<(usize, usize)>,
    shocks_json: Option<&str>,
    model: Option<&str>,
    threads: Option<usize>,
) -> PyResult<Run<'py>> {
    if trials == 0 || trials > MAX_PORTFOLIO_TRIALS {
        return Err(bad(format!(
            "trials: must be between 1 and {MAX_PORTFOLIO_TRIALS}"
        )));
    }
    let params = load_params(model)?;
    let policies = match (path, csv) {
        (Some(p), None) => portfolio_io::read_policies(Path::new(p), &params, today()),
        (None, Some(bytes)) => {
            portfolio_io::read_policies_bytes(bytes, FileKind::Csv, &params, today())
        }
        _ => return Err(internal("give exactly one of path and csv")),
    }
    .map_err(bad)?;
    let shocks = match shocks_json {
        None => portfolio_io::model_shocks(&params),
        Some(text) => risk_core::portfolio::parse_shocks(text).map_err(bad)?,
    };
    // One common shock per supplier the book names (contract §16), as the command line.
    let ids = risk_api::suppliers_io::named(&policies);
    let shocks = risk_api::suppliers_io::book_shocks(&params, shocks, &ids, &[], today());
    if policies.len() as f64 * trials as f64 > MAX_POLICY_YEARS {
        return Err(bad(format!(
            "trials: {trials} years x {} policies exceed the cap of {MAX_POLICY_YEARS:e} policy-years",
            policies.len()
        )));
    }
    let names: Vec<String> = shocks.iter().map(|s| s.name.clone()).collect();
    let portfolio = Portfolio::new(policies, shocks).map_err(bad)?;
    let n = portfolio.policies().len();
    let range = match shard {
        None => 0..n,
        Some((i, k)) => shard_range(n, i, k).map_err(bad)?,
    };
    let (table, allocation) = run_detached(py, threads, || {
        let table = risk_core::portfolio::simulate(&portfolio, range, trials, seed, &|_| {});
        let allocation = shard
            .is_none()
            .then(|| allocate(&portfolio, &table, ALLOCATION_LEVEL));
        (table, allocation)
    })?;
    let report = book_report(
        &portfolio,
        &table,
        &names,
        shard.map(|(i, k)| format!("{i}/{k}")),
        allocation.as_deref(),
    );
    let json = to_json(&report)?;
    let ylt = table.losses().into_pyarray(py);
    Ok((json, ylt, LossTable::new(table, names)))
}

/// Adds the tables of a run's shards (exactly) and reports the whole portfolio:
/// `risk portfolio-merge`.
#[pyfunction]
fn merge<'py>(py: Python<'py>, tables: Vec<PyRef<'py, LossTable>>) -> PyResult<Run<'py>> {
    let mut it = tables.iter();
    let first = it.next().ok_or_else(|| bad("tables: no table given"))?;
    let (mut merged, names) = (first.table().clone(), first.names().to_vec());
    for (k, t) in it.enumerate() {
        merged = merged
            .merge(t.table())
            .map_err(|e| bad(format!("tables[{}]: {e}", k + 1)))?;
    }
    let report = portfolio_report(&merged, &names, None, None, None, &[]);
    let json = to_json(&report)?;
    let ylt = merged.losses().into_pyarray(py);
    Ok((json, ylt, LossTable::new(merged, names)))
}

/// Reads a year-loss table that `risk portfolio --out` wrote (Parquet).
#[pyfunction]
fn read_table(path: &str) -> PyResult<LossTable> {
    let (t, names) = portfolio_io::read_ylt(Path::new(path)).map_err(bad)?;
    Ok(LossTable::new(t, names))
}

/// The native module `risk_engine._native`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("RiskError", m.py().get_type::<RiskError>())?;
    m.add("MODEL_VERSION", load_params(None)?.id())?;
    m.add_class::<LossTable>()?;
    m.add_function(wrap_pyfunction!(simulate, m)?)?;
    m.add_function(wrap_pyfunction!(score, m)?)?;
    m.add_function(wrap_pyfunction!(impact, m)?)?;
    m.add_function(wrap_pyfunction!(quote, m)?)?;
    m.add_function(wrap_pyfunction!(questionnaire, m)?)?;
    m.add_function(wrap_pyfunction!(portfolio, m)?)?;
    m.add_function(wrap_pyfunction!(merge, m)?)?;
    m.add_function(wrap_pyfunction!(read_table, m)?)?;
    Ok(())
}
