//! `PUT /v1/threat-levels/{industry}`: an admin publishes a sector's threat levels (append-only
//! history; later assessments use and record them).

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use risk_core::vocab::{Industry, Peril};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::doc::{Invalid, RoleGuarded};
use super::extract::AppJson;
use crate::app::AppState;
use crate::auth::Admin;
use crate::problem::{ApiError, ApiResult, FieldProblem};

/// Body of a threat-level publication.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"levels": {"ransomware": 1.5, "data_breach": 1.2}, "source": "JPCERT/CC advisory 2026-11"}))]
pub struct ThreatLevelRequest {
    /// Frequency multiplier per peril, each in [0.1, 10]; perils not listed are 1.0.
    pub levels: BTreeMap<String, f64>,
    /// Where the levels come from (advisory reference).
    pub source: String,
}

impl ThreatLevelRequest {
    /// Every field error of a publication for `industry` at once.
    fn check(&self, industry: &str) -> Vec<FieldProblem> {
        let mut errors = Vec::new();
        let mut bad = |field: String, message: &str| {
            errors.push(FieldProblem {
                field,
                message: message.into(),
            });
        };
        if Industry::parse(industry).is_none() {
            bad("industry".into(), "unknown industry");
        }
        for (k, &x) in &self.levels {
            let path = format!("levels.{k}");
            if Peril::parse(k).is_none() {
                bad(path, "unknown peril");
            } else if !(0.1..=10.0).contains(&x) {
                bad(path, "must be a number in [0.1, 10]");
            }
        }
        if let Some(m) = risk_core::text::problem(&self.source, 2000) {
            bad("source".into(), &m);
        }
        errors
    }
}

/// A published threat level.
#[derive(Debug, Serialize, ToSchema)]
pub struct ThreatLevelDto {
    /// Industry.
    pub industry: String,
    /// Threat-table version new assessments record from now on.
    pub version: String,
    /// Position in the publication history.
    pub seq: i64,
    /// Frequency multiplier per peril.
    pub levels: BTreeMap<String, f64>,
    /// Where the levels come from.
    pub source: String,
    /// Admin who published it.
    pub published_by: String,
    /// When (RFC 3339).
    pub published_at: String,
}

/// Publish a sector's threat levels (admin); later assessments use and record them.
#[utoipa::path(put, path = "/v1/threat-levels/{industry}", params(("industry" = String, Path, description = "Industry (contract §4)")),
    request_body(content = ThreatLevelRequest, content_type = "application/json"),
    responses((status = 200, body = ThreatLevelDto, description = "Published; later assessments use and record it"), RoleGuarded, Invalid),
    security(("bearer" = ["admin"])))]
pub async fn put_threat_level(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(industry): Path<String>,
    AppJson(req): AppJson<ThreatLevelRequest>,
) -> ApiResult<Json<ThreatLevelDto>> {
    let errors = req.check(&industry);
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let ThreatLevelRequest { levels, source } = req;
    let levels_json = serde_json::to_string(&levels).map_err(anyhow::Error::from)?;
    let row = state
        .store()
        .publish_threat(&industry, &levels_json, &source, &caller.subject)
        .await?;
    tracing::info!(industry = %industry, seq = row.seq, by = %caller.subject, "threat level published");
    Ok(Json(ThreatLevelDto {
        industry,
        version: format!("{}+{}", state.params().threat.version, row.seq),
        seq: row.seq,
        levels,
        source,
        published_by: row.published_by,
        published_at: row.published_at,
    }))
}
