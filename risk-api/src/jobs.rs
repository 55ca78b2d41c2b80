//! The portfolio-job worker of one replica: it claims jobs from the database, runs them under a
//! lease it renews, and writes their outcome only while it still holds the lease.
//!
//! Why from the database and not from memory: replicas share one database and any of them may
//! stop or crash. A job belongs to no replica until a worker claims it ([`Store::claim_job`]);
//! a worker that dies stops renewing its lease, and once the lease lapses another replica's
//! worker claims the job and runs it again from its stored input (results depend only on the
//! input, seed and trials, so a re-run gives the same report). A starting replica never touches
//! other replicas' jobs. A stopping one ([`Jobs::shutdown`]) stops its runs at the next part of
//! the book (under a second) and gives their leases back, so the jobs are queued for whoever
//! comes next.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use risk_core::params::parse_date;
use tokio::sync::{Notify, OwnedSemaphorePermit};

use crate::app::AppState;
use crate::portfolio_io::{FileKind, model_shocks, read_policies_bytes};
use crate::service::portfolio_report_until;
use crate::store::{ClaimedJob, Store, now_ms};

/// Claims after which a job whose worker keeps dying is failed instead of handed on.
pub const MAX_ATTEMPTS: i64 = 3;

/// The job worker of this replica (cheap to clone).
#[derive(Clone, Debug)]
pub struct Jobs {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// Names this worker in `lease_owner`: the process id (so operators and tests can tell
    /// replicas apart) and a random part.
    owner: String,
    started: AtomicBool,
    stopping: AtomicBool,
    running: AtomicUsize,
    wake: Notify,
}

impl Default for Jobs {
    fn default() -> Self {
        let random = uuid::Uuid::new_v4().simple().to_string();
        Jobs {
            inner: Arc::new(Inner {
                owner: format!("pid{}-{}", std::process::id(), &random[..12]),
                started: AtomicBool::new(false),
                stopping: AtomicBool::new(false),
                running: AtomicUsize::new(0),
                wake: Notify::new(),
            }),
        }
    }
}

impl Jobs {
    /// This worker's name in the `lease_owner` column.
    pub fn owner(&self) -> &str {
        &self.inner.owner
    }

    /// Starts the worker loop once (later calls only wake it): it claims a job whenever a
    /// simulation slot is free, polling every [`crate::app::Config::job_poll`] and at once when
    /// this replica accepts one.
    pub fn start(&self, state: &AppState) {
        if !self.inner.started.swap(true, Ordering::SeqCst) {
            tokio::spawn(worker(state.clone()));
        }
        self.inner.wake.notify_one();
    }

    fn stopping(&self) -> bool {
        self.inner.stopping.load(Ordering::SeqCst)
    }

    /// Stops claiming, has the running jobs stop at their next part and give their leases back
    /// (queued again), and waits for them up to `grace`; returns how many were still running.
    pub async fn shutdown(&self, grace: Duration) -> usize {
        self.inner.stopping.store(true, Ordering::SeqCst);
        self.inner.wake.notify_waiters();
        let deadline = tokio::time::Instant::now() + grace;
        while self.inner.running.load(Ordering::SeqCst) > 0
            && tokio::time::Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.inner.running.load(Ordering::SeqCst)
    }
}

/// Counts a run while it lasts.
struct Running(Arc<Inner>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.running.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn worker(state: AppState) {
    let jobs = state.jobs().clone();
    let cfg = state.config().clone();
    let store = state.store().clone();
    while !jobs.stopping() {
        match store.fail_abandoned_jobs(now_ms(), MAX_ATTEMPTS).await {
            Ok(n) if n > 0 => tracing::warn!(
                jobs = n,
                "portfolio jobs failed after {MAX_ATTEMPTS} lost workers"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "cannot sweep abandoned portfolio jobs"),
        }
        // A slot first: a replica claims only what it can start now.
        let permit = tokio::select! {
            p = state.runs().clone().acquire_owned() => p.ok(),
            // Woken while waiting (a stop, or a new job): look again.
            () = jobs.inner.wake.notified() => continue,
        };
        let Some(permit) = permit else { break };
        if jobs.stopping() {
            break;
        }
        let lease = millis(cfg.job_lease);
        let now = now_ms();
        match store
            .claim_job(jobs.owner(), now, now.saturating_add(lease), MAX_ATTEMPTS)
            .await
        {
            Ok(Some(job)) => {
                tracing::info!(job = %job.id, attempt = job.attempts, "portfolio job claimed");
                jobs.inner.running.fetch_add(1, Ordering::SeqCst);
                let guard = Running(jobs.inner.clone());
                tokio::spawn(run(state.clone(), job, permit, guard));
                continue;
            }
            Ok(None) => drop(permit),
            Err(e) => {
                drop(permit);
                tracing::warn!(error = %e, "cannot claim portfolio jobs");
            }
        }
        tokio::select! {
            () = jobs.inner.wake.notified() => {}
            () = tokio::time::sleep(cfg.job_poll) => {}
        }
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Runs one claimed job: the heartbeat renews the lease every `job_heartbeat`; the run stops at
/// the next part of the book when the lease is lost or the server stops.
async fn run(state: AppState, job: ClaimedJob, permit: OwnedSemaphorePermit, _running: Running) {
    let store = state.store().clone();
    let owner = state.jobs().owner().to_string();
    let cfg = state.config().clone();
    let lost = Arc::new(AtomicBool::new(false));
    let heartbeat = {
        let (store, owner, id, lost) = (store.clone(), owner.clone(), job.id.clone(), lost.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(cfg.job_heartbeat).await;
                let until = now_ms().saturating_add(millis(cfg.job_lease));
                match store.renew_lease(&id, &owner, until).await {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::warn!(job = %id, "portfolio job lease lost; stopping this run");
                        lost.store(true, Ordering::SeqCst);
                        return;
                    }
                    Err(e) => {
                        tracing::warn!(job = %id, error = %e, "cannot renew a portfolio job lease")
                    }
                }
            }
        })
    };
    let id = job.id.clone();
    // Accepted by a replica that knows a model version published after this one started.
    if state
        .model(&job.input.model_version, &job.input.model_hash)
        .is_none()
        && let Err(e) = state.load_models().await
    {
        tracing::warn!(job = %id, error = %e, "cannot reload the published models");
    }
    // The threat table it was accepted under (read here: the computation below is blocking).
    let threat_rows = match state.store().threat_rows().await {
        Ok(rows) => rows,
        Err(e) => {
            tracing::warn!(job = %id, error = %e, "cannot read the threat table; the job's lease will lapse");
            heartbeat.abort();
            return;
        }
    };
    let work = {
        let (state, lost) = (state.clone(), lost.clone());
        move || {
            compute(&state, &job, &threat_rows, &|| {
                lost.load(Ordering::SeqCst) || state.jobs().stopping()
            })
        }
    };
    let out = tokio::task::spawn_blocking(work).await;
    heartbeat.abort();
    drop(permit);
    let outcome = match out {
        Ok(Some(Ok(report))) => Ok(report),
        Ok(Some(Err(e))) => Err(e),
        Ok(None) => {
            if !lost.load(Ordering::SeqCst) {
                match store.release_job(&id, &owner).await {
                    Ok(true) => tracing::info!(job = %id, "portfolio job stopped and queued again"),
                    Ok(false) => {}
                    Err(e) => {
                        tracing::warn!(job = %id, error = %e, "cannot release a portfolio job; its lease will lapse")
                    }
                }
            }
            return;
        }
        Err(e) => {
            tracing::error!(job = %id, error = %e, "portfolio job failed");
            Err("internal error".to_string())
        }
    };
    finish(&store, &id, &owner, outcome).await;
}

async fn finish(store: &Store, id: &str, owner: &str, outcome: Result<(String, String), String>) {
    match store.finish_job(id, owner, outcome).await {
        Ok(true) => tracing::info!(job = %id, "portfolio job finished"),
        Ok(false) => {
            tracing::warn!(job = %id, "portfolio job finished elsewhere; this run's outcome is dropped")
        }
        Err(e) => {
            tracing::error!(job = %id, error = %e, "cannot record the portfolio job's outcome")
        }
    }
}

/// The job's report as JSON (`Some(Err)`: why it failed; `None`: stopped).
fn compute(
    state: &AppState,
    job: &ClaimedJob,
    threat_rows: &[crate::store::ThreatRow],
    stop: &dyn Fn() -> bool,
) -> Option<Result<(String, String), String>> {
    let input = &job.input;
    let Some(model) = state.model(&input.model_version, &input.model_hash) else {
        return Some(Err(format!(
            "model {} is not loaded on this server",
            input.model_version
        )));
    };
    // The threat table in force when the job was accepted, whatever changed since.
    let params = match crate::routes::params_at(&model, threat_rows, input.threat_seq) {
        Ok(p) => p,
        Err(e) => return Some(Err(format!("threat table: {e}"))),
    };
    let kind = if input.kind == "parquet" {
        FileKind::Parquet
    } else {
        FileKind::Csv
    };
    let Some(today) = parse_date(&input.accepted_on) else {
        return Some(Err("stored job has no acceptance date".into()));
    };
    let portfolio = read_policies_bytes(&input.body, kind, &params, today)
        .map_err(|m| format!("body: {m}"))
        .and_then(|p| {
            let ids = crate::suppliers_io::named(&p);
            let shocks =
                crate::suppliers_io::book_shocks(&params, model_shocks(&params), &ids, &[], today);
            risk_core::portfolio::Portfolio::new(p, shocks).map_err(|e| format!("body: {e}"))
        });
    let portfolio = match portfolio {
        Ok(p) => p,
        Err(e) => return Some(Err(e)),
    };
    let (report, table, names) = portfolio_report_until(&portfolio, job.trials, job.seed, stop)?;
    // The report records the threat table's version beside its numbers.
    let out = serde_json::to_value(&report)
        .map(|mut v| {
            if let Some(o) = v.as_object_mut() {
                o.insert(
                    "threat_level_version".into(),
                    params.threat.version.clone().into(),
                );
            }
            v.to_string()
        })
        .map_err(|e| format!("report: {e}"))
        .and_then(|r| {
            let ord = crate::ord::csv_tables(&table, &names)?;
            Ok((
                r,
                serde_json::to_string(&ord).map_err(|e| format!("ord: {e}"))?,
            ))
        });
    Some(out)
}
