//! `risk calibrate` and `risk synth-claims`: experience calibration and its test bed.

#[allow(clippy::wildcard_imports)]
use super::*;
use risk_core::params::BUILT_IN_MODELS;

/// Most rows `synth-claims` writes.
pub(super) const MAX_CLAIM_ROWS: usize = 10_000_000;

/// `{"frequency": {"factor": value}, "severity": {...}}` → multipliers r = value / prior value.
pub(super) fn truth_adjustments(
    text: &str,
    params: &ModelParams,
) -> Result<risk_core::calibrate::Adjustments, String> {
    use risk_core::calibrate::{Factor, Part, value};
    let doc: std::collections::BTreeMap<String, std::collections::BTreeMap<String, f64>> =
        serde_json::from_str(text).map_err(|e| e.to_string())?;
    let mut out = risk_core::calibrate::Adjustments::new();
    for (part, factors) in &doc {
        let part = match part.as_str() {
            "frequency" => Part::Frequency,
            "severity" => Part::Severity,
            other => return Err(format!("`{other}`: expected frequency or severity")),
        };
        for (name, v) in factors {
            let f = Factor::parse(name).ok_or_else(|| {
                format!("{}.{name}: unknown factor (base, base:<peril>, revenue, industry:<name>, certification:<scheme>, maturity:<0|1|3|4|5>, sigma, sigma:<peril>)", part.as_str())
            })?;
            if f.additive() {
                // The revenue elasticity's true value: its shift from the model's.
                if !v.is_finite() || v.abs() > 5.0 {
                    return Err(format!("{}.{name}: must be in [-5, 5]", part.as_str()));
                }
                out.insert((part, f), (v - value(params, part, f)).exp());
                continue;
            }
            if matches!(f, Factor::Sigma(_)) && part != Part::Severity {
                return Err(format!(
                    "{}.{name}: a σ is a severity parameter",
                    part.as_str()
                ));
            }
            if !(*v > 0.0 && v.is_finite()) {
                return Err(format!("{}.{name}: must be > 0", part.as_str()));
            }
            out.insert((part, f), v / value(params, part, f));
        }
    }
    Ok(out)
}

/// Finds the prior model: a file, `<name>-<version>.toml` or `*-<version>.toml` in `dir`, or the
/// built-in model. Returns its text and the directory new versions go to.
pub(super) fn resolve_model(spec: &str, dir: &Path) -> Result<(String, PathBuf), CliError> {
    let path = Path::new(spec);
    if path.is_file() {
        let parent = path.parent().map(Path::to_path_buf).unwrap_or_default();
        return Ok((read_input(path)?, parent));
    }
    if let Ok(entries) = std::fs::read_dir(dir) {
        let mut names: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        names.sort();
        for p in names {
            let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
            if p.extension().is_some_and(|e| e == "toml")
                && (stem == spec || stem.ends_with(&format!("-{spec}")))
            {
                return Ok((read_input(&p)?, dir.to_path_buf()));
            }
        }
    }
    for text in BUILT_IN_MODELS {
        let builtin = ModelParams::parse(text).map_err(|e| CliError::BadInput(e.to_string()))?;
        if spec == builtin.version || spec == builtin.id() {
            return Ok(((*text).to_string(), dir.to_path_buf()));
        }
    }
    Err(CliError::BadInput(format!(
        "--model: no model `{spec}` (a file, or a version in {})",
        dir.display()
    )))
}

/// The options of `risk calibrate`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Flags {
    /// Overrides every prior sd of ln r.
    pub prior_sd: Option<f64>,
    /// Report only, gates listed rather than refused on.
    pub dry_run: bool,
    /// Fit data already in the prior's lineage.
    pub force: bool,
}

pub(super) fn run_calibrate(
    claims: &Path,
    model: &str,
    models_dir: &Path,
    flags: Flags,
    date: Option<&str>,
) -> Result<crate::dto::calibration::CalibrationReport, CliError> {
    use crate::dto::calibration::{CalibrationReport, DataSummary, NewModel};
    use risk_core::calibrate::{Options, calibrate_experience, gates, rewrite};
    let (text, dir) = resolve_model(model, models_dir)?;
    let params = ModelParams::parse(&text).map_err(|e| CliError::BadInput(e.to_string()))?;
    let today = match date {
        None => time::OffsetDateTime::now_utc().date(),
        Some(d) => risk_core::params::parse_date(d)
            .ok_or_else(|| CliError::BadInput("--date: must be a date YYYY-MM-DD".into()))?,
    };
    let prior_sd = flags.prior_sd;
    if let Some(sd) = prior_sd
        && !(sd > 0.0 && sd <= 10.0)
    {
        return Err(CliError::BadInput("--prior-sd: must be in (0, 10]".into()));
    }
    let refuse = |tripped: &[gates::Gate]| {
        CliError::BadInput(format!(
            "{}: refused, no model written: {}",
            claims.display(),
            tripped
                .iter()
                .map(|g| format!("[{}] {}", g.gate, g.message))
                .collect::<Vec<_>>()
                .join("; ")
        ))
    };
    let data = crate::claims_io::read_claims(claims, &params, today).map_err(CliError::BadInput)?;
    if data.data.is_empty() {
        return Err(CliError::BadInput(format!(
            "{}: claims data: no rows",
            claims.display()
        )));
    }
    // Gates on the data before the fit: a real run stops here, a dry run fits anyway and lists
    // them in the report.
    let screen = gates::screen_experience(&data.data);
    let mut tripped: Vec<gates::Gate> = Vec::new();
    if !flags.force {
        tripped.extend(gates::lineage(&params, &data.sha256));
    }
    tripped.extend(screen.gates());
    if !flags.dry_run && !tripped.is_empty() {
        return Err(refuse(&tripped));
    }
    let fit = match calibrate_experience(&data.data, Options { prior_sd }) {
        Ok(fit) => fit,
        // A fit the data broke is the data's fault: say so with the gates that saw it coming.
        Err(e) if !tripped.is_empty() => {
            tripped.push(gates::Gate {
                gate: "fit",
                message: e.to_string(),
            });
            return Err(refuse(&tripped));
        }
        Err(e) => return Err(CliError::BadInput(e.to_string())),
    };
    tripped.extend(gates::thin(&fit));
    let new_model = if flags.dry_run {
        None
    } else if !tripped.is_empty() {
        return Err(refuse(&tripped));
    } else {
        let mut version = rewrite::next_version(&params.version);
        let mut file = dir.join(format!("{}-{version}.toml", params.name));
        while file.exists() {
            version = rewrite::next_version(&version);
            file = dir.join(format!("{}-{version}.toml", params.name));
        }
        let provenance = risk_core::params::Calibration {
            from: params.id(),
            data_sha256: data.sha256.clone(),
            rows: fit.rows as u64,
            policy_years: fit.policy_years,
            claims: fit.claims,
            date: today.to_string(),
            lineage: rewrite::lineage(&params, &data.sha256),
        };
        // A fitted value the model file cannot hold comes from the data: refused as input.
        let out = rewrite::rewrite(&text, &params, &fit, &version, &provenance).map_err(|e| {
            CliError::BadInput(format!(
                "{}: refused, no model written: {e}",
                claims.display()
            ))
        })?;
        std::fs::create_dir_all(&dir)
            .and_then(|()| {
                let mut f = std::fs::File::options()
                    .write(true)
                    .create_new(true)
                    .open(&file)?;
                f.write_all(out.text.as_bytes())?;
                f.sync_all()
            })
            .map_err(|e| CliError::BadInput(format!("{}: cannot write: {e}", file.display())))?;
        eprintln!("wrote {}", file.display());
        Some(NewModel {
            id: out.params.id(),
            file: file.display().to_string(),
            hash: out.params.hash.clone(),
            changed: out.changed,
            notes: out.notes,
        })
    };
    Ok(CalibrationReport::new(
        params.id(),
        DataSummary {
            file: claims.display().to_string(),
            sha256: data.sha256,
            rows: fit.rows,
            policy_years: fit.policy_years,
            claims: fit.claims,
            expected_claims_prior: screen.expected,
        },
        &fit,
        &tripped,
        new_model,
    ))
}
