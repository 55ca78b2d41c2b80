//! The sector threat table (contract §13): the table in force (`GET /v1/threat-levels`), every
//! change to it (`GET /v1/threat-levels/history`), and the admin's override of one industry's
//! base levels (`PUT /v1/threat-levels/{industry}`: partial, perils not named keep theirs).

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use risk_core::vocab::{Industry, Peril};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::doc::{Authenticated, BadRequest, Invalid, RoleGuarded};
use super::extract::AppJson;
use super::page::{Cursor, Page, PageParams};
use super::sharing::{Change, apply, refresh, visible_ids};
use crate::app::AppState;
use crate::auth::{Admin, Caller};
use crate::problem::{ApiError, ApiResult, FieldProblem};
use crate::store::ThreatRow;

/// Body of an override.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"levels": {"ransomware": 1.5, "data_breach": 1.2}, "source": "JPCERT/CC advisory 2026-11"}))]
pub struct ThreatLevelRequest {
    /// Base frequency multiplier per peril, each within the model's bounds ([0.1, 10] by
    /// default); perils not listed keep their level. Advisories in force combine on top.
    pub levels: BTreeMap<String, f64>,
    /// Why (an advisory reference, a ticket).
    pub source: String,
}

impl ThreatLevelRequest {
    /// Every field error of an override for `industry` at once.
    fn check(&self, industry: &str, bounds: (f64, f64)) -> Vec<FieldProblem> {
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
            } else if !(x >= bounds.0 && x <= bounds.1) {
                bad(
                    path,
                    &format!("must be a number in [{}, {}]", bounds.0, bounds.1),
                );
            }
        }
        if let Some(m) = risk_core::text::problem(&self.source, 2000) {
            bad("source".into(), &m);
        }
        errors
    }
}

/// An override as published.
#[derive(Debug, Serialize, ToSchema)]
pub struct ThreatLevelDto {
    /// Industry.
    pub industry: String,
    /// Threat-table version new assessments record from now on.
    pub version: String,
    /// Position in the history.
    pub seq: i64,
    /// The industry's multiplier per peril in force after the override (base × advisories).
    pub levels: BTreeMap<String, f64>,
    /// Where the levels come from.
    pub source: String,
    /// Admin who published it.
    pub published_by: String,
    /// When (RFC 3339).
    pub published_at: String,
    /// Stored assessments re-priced.
    pub repriced: usize,
}

/// One industry and peril of the table in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct ThreatEntryDto {
    /// Frequency multiplier in force.
    pub multiplier: f64,
    /// The admin's base level it combines the advisories with.
    pub base: f64,
    /// Advisories in force on it that the caller may read.
    pub advisories: Vec<String>,
}

/// The threat table in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct ThreatTableDto {
    /// Version string new assessments record (`<model table>+<seq>`).
    pub version: String,
    /// Position in the history (0: the model file's own table).
    pub seq: i64,
    /// When the table was read (RFC 3339): it is the one in force then.
    pub as_of: String,
    /// When this version was made (null for the model file's table).
    pub since: Option<String>,
    /// How advisories combine: `product` (capped) or `maximum`.
    pub combination: String,
    /// Bounds every multiplier stays inside.
    pub bounds: [f64; 2],
    /// Industries with a level other than 1 or an advisory in force, per peril.
    #[schema(value_type = Object)]
    pub industries: BTreeMap<String, BTreeMap<String, ThreatEntryDto>>,
}

/// One change of the table.
#[derive(Debug, Serialize, ToSchema)]
pub struct ThreatChangeDto {
    /// Version it made.
    pub seq: i64,
    /// `publish`, `withdraw`, `expire`, `start`, `override`, or `publication` (a whole-row
    /// publication from before advisories).
    pub kind: String,
    /// Who (a subject; `system` for validity crossings).
    pub by: String,
    /// When (RFC 3339).
    pub at: String,
    /// Industries whose multipliers moved.
    pub industries: Vec<String>,
    /// What changed: the advisory (null when the caller may not read it) or the levels set.
    #[schema(value_type = Object)]
    pub what: Value,
}

/// One page of the history.
#[derive(Debug, Serialize, ToSchema)]
pub struct ThreatHistoryPage {
    /// At most `limit` changes, oldest first.
    pub items: Vec<ThreatChangeDto>,
    /// Cursor of the next page (pass it as `after`); `null` on the last page.
    pub next: Option<String>,
}

/// Override some of a sector's base threat levels (admin); perils not named keep theirs. A new
/// version of the table: later assessments use and record it, stored ones of the industry are
/// re-priced.
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
    let params = state.params();
    let errors = req.check(&industry, (params.sharing.min, params.sharing.max));
    let Some(ind) = Industry::parse(&industry).filter(|_| errors.is_empty()) else {
        return Err(ApiError::invalid(errors));
    };
    let levels: BTreeMap<Peril, f64> = req
        .levels
        .iter()
        .filter_map(|(k, v)| Peril::parse(k).map(|p| (p, *v)))
        .collect();
    let change = Change::Override {
        industry: ind,
        levels,
        source: req.source.clone(),
    };
    let applied = apply(&state, &caller, change).await?;
    let row = state
        .store()
        .latest_threat_row()
        .await?
        .filter(|r| r.seq == applied.seq)
        .ok_or_else(|| anyhow::anyhow!("threat version vanished after it was written"))?;
    tracing::info!(industry = %industry, seq = row.seq, by = %caller.subject, "threat level overridden");
    Ok(Json(ThreatLevelDto {
        industry,
        version: format!("{}+{}", params.threat.version, row.seq),
        seq: row.seq,
        levels: Peril::ALL
            .iter()
            .map(|p| (p.to_string(), applied.table.multiplier(ind, *p)))
            .collect(),
        source: req.source,
        published_by: row.published_by,
        published_at: row.published_at,
        repriced: applied.repriced,
    }))
}

/// The sector threat table in force (any authenticated caller): per industry and peril, the
/// multiplier new assessments use and the advisories behind it.
#[utoipa::path(get, path = "/v1/threat-levels",
    responses((status = 200, body = ThreatTableDto, description = "The table in force"), Authenticated),
    security(("bearer" = [])))]
pub async fn get_threat_levels(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<ThreatTableDto>> {
    let seq = refresh(&state).await?;
    let params = state.params();
    let rows = state.store().threat_rows().await?;
    let row = rows.iter().find(|r| r.seq == seq);
    let table = table_at(&state, &rows, seq)?;
    let mut industries = BTreeMap::new();
    for (ind, entries) in &table.industries {
        let mut perils = BTreeMap::new();
        for (p, e) in Peril::ALL.iter().zip(entries) {
            let advisories =
                visible_ids(&state, &e.advisories, caller.role, &caller.subject).await?;
            perils.insert(
                p.to_string(),
                ThreatEntryDto {
                    multiplier: e.multiplier,
                    base: e.base,
                    advisories,
                },
            );
        }
        industries.insert(ind.to_string(), perils);
    }
    let s = &params.sharing;
    Ok(Json(ThreatTableDto {
        version: if seq == 0 {
            params.threat.version.clone()
        } else {
            format!("{}+{seq}", params.threat.version)
        },
        seq,
        as_of: crate::store::timestamp(),
        since: row.map(|r| r.published_at.clone()),
        combination: s.combination.as_str().into(),
        bounds: [s.min, s.max],
        industries,
    }))
}

/// The table at version `seq` with its advisories (legacy versions: their levels, no advisories).
fn table_at(
    state: &AppState,
    rows: &[ThreatRow],
    seq: i64,
) -> ApiResult<risk_core::sharing::ThreatTable> {
    let params = state.params();
    match rows
        .iter()
        .find(|r| r.seq == seq)
        .and_then(|r| r.snapshot.as_deref())
    {
        Some(s) => Ok(super::sharing::table_from_json(s)?),
        None => Ok(risk_core::sharing::ThreatTable::derive(
            &super::sharing::levels_at(&params, rows, seq)?.0,
            &[],
            time::OffsetDateTime::UNIX_EPOCH,
            &params.sharing,
        )),
    }
}

/// Every change of the threat table, oldest first (any authenticated caller): who, when, what;
/// a page at a time. Advisories the caller may not read under their TLP label show as null.
#[utoipa::path(get, path = "/v1/threat-levels/history", params(PageParams),
    responses((status = 200, body = ThreatHistoryPage, description = "A page of changes, oldest first; follow `next` for the rest"), BadRequest, Authenticated, Invalid),
    security(("bearer" = [])))]
pub async fn threat_history(
    State(state): State<AppState>,
    caller: Caller,
    page: Page,
) -> ApiResult<Json<ThreatHistoryPage>> {
    refresh(&state).await?;
    let after: i64 = match &page.after {
        Some(c) => {
            c.id.parse()
                .map_err(|_| ApiError::invalid_field("after", "not a cursor of this listing"))?
        }
        None => 0,
    };
    let rows: Vec<ThreatRow> = state
        .store()
        .threat_rows()
        .await?
        .into_iter()
        .filter(|r| r.seq > after)
        .take(usize::try_from(page.limit + 1).unwrap_or(usize::MAX))
        .collect();
    let (rows, next) = page.split(rows, |r| Cursor {
        created_at: r.published_at.clone(),
        id: r.seq.to_string(),
    });
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        let mut what: Value = match &r.detail {
            Some(d) => serde_json::from_str(d).map_err(anyhow::Error::from)?,
            None => serde_json::json!({
                "levels": serde_json::from_str::<Value>(&r.levels).map_err(anyhow::Error::from)?,
                "source": r.source,
            }),
        };
        // Advisory ids the caller may not read are hidden.
        if let Some(obj) = what.as_object_mut() {
            if let Some(id) = obj
                .get("advisory")
                .and_then(Value::as_str)
                .map(str::to_string)
            {
                let shown = visible_ids(&state, &[id], caller.role, &caller.subject).await?;
                obj.insert("advisory".into(), shown.first().cloned().into());
            }
            for key in ["ended", "started"] {
                if let Some(ids) = obj.get(key).and_then(Value::as_array) {
                    let ids: Vec<String> = ids
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect();
                    let shown = visible_ids(&state, &ids, caller.role, &caller.subject).await?;
                    obj.insert(key.into(), shown.into());
                }
            }
        }
        items.push(ThreatChangeDto {
            seq: r.seq,
            kind: r.kind.clone().unwrap_or_else(|| "publication".into()),
            by: r.published_by,
            at: r.published_at,
            industries: r
                .industry
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            what,
        });
    }
    Ok(Json(ThreatHistoryPage { items, next }))
}
