//! Cursor-paginated listings (contract §15): pages cover every visible item exactly once, in a
//! stable order, whatever is added meanwhile; `limit` bounds; cursors that this service did not
//! make; other tenants' items never appear, whatever cursor is passed.

use std::collections::HashSet;

use crate::harness::*;
use crate::share;

/// A quick stored assessment (100 years) of firm A's profile by `key`'s caller; its id.
async fn quick(e: &Env, key: &str, seed: u32) -> String {
    let r = check(
        e,
        post(&format!("/v1/assessments?trials=100&seed={seed}"), PROFILE).by(key),
        201,
    )
    .await;
    r.body["id"].as_str().unwrap().to_string()
}

/// Every page of `key`'s listing with `limit`, following `next`: the ids, page by page.
async fn pages(e: &Env, key: &str, limit: u64) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut uri = format!("/v1/assessments?limit={limit}");
    for _ in 0..100 {
        let r = check(e, get(&uri).by(key), 200).await;
        let items = r.body["items"].as_array().unwrap();
        assert!(items.len() as u64 <= limit, "{}", r.text);
        out.push(
            items
                .iter()
                .map(|x| x["id"].as_str().unwrap().to_string())
                .collect(),
        );
        match r.body["next"].as_str() {
            Some(next) => uri = format!("/v1/assessments?limit={limit}&after={next}"),
            None => return out,
        }
    }
    panic!("more than 100 pages");
}

fn flat(p: &[Vec<String>]) -> Vec<String> {
    p.iter().flatten().cloned().collect()
}

async fn pages_cover_everything_once(e: &Env) {
    let mut mine = Vec::new();
    for s in 0..7 {
        mine.push(quick(e, &e.firm_a, s).await);
    }
    let theirs = quick(e, &e.firm_b, 99).await;
    share(e, &mine[0], "ins-s").await;
    let own_ins = quick(e, &e.insurer_s, 5).await;

    for limit in [1, 3, 7, 100] {
        let p = pages(e, &e.firm_a, limit).await;
        let ids = flat(&p);
        assert_eq!(ids.len(), 7, "limit {limit}: {p:?}");
        assert_eq!(
            ids.iter().collect::<HashSet<_>>().len(),
            7,
            "repeats: {p:?}"
        );
        assert_eq!(
            ids.iter().collect::<HashSet<_>>(),
            mine.iter().collect::<HashSet<_>>()
        );
        assert_eq!(p.len(), 7usize.div_ceil(limit as usize).max(1));
        assert!(!ids.contains(&theirs) && !ids.contains(&own_ins));
    }
    // Newest first: the listing's order is the reverse of creation (ties by id).
    let r = check(e, get("/v1/assessments?limit=100").by(&e.firm_a), 200).await;
    let times: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["created_at"].as_str().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "{times:?}");

    // An assessment stored between two pages does not shift the rest: still each once.
    let first = check(e, get("/v1/assessments?limit=3").by(&e.firm_a), 200).await;
    let newer = quick(e, &e.firm_a, 42).await;
    let mut seen: Vec<String> = first.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_string())
        .collect();
    let next = first.body["next"].as_str().unwrap().to_string();
    let rest = check(
        e,
        get(&format!("/v1/assessments?limit=100&after={next}")).by(&e.firm_a),
        200,
    )
    .await;
    assert!(rest.body["next"].is_null());
    seen.extend(
        rest.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].as_str().unwrap().to_string()),
    );
    assert_eq!(seen.len(), 7);
    assert_eq!(seen.iter().collect::<HashSet<_>>(), mine.iter().collect());
    assert!(!seen.contains(&newer));

    // The insurer: its own and what was shared with it, nothing else; the other insurer only
    // its own (none); a cursor from firm A's listing positions, it does not grant.
    let ins = flat(&pages(e, &e.insurer_s, 1).await);
    assert_eq!(
        ins.iter().collect::<HashSet<_>>(),
        [&mine[0], &own_ins].into_iter().collect()
    );
    assert!(flat(&pages(e, &e.insurer_n, 2).await).is_empty());
    let r = check(
        e,
        get(&format!("/v1/assessments?limit=100&after={next}")).by(&e.firm_b),
        200,
    )
    .await;
    for x in r.body["items"].as_array().unwrap() {
        assert_eq!(x["id"], theirs.as_str(), "{}", r.text);
    }
    assert!(flat(&pages(e, &e.firm_b, 1).await) == vec![theirs.clone()]);
}

#[tokio::test]
async fn pages_cover_every_visible_assessment_exactly_once() {
    pages_cover_everything_once(&env().await).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set DATABASE_URL (see .ci/run)"]
async fn pages_cover_every_visible_assessment_exactly_once_postgres() {
    let (store, schema) = postgres_store().await;
    pages_cover_everything_once(&env_on(store.clone(), test_config()).await).await;
    drop_schema(&store, &schema).await;
}

#[tokio::test]
async fn limits_and_cursors_are_checked() {
    let e = env().await;
    quick(&e, &e.firm_a, 1).await;
    let list = |q: &str| get(&format!("/v1/assessments?{q}")).by(&e.firm_a);
    check(&e, list("limit=1"), 200).await;
    let r = check(&e, list("limit=100"), 200).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
    assert!(r.body["next"].is_null());
    check(&e, list(""), 200).await;
    for q in ["limit=0", "limit=101", "limit=1000000"] {
        check_field(&e, list(q), 422, "limit").await;
    }
    for q in ["limit=-1", "limit=ten", "page=2"] {
        check(&e, list(q), 400).await;
    }
    let forged = hex::encode("2026-01-01T00:00:00Z|x' OR 1=1 --");
    for q in [
        "after=zz".to_string(),
        "after=".to_string(),
        format!("after={}", hex::encode("not a cursor")),
        format!("after={}", "a".repeat(600)),
        format!("after={forged}"),
    ] {
        check_field(&e, list(&q), 422, "after").await;
    }
    // The documented bounds.
    let doc = check(&e, get("/openapi.json"), 200).await.body;
    let params = doc["paths"]["/v1/assessments"]["get"]["parameters"]
        .as_array()
        .unwrap();
    let limit = params.iter().find(|p| p["name"] == "limit").unwrap();
    assert_eq!(limit["schema"]["maximum"], 100, "{limit}");
    assert_eq!(limit["schema"]["default"], 50, "{limit}");
    assert!(
        limit["description"]
            .as_str()
            .unwrap()
            .contains("default 50")
    );
    assert!(params.iter().any(|p| p["name"] == "after"));
}

/// `GET /v1/portfolios`: the calling insurer's jobs only, a page at a time, each once.
#[tokio::test]
async fn portfolio_jobs_are_listed_a_page_at_a_time() {
    portfolio_listing(&env().await).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set DATABASE_URL (see .ci/run)"]
async fn portfolio_jobs_are_listed_a_page_at_a_time_postgres() {
    let (store, schema) = postgres_store().await;
    portfolio_listing(&env_on(store.clone(), test_config()).await).await;
    drop_schema(&store, &schema).await;
}

async fn portfolio_listing(e: &Env) {
    let csv = "policy_id,frequency_mean,severity_median,severity_sigma\nA,0.2,1000,1\n";
    let submit =
        |key: &str| crate::portfolios::post_csv("/v1/portfolios?trials=100&seed=1", csv).by(key);
    let mut mine = HashSet::new();
    for _ in 0..3 {
        let r = check(e, submit(&e.insurer_s), 202).await;
        mine.insert(r.body["id"].as_str().unwrap().to_string());
    }
    let theirs = check(e, submit(&e.insurer_n), 202).await.body["id"].clone();
    let mut seen = Vec::new();
    let mut uri = "/v1/portfolios?limit=2".to_string();
    loop {
        let r = check(e, get(&uri).by(&e.insurer_s), 200).await;
        let items = r.body["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        for j in items {
            assert!(j.get("report").is_none(), "{j}");
            seen.push(j["id"].as_str().unwrap().to_string());
        }
        match r.body["next"].as_str() {
            Some(n) => uri = format!("/v1/portfolios?limit=2&after={n}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 3);
    assert_eq!(seen.into_iter().collect::<HashSet<_>>(), mine);
    let r = check(e, get("/v1/portfolios").by(&e.insurer_n), 200).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(r.body["items"][0]["id"], theirs);
    check_all(
        e,
        [
            (get("/v1/portfolios").by(&e.firm_a), 403),
            (get("/v1/portfolios"), 401),
        ],
    )
    .await;
    check_field(
        e,
        get("/v1/portfolios?after=zz").by(&e.insurer_s),
        422,
        "after",
    )
    .await;
    check_field(
        e,
        get("/v1/portfolios?limit=101").by(&e.insurer_s),
        422,
        "limit",
    )
    .await;
}
