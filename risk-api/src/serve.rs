//! `risk serve` and `risk keys create`: opening the store, demo data, binding the socket.

use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use risk_core::params::{DEFAULT_MODEL, ModelParams};

use crate::app::{AppState, Config, app};
use crate::auth::{Caller, Role, key_hash, new_key};
use crate::routes::store_assessment;
use crate::store::Store;

/// Demo firms: subject and profile (from data/profiles/).
const DEMO_FIRMS: &[(&str, &str)] = &[
    (
        "demo-manufacturer",
        include_str!("../../data/profiles/manufacturer-ot-iso27001.json"),
    ),
    (
        "demo-bank",
        include_str!("../../data/profiles/bank-27001-pci-soc2.json"),
    ),
    (
        "demo-hospital",
        include_str!("../../data/profiles/hospital-no-certification.json"),
    ),
];

/// The demo insurer's subject.
pub const DEMO_INSURER: &str = "demo-insurer";

/// Makes a key (expiring at the start of `expires`, YYYY-MM-DD UTC, if given), stores its hash
/// and returns the key (shown once) and its holder.
///
/// # Errors
/// When the store cannot be opened or written, or the OS RNG fails.
pub async fn create_key(
    database: &str,
    role: Role,
    subject: Option<String>,
    expires: Option<String>,
) -> anyhow::Result<(String, Caller)> {
    let store = Store::open(database).await?;
    let caller = Caller {
        role,
        subject: match subject {
            Some(s) => s,
            None => {
                let k = new_key()?;
                format!("{role}-{}", &k[3..11])
            }
        },
    };
    let key = new_key()?;
    store
        .insert_key_expiring(&key_hash(&key), &caller, expires.as_deref())
        .await?;
    store.close().await;
    Ok((key, caller))
}

/// Seeds an empty database (no keys) with demo keys, firms' assessments and one share; returns
/// the keys made, or nothing when the database was not empty.
///
/// # Errors
/// When the store fails.
pub async fn seed_demo(state: &AppState) -> anyhow::Result<Vec<(Caller, String)>> {
    let store = state.store();
    if store.key_count().await? > 0 {
        return Ok(Vec::new());
    }
    let mut callers = vec![
        Caller {
            role: Role::Admin,
            subject: "demo-admin".into(),
        },
        Caller {
            role: Role::Insurer,
            subject: DEMO_INSURER.into(),
        },
    ];
    callers.extend(DEMO_FIRMS.iter().map(|(s, _)| Caller {
        role: Role::Firm,
        subject: (*s).into(),
    }));
    let mut keys = Vec::new();
    for c in callers {
        let key = new_key()?;
        store.insert_key(&key_hash(&key), &c).await?;
        keys.push((c, key));
    }
    for (i, (subject, profile)) in DEMO_FIRMS.iter().enumerate() {
        let firm = Caller {
            role: Role::Firm,
            subject: (*subject).into(),
        };
        let (id, _) = store_assessment(
            state,
            &firm,
            (*profile).to_string(),
            crate::routes::DEFAULT_TRIALS,
            0,
        )
        .await
        .map_err(|e| anyhow::anyhow!("demo assessment of {subject}: {e:?}"))?;
        if i == 0 {
            store.grant(&id, DEMO_INSURER, subject).await?;
        }
        tracing::info!(id = %id, firm = subject, shared_with = if i == 0 { DEMO_INSURER } else { "-" }, "demo assessment stored");
    }
    Ok(keys)
}

/// Runs the service until Ctrl-C or SIGTERM; a SQLite file that does not exist is created only
/// when `create`.
///
/// # Errors
/// When the database is missing (without `create`) or cannot be opened, or the address bound.
pub async fn serve(
    addr: SocketAddr,
    database: &str,
    demo: bool,
    create: bool,
) -> anyhow::Result<()> {
    use tracing_subscriber::EnvFilter;
    // A log on a full disk (or a closed stderr) loses lines, never requests: the subscriber's
    // own report of a failed write would `eprintln!` to that same stderr and panic the handler
    // that logged, so it is off.
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .log_internal_errors(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info")),
        )
        .try_init();
    let params = ModelParams::parse(DEFAULT_MODEL).context("built-in model")?;
    let store = Store::open_existing(database, create).await?;
    tracing::info!(backend = ?store.backend(), "database open and migrated");
    let config = Config {
        // Test only (tests/browser.sh): lets the page take a key from the URL fragment.
        ui_test_mode: std::env::var("RISK_UI_TEST_MODE").is_ok_and(|v| v == "1"),
        // Failed authentications a client may make at once (0: no throttling; default 10).
        auth_failures: std::env::var("RISK_AUTH_FAILURES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(Config::default().auth_failures),
        // Portfolio-job leases (milliseconds; short ones for tests of failover).
        job_lease: env_ms("RISK_JOB_LEASE_MS").unwrap_or(Config::default().job_lease),
        job_heartbeat: env_ms("RISK_JOB_HEARTBEAT_MS").unwrap_or(Config::default().job_heartbeat),
        job_poll: env_ms("RISK_JOB_POLL_MS").unwrap_or(Config::default().job_poll),
        ..Config::default()
    };
    if config.ui_test_mode {
        tracing::warn!("RISK_UI_TEST_MODE=1: the web page accepts keys from URL fragments");
    }
    // Jobs other replicas (or this one before a stop) left are not touched here: the worker
    // claims queued jobs and those whose lease lapsed.
    let state = AppState::new(store, params, config);
    state.load_models().await?;
    tracing::info!(model = %state.params().id(), "model in force");
    if demo {
        let keys = seed_demo(&state).await?;
        if !keys.is_empty() {
            // The keys are shown once: a stdout that cannot take them is an error (the
            // database keeps its hashes only), not a panic.
            let mut text = String::from(
                "New database: demo data seeded. DEMO KEYS (demo only, shown once):\n",
            );
            for (c, k) in &keys {
                text.push_str(&format!("  {:<8} {:<18} {k}\n", c.role.as_str(), c.subject));
            }
            text.push_str(&format!(
                "The demo-manufacturer's assessment is shared with {DEMO_INSURER}. \
                 Make real keys with `risk keys create`.\n"
            ));
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .context(
                    "cannot print the demo keys (stdout); make keys with `risk keys create`",
                )?;
        }
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    tracing::info!(addr = %listener.local_addr()?, "listening");
    state.jobs().start(&state);
    let clock = tokio::spawn(threat_clock(state.clone()));
    accept_loop(listener, app(state.clone()), &state).await;
    clock.abort();
    state.store().close().await;
    tracing::info!("stopped");
    Ok(())
}

/// How often the server checks whether an advisory's validity started or ended (each crossing
/// is a new version of the threat table and re-prices what it moves; reads and pricing check
/// too, so this only bounds how late an unobserved crossing is recorded).
const THREAT_CLOCK: Duration = Duration::from_secs(60);

/// Brings the threat table up to the clock every [`THREAT_CLOCK`] (`RISK_THREAT_CLOCK_MS`).
async fn threat_clock(state: AppState) {
    let every = env_ms("RISK_THREAT_CLOCK_MS").unwrap_or(THREAT_CLOCK);
    loop {
        tokio::time::sleep(every).await;
        if let Err(e) = crate::routes::sharing::refresh(&state).await {
            tracing::warn!(error = ?e, "cannot bring the threat table up to the clock");
        }
    }
}

/// A duration in milliseconds from the environment variable `name`, if set and valid.
fn env_ms(name: &str) -> Option<Duration> {
    let ms: u64 = std::env::var(name).ok()?.parse().ok()?;
    (ms > 0).then(|| Duration::from_millis(ms))
}

/// Longest running portfolio jobs get to stop (at their next part, under a second) and give
/// their leases back after a shutdown signal.
const JOB_STOP_GRACE: Duration = Duration::from_secs(5);

/// Longest a client may take to send a request's headers (slow-header clients are dropped).
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest in-flight requests get to finish after a shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// Serves HTTP/1.1 connections until Ctrl-C or SIGTERM, then lets in-flight requests finish.
///
/// Like `axum::serve`, plus a header-read deadline, which `axum::serve` does not set; each
/// request carries the peer address as `ConnectInfo` (for `/metrics`).
async fn accept_loop(listener: tokio::net::TcpListener, router: axum::Router, state: &AppState) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::server::graceful::GracefulShutdown;
    use hyper_util::service::TowerToHyperService;
    use tower::ServiceExt;

    let graceful = GracefulShutdown::new();
    let mut stop = std::pin::pin!(shutdown());
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(c) => c,
                Err(e) => {
                    // Out of file descriptors and the like: back off rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let _ = stream.set_nodelay(true);
        let svc = router.clone().map_request(
            move |mut req: axum::http::Request<hyper::body::Incoming>| {
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                req.map(axum::body::Body::new)
            },
        );
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(HEADER_READ_TIMEOUT)
            .serve_connection(
                TokioIo::new(crate::rawio::ProblemIo::new(stream)),
                TowerToHyperService::new(svc),
            );
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    // In-flight requests finish while running jobs stop and give their leases back.
    let (requests, left) = tokio::join!(
        tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()),
        state.jobs().shutdown(JOB_STOP_GRACE),
    );
    if requests.is_err() {
        tracing::warn!("in-flight requests did not finish within the shutdown grace period");
    }
    if left > 0 {
        tracing::warn!(
            jobs = left,
            "portfolio jobs did not stop in time; their leases will lapse"
        );
    }
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
