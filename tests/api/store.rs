//! The store against SQLite (a temporary file) and PostgreSQL (`DATABASE_URL`, in a schema of
//! its own, dropped afterwards; an ignored test that fails when the database is absent).

use crate::harness;
use risk_api::auth::{Caller, Role, key_hash, new_key};
use risk_api::store::{AssessmentRecord, Store};

fn firm(s: &str) -> Caller {
    Caller {
        role: Role::Firm,
        subject: s.into(),
    }
}

fn record(id: &str, owner: &Caller) -> AssessmentRecord {
    AssessmentRecord {
        id: id.into(),
        owner: owner.clone(),
        profile: r#"{"firm": {"name": "ü \"quoted\""}}"#.into(),
        model_version: "jp-cyber-1.0.0".into(),
        model_hash: "abc".into(),
        threat_version: "2026-11-01".into(),
        threat_seq: 0,
        registry_seq: 0,
        // Above i64::MAX: seeds are stored as text.
        seed: u64::MAX - 1,
        trials: 100_000,
        as_of: "2026-11-25".into(),
        result: r#"{"mean": 1.2345678901234567e300}"#.into(),
        created_at: "2026-11-26T00:00:00Z".into(),
    }
}

async fn exercise(store: &Store) {
    // Keys: only hashes, looked up by hash.
    let key = new_key().unwrap();
    let a = firm("firm-a");
    store.insert_key(&key_hash(&key), &a).await.unwrap();
    assert_eq!(
        store.caller_by_key_hash(&key_hash(&key)).await.unwrap(),
        Some(a.clone())
    );
    assert_eq!(
        store
            .caller_by_key_hash(&key_hash("rk_other"))
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.key_count().await.unwrap(), 1);
    // The same key twice is refused (primary key on the hash).
    assert!(store.insert_key(&key_hash(&key), &a).await.is_err());

    // Assessments round-trip exactly.
    let id = uuid::Uuid::new_v4().to_string();
    let rec = record(&id, &a);
    store.insert_assessment(&rec).await.unwrap();
    assert_eq!(store.assessment(&id).await.unwrap(), Some(rec.clone()));
    assert_eq!(store.assessment("missing").await.unwrap(), None);
    assert!(store.insert_assessment(&rec).await.is_err(), "duplicate id");
    assert_eq!(store.assessment_ids().await.unwrap(), vec![id.clone()]);

    // Shares: idempotent grant, revoke once.
    assert!(!store.is_shared(&id, "ins").await.unwrap());
    store.grant(&id, "ins", "firm-a").await.unwrap();
    store.grant(&id, "ins", "firm-a").await.unwrap();
    assert!(store.is_shared(&id, "ins").await.unwrap());
    assert!(!store.is_shared(&id, "other").await.unwrap());
    assert!(store.revoke(&id, "ins").await.unwrap());
    assert!(!store.revoke(&id, "ins").await.unwrap());
    assert!(!store.is_shared(&id, "ins").await.unwrap());
    // A share of a missing assessment violates the foreign key.
    assert!(store.grant("missing", "ins", "firm-a").await.is_err());

    // Threat levels: append-only with consecutive seqs, who and when recorded.
    let r1 = store
        .publish_threat(
            "manufacturing",
            r#"{"ransomware":1.3}"#,
            "advisory 1",
            "ops",
        )
        .await
        .unwrap();
    let r2 = store
        .publish_threat("finance", r#"{"bec_fraud":1.1}"#, "advisory 2", "ops")
        .await
        .unwrap();
    assert_eq!((r1.seq, r2.seq), (1, 2));
    let rows = store.threat_rows().await.unwrap();
    assert_eq!(rows, vec![r1, r2]);
    assert_eq!(rows[0].published_by, "ops");
    assert!(rows[0].published_at.starts_with("20"));
}

#[tokio::test]
async fn sqlite_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    let store = Store::open(db.to_str().unwrap()).await.unwrap();
    exercise(&store).await;
    store.close().await;
    // WAL mode and FULL synchronous are in force on a fresh connection.
    let store = Store::open(db.to_str().unwrap()).await.unwrap();
    assert_eq!(
        store.key_count().await.unwrap(),
        1,
        "data survives reopening"
    );
    store.close().await;
    {
        use sqlx::{Connection, Row};
        sqlx::any::install_default_drivers();
        let mut c = sqlx::AnyConnection::connect(&format!("sqlite://{}", db.display()))
            .await
            .unwrap();
        let mode: String = sqlx::query("PRAGMA journal_mode")
            .fetch_one(&mut c)
            .await
            .unwrap()
            .try_get(0)
            .unwrap();
        assert_eq!(mode, "wal");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set DATABASE_URL (see .ci/run)"]
async fn postgres_store() {
    let (store, schema) = harness::postgres_store().await;
    exercise(&store).await;
    // Migrations are idempotent: opening again in the same schema keeps the data.
    let url = std::env::var("DATABASE_URL").unwrap();
    let again = Store::open_in_schema(&url, Some(&schema)).await.unwrap();
    assert_eq!(again.key_count().await.unwrap(), 1);
    again.close().await;
    harness::drop_schema(&store, &schema).await;
}
