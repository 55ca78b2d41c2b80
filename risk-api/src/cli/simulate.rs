//! `risk simulate`: a spec by Monte Carlo or the exact method, or both with `--check`.

#[allow(clippy::wildcard_imports)]
use super::*;

/// The `simulate` command's JSON: a LossReport by `method`, or with `check` a CheckReport of
/// both methods. The exact method's failures (accuracy out of reach, unsupported input) are
/// bad input: exit 2 with the message naming what could not be met.
pub(super) fn simulate(
    spec: &LossSpec,
    method: MethodArg,
    check: bool,
) -> Result<String, CliError> {
    let exact = || {
        engine::exact::compute(
            &spec.model,
            &spec.levels,
            &spec.thresholds,
            &engine::exact::ExactOptions::default(),
        )
        .map_err(|e| CliError::BadInput(e.to_string()))
    };
    let json = if check {
        let exact = exact()?;
        let sim = engine::simulate(&spec.model, spec.trials, spec.seed);
        let report = CheckReport::new(&sim, &exact, &spec.levels, &spec.thresholds);
        serde_json::to_string_pretty(&report)
    } else {
        let report = match method {
            MethodArg::MonteCarlo => simulate_spec(spec),
            MethodArg::Exact => LossReport::exact(&spec.model, &exact()?),
        };
        serde_json::to_string_pretty(&report)
    };
    Ok(json.map_err(anyhow::Error::from)?)
}
