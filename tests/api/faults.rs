//! Faults of the database under a running service: a configured SQLite file that is missing at
//! start (refused unless `--create`), the file deleted or made unwritable while running, and
//! PostgreSQL gone. Readiness (`/readyz`) fails with 503 while liveness (`/healthz`) stays 200,
//! and requests that need the database are answered 503 problem+json with `Retry-After`, never
//! acknowledged.

use std::process::Command;
use std::time::{Duration, Instant};

use risk_api::store::Store;

use crate::harness::*;
use crate::jobs::{Server, http};

#[test]
fn a_missing_database_file_is_refused_unless_created() {
    let path = temp_db("missing.db");
    let db = path.to_str().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_risk"))
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--no-demo",
            "--database",
            db,
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("does not exist") && err.contains("--create"),
        "{err}"
    );
    assert!(!path.exists(), "a file was created");
    // Asked to create it: it starts, on a new database.
    let s = Server::start(db, "create");
    assert_eq!(http(&s.base, "GET", "/readyz", None, None).0, 200);
    drop(s);
    assert!(path.exists());
}

/// The README's first run (`risk serve`, nothing configured) still creates risk.db in the
/// working directory.
#[test]
fn the_first_run_creates_the_default_database() {
    let dir = temp_db("x").parent().unwrap().to_path_buf();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_risk"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}"), "--no-demo"])
        .env_remove("DATABASE_URL")
        .current_dir(&dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    while http(&base, "GET", "/readyz", None, None).0 != 200 {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("risk serve did not start on the default database");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(dir.join("risk.db").exists());
}

/// Readiness 503 and liveness 200, a write and a read 503 with `Retry-After`.
async fn unavailable(e: &Env) {
    let r = check(e, get("/readyz"), 503).await;
    assert!(r.headers.contains_key("retry-after"));
    check(e, get("/healthz"), 200).await;
    let w = check(
        e,
        post(&format!("/v1/assessments?{TRIALS}"), PROFILE).by(&e.firm_a),
        503,
    )
    .await;
    assert!(w.headers.contains_key("retry-after"), "{}", w.text);
    check(e, get("/v1/assessments").by(&e.firm_a), 503).await;
}

#[tokio::test]
async fn a_deleted_database_file_is_unready_and_refuses_writes() {
    let path = temp_db("deleted.db");
    let e = env_on(
        Store::open(path.to_str().unwrap()).await.unwrap(),
        test_config(),
    )
    .await;
    crate::create(&e, &e.firm_a, PROFILE).await;
    check(&e, get("/readyz"), 200).await;
    std::fs::remove_file(&path).unwrap();
    unavailable(&e).await;
    assert!(!path.exists(), "the service made a new, empty database");
}

/// Made immutable (as root; SQLite's memory-mapped index of an immutable file used to end the
/// process with SIGBUS) or read-only (otherwise): unready and refusing; ready again once it is
/// writable.
#[tokio::test]
async fn an_unwritable_database_file_is_unready_and_refuses_writes() {
    let path = temp_db("unwritable.db");
    let e = env_on(
        Store::open(path.to_str().unwrap()).await.unwrap(),
        test_config(),
    )
    .await;
    crate::create(&e, &e.firm_a, PROFILE).await;
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    let mut shm = path.clone().into_os_string();
    shm.push("-shm");
    let files = [path.as_os_str().to_owned(), shm];
    let set = |lock: bool| {
        for f in &files {
            if root {
                let flag = if lock { "+i" } else { "-i" };
                let ok = Command::new("chattr").arg(flag).arg(f).status().unwrap();
                assert!(ok.success(), "chattr {flag}");
            } else {
                use std::os::unix::fs::PermissionsExt;
                let mode = if lock { 0o444 } else { 0o644 };
                std::fs::set_permissions(f, std::fs::Permissions::from_mode(mode)).unwrap();
            }
        }
    };
    set(true);
    let outcome = tokio::spawn({
        let e = Env {
            state: e.state.clone(),
            admin: e.admin.clone(),
            insurer_s: e.insurer_s.clone(),
            insurer_n: e.insurer_n.clone(),
            firm_a: e.firm_a.clone(),
            firm_b: e.firm_b.clone(),
        };
        async move { unavailable(&e).await }
    })
    .await;
    set(false);
    outcome.unwrap();
    check(&e, get("/readyz"), 200).await;
    crate::create(&e, &e.firm_a, PROFILE).await;
}

/// PostgreSQL reached through a loopback proxy that the test then stops: readiness 503 within
/// its 3 s bound, liveness 200, requests 503.
#[tokio::test]
#[ignore = "needs PostgreSQL: set DATABASE_URL (see .ci/run)"]
async fn postgres_gone_is_unready_and_503_postgres() {
    use tokio::net::{TcpListener, TcpStream};
    let url = std::env::var("DATABASE_URL").unwrap_or_default();
    assert!(url.starts_with("postgres"), "this test needs PostgreSQL");
    let target = url
        .split('@')
        .nth(1)
        .and_then(|h| h.split('/').next())
        .unwrap()
        .to_string();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let conns = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let proxy = tokio::spawn({
        let (conns, target) = (conns.clone(), target.clone());
        async move {
            loop {
                let (mut a, _) = listener.accept().await.unwrap();
                let target = target.clone();
                let h = tokio::spawn(async move {
                    let mut b = TcpStream::connect(&target).await.unwrap();
                    let _ = tokio::io::copy_bidirectional(&mut a, &mut b).await;
                });
                conns.lock().unwrap().push(h);
            }
        }
    });
    let proxied = url.replacen(&target, &format!("127.0.0.1:{port}"), 1);
    let schema = format!("risk_gone_{}", uuid::Uuid::new_v4().simple());
    let store = Store::open_in_schema(&proxied, Some(&schema))
        .await
        .unwrap();
    let e = env_on(store, test_config()).await;
    crate::create(&e, &e.firm_a, PROFILE).await;
    check(&e, get("/readyz"), 200).await;
    // PostgreSQL goes away: no listener, every connection cut.
    proxy.abort();
    for h in conns.lock().unwrap().drain(..) {
        h.abort();
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let t = Instant::now();
    check(&e, get("/readyz"), 503).await;
    eprintln!("PostgreSQL gone: /readyz 503 after {:?}", t.elapsed());
    let t = Instant::now();
    unavailable(&e).await;
    eprintln!(
        "PostgreSQL gone: readiness, liveness, a write and a read in {:?}",
        t.elapsed()
    );
    // Two requests that need the database, each bounded by the 3 s acquire timeout, and
    // readiness by its own 3 s: well under 15 s (with the
    // former 10 s acquire timeout the two requests alone took 20 s).
    assert!(t.elapsed() < Duration::from_secs(15), "{:?}", t.elapsed());
    // Clean up through a direct connection.
    let direct = Store::open_in_schema(&url, Some(&schema)).await.unwrap();
    drop_schema(&direct, &schema).await;
}

/// A log on a full disk loses lines, never requests (reliability finding: requests got no
/// answer, "handler panicked"): `risk serve` with stdout and stderr on `/dev/full` (every
/// write fails with ENOSPC) answers requests that log and write; the first run on a new
/// database, which must print its demo keys, exits 1 instead of panicking (101).
#[test]
fn a_full_log_disk_loses_lines_not_requests() {
    let full = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full (a device whose writes fail with ENOSPC)")
    };
    let path = temp_db("full-log.db");
    let db = path.to_str().unwrap().to_string();
    let firm = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = Store::open(&db).await.unwrap();
        key(&store, risk_api::auth::Role::Firm, "firm-a").await
    });
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_risk"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .args(["--database", &db, "--no-demo"])
        .env("RUST_LOG", "debug,sqlx=warn")
        .stdout(full())
        .stderr(full())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while http(&base, "GET", "/readyz", None, None).0 != 200 {
        if Instant::now() > deadline || child.try_wait().unwrap().is_some() {
            let _ = child.kill();
            panic!("risk serve did not start with its log on a full device");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let auth = format!("Authorization: Bearer {firm}");
    let post = Command::new("curl")
        .args(["-s", "-m", "60", "-o", "/dev/null", "-w", "%{http_code}"])
        .args(["-H", &auth, "-H", "Content-Type: application/json"])
        .args(["--data-binary", PROFILE])
        .arg(format!("{base}/v1/assessments?trials=1000&seed=1"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&post.stdout), "201");
    for _ in 0..20 {
        assert_eq!(http(&base, "GET", "/healthz", None, None).0, 200);
        assert_eq!(http(&base, "GET", "/v1/nowhere", None, None).0, 404);
    }
    assert_eq!(
        http(&base, "GET", "/v1/assessments", Some(&firm), None).0,
        200
    );
    assert!(child.try_wait().unwrap().is_none(), "the server died");
    let _ = child.kill();
    let _ = child.wait();

    let new_db = temp_db("demo.db");
    let mut demo = Command::new(env!("CARGO_BIN_EXE_risk"))
        .args(["serve", "--addr", "127.0.0.1:0", "--create", "--database"])
        .arg(&new_db)
        .stdout(full())
        .stderr(full())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(s) = demo.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = demo.kill();
            panic!("the first run kept serving although its demo keys could not be printed");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(status.code(), Some(1), "{status:?}");
}

/// Requests hyper refuses before any handler runs (reliability issue: "an empty-bodied 400 for
/// some malformed requests (a NUL in a header, a malformed request line)"): each is now answered
/// with a problem document of the same status, and the server goes on serving.
#[test]
fn unparseable_requests_get_problem_documents() {
    use std::io::{Read, Write};
    let path = temp_db("unparseable.db");
    let s = Server::start(path.to_str().unwrap(), "unparseable");
    let addr = s.base.trim_start_matches("http://").to_string();
    let send = |raw: &[u8]| -> String {
        let mut c = std::net::TcpStream::connect(&addr).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        c.write_all(raw).unwrap();
        let mut out = Vec::new();
        let _ = c.read_to_end(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    };
    // (A header block over hyper's limit, answered 431, is not sent here: the server closes with
    // the rest unread, and the reset may reach the client before the answer; `rawio`'s unit
    // test covers the 431 and 414 documents.)
    for (raw, status) in [
        (
            &b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Bad: a\0b\r\n\r\n"[..],
            400,
        ),
        (b"NOT A REQUEST LINE\r\n\r\n", 400),
        (b"GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n", 400),
        (b"GET /healthz HTTP/1.1\r\nBad Header Name: x\r\n\r\n", 400),
    ] {
        let what = String::from_utf8_lossy(&raw[..raw.len().min(40)]).into_owned();
        let out = send(raw);
        let (head, body) = out
            .split_once("\r\n\r\n")
            .unwrap_or_else(|| panic!("{what:?}: {out:?}"));
        assert!(
            head.starts_with(&format!("HTTP/1.1 {status} ")),
            "{what:?}: {head}"
        );
        assert!(
            head.to_ascii_lowercase()
                .contains("content-type: application/problem+json"),
            "{what:?}: {head}"
        );
        let v: serde_json::Value =
            serde_json::from_str(body).unwrap_or_else(|e| panic!("{what:?}: {e}: {body:?}"));
        assert_eq!(v["status"], status, "{what:?}: {v}");
        assert!(v["detail"].as_str().is_some_and(|d| !d.is_empty()), "{v}");
    }
    // Ordinary requests and errors are unchanged.
    assert_eq!(http(&s.base, "GET", "/healthz", None, None).0, 200);
    let (code, body) = http(&s.base, "GET", "/v1/assessments", None, None);
    assert_eq!(code, 401, "{body}");
    assert!(body.contains("\"status\":401"), "{body}");
}
