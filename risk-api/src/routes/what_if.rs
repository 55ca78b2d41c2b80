//! `POST /v1/assessments/{id}/what-if`: an assessment's profile re-priced with certificates
//! removed, lapsed or obtained, maturity levels changed, key controls improved or certificates
//! required of suppliers, with its seed and trials; nothing is stored.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use risk_core::pricing::assess;
use risk_core::pricing::{Change, ChangeError, apply_changes};
use risk_core::vocab::{Control, Function, Scheme};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::assessments::inputs_now;
use super::doc::{BadRequest, Invalid, ObjectGuarded};
use super::extract::{AppJson, ReadableAssessment};
use super::run;
use crate::app::AppState;
use crate::problem::{ApiError, ApiResult, FieldProblem};

const NOT_HELD: &str = "not a certificate of this profile";
const NOT_HELD_OR_REMOVED: &str = "not a certificate of this profile (or removed)";
const UNKNOWN_OR_HELD: &str = "an unknown scheme, or one this profile already holds";
const NOT_ANSWERED: &str = "not answered in this profile, so it has no level to improve from";
const AT_BEST: &str = "already at its most protective answer";

/// Body of a what-if: changes to the stored profile, each optional.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WhatIfRequest {
    /// Schemes whose certificate is removed.
    #[serde(default)]
    pub remove: Vec<String>,
    /// Schemes whose certificate lapses on the valuation date.
    #[serde(default)]
    pub lapse: Vec<String>,
    /// CSF functions set to a maturity level 0–5.
    #[serde(default)]
    pub maturity: BTreeMap<String, u8>,
    /// Schemes the firm does not hold, obtained (active, full scope) from the valuation date.
    #[serde(default)]
    pub obtain: Vec<String>,
    /// Key controls (contract §4 names) each one answer better; a control named twice moves
    /// two answers.
    #[serde(default)]
    pub improve: Vec<String>,
    /// Suppliers (by name) each required to hold an active, full-scope certificate of a scheme
    /// from the valuation date (contract §16): the `supplier:<name>:<scheme>` rows of the
    /// impact table, combined at will.
    #[serde(default)]
    pub require: Vec<Requirement>,
}

/// One supplier requirement of a what-if.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    /// The supplier's `name` in the profile.
    pub supplier: String,
    /// The scheme it must hold (e.g. `supply_chain_4`).
    pub scheme: String,
}

/// A re-priced profile (not stored).
#[derive(Debug, Serialize, ToSchema)]
pub struct WhatIfDto {
    /// The assessment changed.
    pub assessment: String,
    /// Seed (the assessment's).
    pub seed: u64,
    /// Simulated years (the assessment's).
    pub trials: u64,
    /// Currency of the premiums.
    pub currency: String,
    /// The changes, as `remove:<scheme>`, `lapse:<scheme>`, `obtain:<scheme>`,
    /// `improve:<control>`, `supplier:<name>:<scheme>`, `maturity:<function>=<level>`.
    pub changes: Vec<String>,
    /// Technical premium with the changes.
    pub premium: f64,
    /// Its standard error.
    pub premium_std_error: f64,
    /// The technical premium without the changes (the stored one, re-run under the threat table
    /// in force when that changed since).
    pub current_premium: f64,
    /// premium − current premium (same seed and trials: common random numbers).
    pub delta: f64,
    /// Score with the changes.
    pub score: f64,
    /// Grade with the changes.
    pub grade: String,
    /// The score without the changes.
    pub current_score: f64,
    /// Version of the sector threat table priced with (the one in force).
    pub threat_level_version: String,
}

/// Re-price an assessment's profile with certificates removed or lapsed or maturity levels
/// changed, with its seed and trials; nothing is stored.
#[utoipa::path(post, path = "/v1/assessments/{id}/what-if", params(("id" = String, Path, description = "Assessment id")),
    request_body(content = WhatIfRequest, content_type = "application/json",
        example = json!({"remove": ["pci_dss"], "lapse": [], "maturity": {"protect": 4}})),
    responses((status = 200, body = WhatIfDto, description = "The profile re-priced with the changes (not stored)"), BadRequest, ObjectGuarded, Invalid),
    security(("bearer" = ["insurer", "firm"])))]
pub async fn what_if(
    State(state): State<AppState>,
    ReadableAssessment {
        caller,
        record: rec,
    }: ReadableAssessment,
    AppJson(req): AppJson<WhatIfRequest>,
) -> ApiResult<Json<WhatIfDto>> {
    let (params, profile) = inputs_now(&state, &rec).await?;
    let original = profile.clone();
    // Each requested change with its field, in request order: remove, lapse, obtain, improve,
    // require, maturity.
    let mut items: Vec<(String, Result<Change, &'static str>)> = Vec::new();
    for (k, s) in req.remove.iter().enumerate() {
        let change = Scheme::parse(s).map(Change::Remove);
        items.push((format!("remove[{k}]"), change.ok_or(NOT_HELD)));
    }
    for (k, s) in req.lapse.iter().enumerate() {
        let change = Scheme::parse(s).map(Change::Lapse);
        items.push((format!("lapse[{k}]"), change.ok_or(NOT_HELD_OR_REMOVED)));
    }
    for (k, s) in req.obtain.iter().enumerate() {
        let change = Scheme::parse(s).map(Change::Obtain);
        items.push((format!("obtain[{k}]"), change.ok_or(UNKNOWN_OR_HELD)));
    }
    for (k, c) in req.improve.iter().enumerate() {
        let change = Control::parse(c).map(Change::Improve);
        items.push((format!("improve[{k}]"), change.ok_or("unknown key control")));
    }
    for (k, r) in req.require.iter().enumerate() {
        let supplier = profile.suppliers.iter().position(|s| s.name == r.supplier);
        let (field, change) = match (supplier, Scheme::parse(&r.scheme)) {
            (None, _) => ("supplier", Err("no supplier of this name in the profile")),
            (_, None) => ("scheme", Err("unknown certification scheme")),
            (Some(supplier), Some(scheme)) => ("scheme", Ok(Change::Supplier { supplier, scheme })),
        };
        items.push((format!("require[{k}].{field}"), change));
    }
    for (f, &level) in &req.maturity {
        let change = Function::parse(f).map(|function| Change::Maturity { function, level });
        items.push((
            format!("maturity.{f}"),
            change.ok_or("unknown CSF function"),
        ));
    }
    let (at, changes): (Vec<usize>, Vec<Change>) = items
        .iter()
        .enumerate()
        .filter_map(|(i, (_, c))| c.ok().map(|c| (i, c)))
        .unzip();
    let mut failed: Vec<(usize, &'static str)> = items
        .iter()
        .enumerate()
        .filter_map(|(i, (_, c))| c.err().map(|m| (i, m)))
        .collect();
    let profile = match apply_changes(&profile, &params, &changes) {
        Ok(p) => p,
        Err(errs) => {
            failed.extend(errs.into_iter().map(|(j, e)| {
                let message = match (e, changes[j]) {
                    (ChangeError::LevelOutOfRange, Change::Improve(_)) => AT_BEST,
                    (ChangeError::NotAnswered, _) => NOT_ANSWERED,
                    (ChangeError::LevelOutOfRange, _) => "must be an integer 0-5",
                    (_, Change::Obtain(_)) => UNKNOWN_OR_HELD,
                    (_, Change::Lapse(_)) => NOT_HELD_OR_REMOVED,
                    _ => NOT_HELD,
                };
                (at[j], message)
            }));
            profile
        }
    };
    if !failed.is_empty() {
        failed.sort_by_key(|&(i, _)| i);
        let errors = failed
            .into_iter()
            .map(|(i, message)| FieldProblem {
                field: items[i].0.clone(),
                message: message.into(),
            })
            .collect();
        return Err(ApiError::invalid(errors));
    }
    let changes: Vec<String> = changes.iter().map(|c| c.id(&original)).collect();
    let stored = rec.assessment().map_err(anyhow::Error::from)?;
    let (trials, seed) = (rec.trials, rec.seed);
    let currency = profile.currency.clone();
    let threat_level_version = params.threat.version.clone();
    // Priced under the threat table in force; when that is not the one the assessment recorded,
    // its current premium is re-run under it too, so `delta` is the changes' effect alone.
    let unchanged = (threat_level_version != stored.threat_level_version).then(|| original.clone());
    let (a, now) = run(&state, &caller, move || {
        let now = unchanged.map(|p| assess(&p, &params, trials, seed));
        (assess(&profile, &params, trials, seed), now)
    })
    .await?;
    let (current_premium, current_score) = match now {
        Some(n) => (n.premium.technical, n.score.value),
        None => (stored.premium.technical, stored.score.value),
    };
    Ok(Json(WhatIfDto {
        assessment: rec.id,
        seed,
        trials,
        currency,
        changes,
        premium: a.premium.technical,
        premium_std_error: a.premium.technical_std_error,
        current_premium,
        delta: a.premium.technical - current_premium,
        score: a.score.value,
        grade: a.score.grade.clone(),
        current_score,
        threat_level_version,
    }))
}
