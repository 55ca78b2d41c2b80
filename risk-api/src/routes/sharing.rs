//! The threat table in force and how it changes (contract §13): every change — an advisory
//! published or withdrawn, an advisory's validity starting or ending, an admin override — is
//! written as the next version of `threat_levels` together with the whole table it leaves in
//! force, and then the stored assessments of the industries whose multipliers moved are
//! re-priced, each with a `threat_level_changed` event for its owner and shared insurers.
//!
//! Validity is checked against the clock whenever the table is read ([`refresh`]: before every
//! pricing, every read of the table, and on the server's timer), so an advisory past its
//! `valid_until` stops applying, as a version of its own, even if nobody publishes anything.
//! Changes are written optimistically: version n + 1 is inserted only if nobody took it first,
//! else the change is recomputed from what is stored now.

use std::collections::BTreeMap;

use risk_core::params::{ModelParams, SharingParams, Tlp};
use risk_core::sharing::{Advisory, BaseLevels, Entry, ThreatTable, format_instant, parse_instant};
use risk_core::vocab::{Industry, PERILS, Peril};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::reprice::reprice_and_record;
use crate::app::AppState;
use crate::keys::{Caller, Role};
use crate::problem::{ApiError, ApiResult};
use crate::store::{AdvisoryRow, EventKind, NewThreatVersion, ThreatRow, VersionWrite};

/// How often a change is recomputed when other changes keep taking its version number.
const ATTEMPTS: usize = 8;

/// A change to the threat table.
#[derive(Debug, Clone)]
pub enum Change {
    /// A hub publishes an advisory (the row to store).
    Publish(Box<AdvisoryRow>),
    /// The hub that published advisory `id` withdraws it.
    Withdraw {
        /// Advisory id.
        id: String,
    },
    /// An admin sets some perils' base levels of one industry (the others keep theirs).
    Override {
        /// Industry.
        industry: Industry,
        /// Levels set.
        levels: BTreeMap<Peril, f64>,
        /// Where they come from.
        source: String,
    },
    /// Nothing but the clock: advisories whose validity started or ended since the last version.
    Clock,
}

/// What a change did.
#[derive(Debug, Clone)]
pub struct Applied {
    /// The table's version now (0: the model file's).
    pub seq: i64,
    /// The table in force now.
    pub table: ThreatTable,
    /// Industries whose multipliers moved.
    pub changed: Vec<Industry>,
    /// Assessments re-priced (one event each).
    pub repriced: usize,
}

/// The caller the server acts as for changes nobody asked for (the clock).
pub fn system() -> Caller {
    Caller {
        role: Role::Admin,
        subject: "system".into(),
    }
}

/// An advisory as the core reads it, from its stored row.
///
/// # Errors
/// A stored row that no longer parses (500).
pub fn advisory_of(r: &AdvisoryRow) -> anyhow::Result<Advisory> {
    let bad = |what: &str| anyhow::anyhow!("stored advisory {}: bad {what}", r.id);
    let industries: Vec<String> = serde_json::from_str(&r.industries)?;
    let multipliers: BTreeMap<String, f64> = serde_json::from_str(&r.multipliers)?;
    Ok(Advisory {
        id: r.id.clone(),
        title: r.title.clone(),
        industries: industries
            .iter()
            .map(|i| Industry::parse(i).ok_or_else(|| bad("industry")))
            .collect::<Result<_, _>>()?,
        multipliers: multipliers
            .iter()
            .map(|(k, v)| Peril::parse(k).map(|p| (p, *v)).ok_or_else(|| bad("peril")))
            .collect::<Result<_, _>>()?,
        valid_from: parse_instant(&r.valid_from, false).ok_or_else(|| bad("valid_from"))?,
        valid_until: parse_instant(&r.valid_until, false).ok_or_else(|| bad("valid_until"))?,
        source: r.source.clone(),
        tlp: Tlp::parse(&r.tlp).ok_or_else(|| bad("tlp"))?,
    })
}

/// The table as JSON: {industry: {peril: {multiplier, base, advisories}}}.
pub fn table_json(t: &ThreatTable) -> Value {
    let industries: Map<String, Value> = t
        .industries
        .iter()
        .map(|(i, entries)| {
            let perils: Map<String, Value> = Peril::ALL
                .iter()
                .zip(entries)
                .map(|(p, e)| {
                    let v = json!({"multiplier": e.multiplier, "base": e.base, "advisories": e.advisories});
                    (p.to_string(), v)
                })
                .collect();
            (i.to_string(), Value::Object(perils))
        })
        .collect();
    Value::Object(industries)
}

/// Reads [`table_json`] back.
pub fn table_from_json(s: &str) -> anyhow::Result<ThreatTable> {
    #[derive(serde::Deserialize)]
    struct E {
        multiplier: f64,
        base: f64,
        advisories: Vec<String>,
    }
    let m: BTreeMap<String, BTreeMap<String, E>> = serde_json::from_str(s)?;
    let mut industries = BTreeMap::new();
    for (i, perils) in m {
        let ind = Industry::parse(&i).ok_or_else(|| anyhow::anyhow!("snapshot: bad industry"))?;
        let mut entries: [Entry; PERILS] = std::array::from_fn(|_| Entry {
            multiplier: 1.0,
            base: 1.0,
            advisories: Vec::new(),
        });
        for (p, e) in perils {
            let p = Peril::parse(&p).ok_or_else(|| anyhow::anyhow!("snapshot: bad peril"))?;
            entries[p.index()] = Entry {
                multiplier: e.multiplier,
                base: e.base,
                advisories: e.advisories,
            };
        }
        industries.insert(ind, entries);
    }
    Ok(ThreatTable { industries })
}

fn levels_json(l: &BaseLevels) -> String {
    let m: BTreeMap<String, BTreeMap<String, f64>> = l
        .iter()
        .map(|(i, v)| {
            let perils = Peril::ALL
                .iter()
                .map(|p| (p.to_string(), v[p.index()]))
                .collect();
            (i.to_string(), perils)
        })
        .collect();
    serde_json::to_string(&m).unwrap_or_default()
}

fn levels_from_json(s: &str) -> anyhow::Result<BaseLevels> {
    let m: BTreeMap<String, BTreeMap<String, f64>> = serde_json::from_str(s)?;
    let mut out = BaseLevels::new();
    for (i, perils) in m {
        let ind = Industry::parse(&i).ok_or_else(|| anyhow::anyhow!("levels: bad industry"))?;
        let mut l = [1.0; PERILS];
        for (p, v) in perils {
            let p = Peril::parse(&p).ok_or_else(|| anyhow::anyhow!("levels: bad peril"))?;
            l[p.index()] = v;
        }
        out.insert(ind, l);
    }
    Ok(out)
}

/// Legacy rows (before versions carried their table): each industry's newest whole-row
/// publication up to `seq`, over the model file's levels.
fn legacy_levels(model: &ModelParams, rows: &[ThreatRow], seq: i64) -> anyhow::Result<BaseLevels> {
    let mut levels = model.threat.levels.clone();
    for r in rows.iter().filter(|r| r.seq <= seq && r.kind.is_none()) {
        let industry = Industry::parse(&r.industry)
            .ok_or_else(|| anyhow::anyhow!("threat row {}: unknown industry", r.seq))?;
        let map: BTreeMap<String, f64> = serde_json::from_str(&r.levels)?;
        let mut l = [1.0; PERILS];
        for (k, v) in map {
            let peril = Peril::parse(&k)
                .ok_or_else(|| anyhow::anyhow!("threat row {}: unknown peril", r.seq))?;
            l[peril.index()] = v;
        }
        levels.insert(industry, l);
    }
    Ok(levels)
}

/// The multipliers of the table at version `seq`, and whether that version predates the
/// separation of score and threat (a legacy row: the score keeps carrying the threat so its
/// assessments reproduce).
///
/// # Errors
/// A stored row that no longer parses.
pub fn levels_at(
    model: &ModelParams,
    rows: &[ThreatRow],
    seq: i64,
) -> anyhow::Result<(BaseLevels, bool)> {
    match rows.iter().find(|r| r.seq == seq) {
        Some(ThreatRow {
            snapshot: Some(s), ..
        }) => Ok((table_from_json(s)?.levels(), false)),
        _ => Ok((legacy_levels(model, rows, seq)?, true)),
    }
}

/// Base levels and table in force after the newest version (`None`: no version yet).
fn latest(
    model: &ModelParams,
    rows: &[ThreatRow],
) -> anyhow::Result<(i64, BaseLevels, ThreatTable)> {
    let Some(last) = rows.last() else {
        let base = model.threat.levels.clone();
        let table = ThreatTable::derive(&base, &[], OffsetDateTime::UNIX_EPOCH, &model.sharing);
        return Ok((0, base, table));
    };
    match (&last.base, &last.snapshot) {
        (Some(b), Some(s)) => Ok((last.seq, levels_from_json(b)?, table_from_json(s)?)),
        _ => {
            let base = legacy_levels(model, rows, last.seq)?;
            let table = ThreatTable::derive(&base, &[], OffsetDateTime::UNIX_EPOCH, &model.sharing);
            Ok((last.seq, base, table))
        }
    }
}

/// Advisory ids a caller of `role` (subject `subject`) may see among `ids`.
pub async fn visible_ids(
    state: &AppState,
    ids: &[String],
    role: Role,
    subject: &str,
) -> ApiResult<Vec<String>> {
    let sharing = state.params().sharing.clone();
    let mut out = Vec::new();
    for id in ids {
        if let Some(r) = state.store().advisory(id).await? {
            let tlp = Tlp::parse(&r.tlp).unwrap_or(Tlp::Red);
            if may_read(&sharing, tlp, role, &r.published_by, subject) {
                out.push(id.clone());
            }
        }
    }
    Ok(out)
}

/// Whether a caller may read an advisory labelled `tlp` published by `publisher`.
pub fn may_read(s: &SharingParams, tlp: Tlp, role: Role, publisher: &str, subject: &str) -> bool {
    (role == Role::Hub && publisher == subject) || s.may_read(tlp, role.as_str())
}

/// Brings the table up to the clock (a version for each crossing of a validity bound since the
/// last change) and re-prices what moved; returns the version in force.
///
/// # Errors
/// Database failures; stored rows that no longer parse.
pub async fn refresh(state: &AppState) -> ApiResult<i64> {
    Ok(apply(state, &system(), Change::Clock).await?.seq)
}

/// Applies a change: writes the next version with the table it leaves in force, then re-prices
/// the stored assessments of the industries whose multipliers moved. A publication, withdrawal
/// or override first lets the clock catch up, so each crossing is a version of its own.
///
/// # Errors
/// 409 when the advisory id is taken; 404 when a withdrawal names no standing advisory of the
/// caller; database failures.
pub async fn apply(state: &AppState, caller: &Caller, change: Change) -> ApiResult<Applied> {
    if !matches!(change, Change::Clock) {
        Box::pin(apply(state, &system(), Change::Clock)).await?;
    }
    let model = state.params();
    for _ in 0..ATTEMPTS {
        let rows = state.store().threat_rows().await?;
        let (prev, mut base, before) = latest(&model, &rows)?;
        let mut standing = Vec::new();
        for r in state.store().standing_advisories().await? {
            standing.push(advisory_of(&r)?);
        }
        let (kind, source, levels_set, detail) = match &change {
            Change::Publish(row) => {
                standing.push(advisory_of(row)?);
                (
                    "publish",
                    row.id.clone(),
                    "{}".to_string(),
                    json!({"advisory": row.id}),
                )
            }
            Change::Withdraw { id } => {
                standing.retain(|a| &a.id != id);
                (
                    "withdraw",
                    id.clone(),
                    "{}".to_string(),
                    json!({"advisory": id}),
                )
            }
            Change::Override {
                industry,
                levels,
                source,
            } => {
                let l = base.entry(*industry).or_insert([1.0; PERILS]);
                for (p, m) in levels {
                    l[p.index()] = *m;
                }
                let set: BTreeMap<String, f64> =
                    levels.iter().map(|(p, m)| (p.to_string(), *m)).collect();
                let set = serde_json::to_string(&set).map_err(anyhow::Error::from)?;
                let detail = json!({"industry": industry.to_string(), "levels": levels.iter().map(|(p, m)| (p.to_string(), *m)).collect::<BTreeMap<_, _>>(), "source": source});
                ("override", source.clone(), set, detail)
            }
            Change::Clock => ("clock", String::new(), "{}".to_string(), Value::Null),
        };
        let now = OffsetDateTime::now_utc();
        let after = ThreatTable::derive(&base, &standing, now, &model.sharing);
        let changed = after.changed_industries(&before);
        let (kind, detail) = if kind == "clock" {
            if after == before {
                return Ok(Applied {
                    seq: prev,
                    table: after,
                    changed,
                    repriced: 0,
                });
            }
            let ids = |t: &ThreatTable| -> Vec<String> {
                let mut v: Vec<String> = t
                    .industries
                    .values()
                    .flat_map(|e| e.iter().flat_map(|x| x.advisories.clone()))
                    .collect();
                v.sort();
                v.dedup();
                v
            };
            let (b, a) = (ids(&before), ids(&after));
            let ended: Vec<&String> = b.iter().filter(|x| !a.contains(x)).collect();
            let started: Vec<&String> = a.iter().filter(|x| !b.contains(x)).collect();
            let kind = if ended.is_empty() { "start" } else { "expire" };
            (
                kind,
                json!({"ended": ended, "started": started, "at": format_instant(now)}),
            )
        } else {
            (kind, detail)
        };
        let version = NewThreatVersion {
            industries: changed
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(","),
            levels: levels_set,
            source,
            by: caller.subject.clone(),
            kind: kind.into(),
            detail: detail.to_string(),
            base: levels_json(&base),
            snapshot: table_json(&after).to_string(),
        };
        let store = state.store();
        let written = match &change {
            Change::Publish(row) => store.publish_advisory(row, prev, &version).await?,
            Change::Withdraw { id } => {
                store
                    .withdraw_advisory(id, &caller.subject, prev, &version)
                    .await?
            }
            _ => store.append_threat_version(prev, &version).await?,
        };
        let seq = match written {
            VersionWrite::Committed(seq) => seq,
            VersionWrite::Raced => continue,
            VersionWrite::Refused => {
                return Err(match change {
                    Change::Publish(_) => ApiError::status(
                        axum::http::StatusCode::CONFLICT,
                        "an advisory with this id exists",
                    ),
                    _ => ApiError::not_found(),
                });
            }
        };
        tracing::info!(seq, kind, by = %caller.subject, changed = changed.len(), "threat table changed");
        let repriced = reprice_industries(state, caller, seq, &changed, &after, &detail).await;
        return Ok(Applied {
            seq,
            table: after,
            changed,
            repriced,
        });
    }
    Err(ApiError::status(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        "the threat table is changing too fast; try again",
    ))
}

/// Re-prices the stored assessments of `changed` industries under version `seq`, one event
/// each (the advisories in force for the industry and those the change concerned, as far as
/// every reader of the event — the owning firm and shared insurers — may see them). A failure is
/// logged, not returned: the version stands either way.
async fn reprice_industries(
    state: &AppState,
    caller: &Caller,
    seq: i64,
    changed: &[Industry],
    table: &ThreatTable,
    detail: &Value,
) -> usize {
    if changed.is_empty() {
        return 0;
    }
    let result: ApiResult<usize> = async {
        let all = state.store().assessment_industries().await?;
        let sharing = state.params().sharing.clone();
        let mut n = 0;
        for industry in changed {
            let name = industry.to_string();
            let mut recs = Vec::new();
            for (id, _) in all.iter().filter(|(_, i)| *i == name) {
                if let Some(r) = state.store().assessment(id).await? {
                    recs.push(r);
                }
            }
            if recs.is_empty() {
                continue;
            }
            let mut ids: Vec<String> = table
                .industries
                .get(industry)
                .map(|e| e.iter().flat_map(|x| x.advisories.clone()).collect())
                .unwrap_or_default();
            if let Some(id) = detail.get("advisory").and_then(Value::as_str) {
                ids.push(id.to_string());
            }
            for key in ["ended", "started"] {
                if let Some(a) = detail.get(key).and_then(Value::as_array) {
                    ids.extend(a.iter().filter_map(Value::as_str).map(str::to_string));
                }
            }
            ids.sort();
            ids.dedup();
            let mut shown = Vec::new();
            for id in ids {
                if let Some(r) = state.store().advisory(&id).await? {
                    let tlp = Tlp::parse(&r.tlp).unwrap_or(Tlp::Red);
                    if sharing.may_read(tlp, "firm") && sharing.may_read(tlp, "insurer") {
                        shown.push(id);
                    }
                }
            }
            let mut d = Map::new();
            d.insert("industry".into(), name.into());
            d.insert("threat_version".into(), seq.into());
            d.insert("advisories".into(), json!(shown));
            reprice_and_record(state, caller, &recs, EventKind::ThreatLevelChanged, &d).await?;
            n += recs.len();
        }
        Ok(n)
    }
    .await;
    result.unwrap_or_else(|e| {
        tracing::error!(seq, error = ?e, "re-pricing after a threat-table change failed");
        0
    })
}

/// The model `base` with the threat table at version `seq` (0: the model file's own).
///
/// # Errors
/// A stored row that no longer parses.
pub fn model_at(base: &ModelParams, rows: &[ThreatRow], seq: i64) -> anyhow::Result<ModelParams> {
    let mut p = base.clone();
    if seq == 0 {
        return Ok(p);
    }
    let (levels, in_score) = levels_at(base, rows, seq)?;
    p.threat.levels = levels;
    p.threat.in_score = in_score;
    p.threat.version = format!("{}+{seq}", base.threat.version);
    Ok(p)
}
