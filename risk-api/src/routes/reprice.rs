//! Re-pricing stored assessments when something they rely on changes (a certificate's status,
//! the threat table), and the events that tell their owners and shared insurers (contract §11).
//!
//! A stored assessment is a record of what was priced and stays as it was (a re-run with
//! `recompute=true` reproduces it). Re-pricing runs the same stored inputs — profile, model
//! version, seed, trials, valuation date — under the state of the world now, and the event
//! carries the charged premium before (the stored one, or the last event's `premium_after`) and
//! after, and the technical premium likewise (`technical_before`, `technical_after`).

use risk_core::pricing::assess;

use super::assessments::{current_params_for, stored_profile};
use super::registry::verify_stored;
use super::run;
use crate::app::AppState;
use crate::dto::firm::AssessmentDto;
use crate::keys::Caller;
use crate::problem::ApiResult;
use crate::store::{AssessmentRecord, EventKind, NewEvent};

/// The premium an Assessment charges: `premium.charged` (model 1.5.0 on), else the technical
/// premium (model 1.0.0 has no rating plan).
pub fn charged(a: &AssessmentDto) -> f64 {
    a.premium.charged.unwrap_or(a.premium.technical)
}

/// A stored assessment re-run under the state of the world now: the model it was priced with,
/// the newest threat table and the registry's newest facts about the certificates it relied on. `caller` is who caused the change (it takes a simulation slot).
///
/// # Errors
/// 409 when the model is no longer loaded; 503 when no simulation slot is free; 500 when the
/// stored inputs no longer parse.
pub async fn reprice(
    state: &AppState,
    caller: &Caller,
    rec: &AssessmentRecord,
) -> ApiResult<AssessmentDto> {
    let params = current_params_for(state, rec).await?;
    let mut profile = stored_profile(rec, &params)?;
    // The certificates it relied on as the registry stands now (their new standing).
    let position = state.store().registry_position().await?;
    verify_stored(state, rec, &mut profile, position).await?;
    let (trials, seed, id) = (rec.trials, rec.seed, rec.id.clone());
    run(state, caller, move || {
        let a = assess(&profile, &params, trials, seed);
        AssessmentDto::new(id, &profile, &params, &a, true)
    })
    .await
}

/// Re-prices `recs` and appends one `kind` event per assessment (with `detail` beside the
/// premiums), all in one transaction once every re-run has finished; returns the events.
///
/// # Errors
/// As [`reprice`], and database failures (nothing is appended then).
pub async fn reprice_and_record(
    state: &AppState,
    caller: &Caller,
    recs: &[AssessmentRecord],
    kind: EventKind,
    detail: &serde_json::Map<String, serde_json::Value>,
) -> ApiResult<Vec<NewEvent>> {
    let mut events = Vec::with_capacity(recs.len());
    for rec in recs {
        let stored = rec.assessment().map_err(anyhow::Error::from)?;
        let last = state.store().last_event_body(&rec.id).await?;
        let read = |k: &str| last.as_ref().and_then(|b| b.get(k)?.as_f64());
        let before = read("premium_after").unwrap_or_else(|| charged(&stored));
        let technical_before = read("technical_after").unwrap_or(stored.premium.technical);
        let now = reprice(state, caller, rec).await?;
        // The technical premium beside the charged one: it moves with the risk on common random
        // numbers, while the charged premium's bounded schedule can hide (or, through the
        // layer factor, invert) a change in risk.
        let mut detail = detail.clone();
        detail.insert("technical_before".into(), technical_before.into());
        detail.insert("technical_after".into(), now.premium.technical.into());
        detail.insert("currency".into(), stored.premium.currency.clone().into());
        detail.insert("firm".into(), stored.firm.name.clone().into());
        events.push(NewEvent {
            kind,
            assessment_id: rec.id.clone(),
            premium_before: before,
            premium_after: charged(&now),
            detail,
        });
    }
    state.store().append_events(&events).await?;
    Ok(events)
}
