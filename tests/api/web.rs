//! The web page and its endpoints in-process (`app(state).oneshot(request)`): the page and its
//! assets, the assessment list and its authorisation, the exceedance chart (well-formed SVG for
//! every sample profile), what-if re-pricing; and the headless-Chromium test (`browser.sh`).

use std::path::PathBuf;
use std::time::Duration;

use axum::http::{Method, StatusCode, header};
use quick_xml::events::Event;

use crate::harness::*;
use crate::share;

/// The id of a new assessment of `profile` by `key`'s caller.
async fn create(e: &Env, key: &str, profile: &str) -> String {
    let a = crate::create(e, key, profile).await;
    a["id"].as_str().unwrap().to_string()
}

async fn list(e: &Env, key: &str) -> Res {
    call(e, Method::GET, "/v1/assessments", Some(key), None).await
}

/// Well-formed XML (matching tags, known entities, one root) whose root is `<svg>`; returns the
/// number of `<text>` elements with non-empty content.
fn check_svg(svg: &str) -> usize {
    let mut r = quick_xml::Reader::from_str(svg);
    let (mut depth, mut roots, mut texts, mut in_text) = (0usize, 0usize, 0usize, false);
    loop {
        match r
            .read_event()
            .unwrap_or_else(|e| panic!("malformed SVG: {e}\n{svg}"))
        {
            Event::Start(s) => {
                let name = String::from_utf8(s.name().as_ref().to_vec()).unwrap();
                if depth == 0 {
                    roots += 1;
                    assert_eq!(name, "svg", "root element");
                    assert!(svg.contains("xmlns=\"http://www.w3.org/2000/svg\""));
                }
                in_text = name == "text";
                depth += 1;
            }
            Event::End(_) => {
                depth -= 1;
                in_text = false;
            }
            Event::Empty(_) => assert!(depth > 0, "element outside the root"),
            Event::Text(t) => {
                let bytes: &[u8] = t.as_ref();
                let s = String::from_utf8(bytes.to_vec()).unwrap();
                if depth == 0 {
                    assert!(s.trim().is_empty(), "text outside the root");
                } else if in_text && !s.trim().is_empty() {
                    texts += 1;
                }
            }
            Event::GeneralRef(g) => {
                let bytes: &[u8] = g.as_ref();
                let name = String::from_utf8(bytes.to_vec()).unwrap();
                assert!(
                    ["amp", "lt", "gt", "quot", "apos"].contains(&name.as_str()),
                    "unknown entity &{name};"
                );
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(depth, 0, "unclosed elements");
    assert_eq!(roots, 1, "exactly one root element");
    texts
}

#[tokio::test]
async fn page_and_assets_are_embedded() {
    let e = env().await;
    let r = call(&e, Method::GET, "/", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(content_type(&r), "text/html; charset=utf-8");
    assert!(r.text.starts_with("<!doctype html>"));
    assert!(r.text.contains("<label for=\"key-input\">API key</label>"));
    assert!(
        r.text.contains("data-test-mode=\"0\""),
        "test mode is off by default"
    );
    let csp = r.headers.get(header::CONTENT_SECURITY_POLICY).unwrap();
    assert!(csp.to_str().unwrap().contains("script-src 'self'"));
    // Every asset the page loads is served, and nothing else under /ui/.
    let mut loaded = 0;
    for (path, ct) in [
        ("/ui/app.js", "text/javascript; charset=utf-8"),
        ("/ui/chart.js", "text/javascript; charset=utf-8"),
        ("/ui/firm.js", "text/javascript; charset=utf-8"),
        ("/ui/insurer.js", "text/javascript; charset=utf-8"),
        ("/ui/start.js", "text/javascript; charset=utf-8"),
        ("/ui/style.css", "text/css; charset=utf-8"),
    ] {
        if r.text.contains(&format!("\"{path}\"")) {
            loaded += 1;
        }
        let a = call(&e, Method::GET, path, None, None).await;
        assert_eq!(a.status, StatusCode::OK, "{path}");
        assert_eq!(content_type(&a), ct);
        // Nothing is fetched from outside: no absolute URLs in the page or its assets.
        assert!(!a.text.contains("http://") && !a.text.contains("https://"));
    }
    assert_eq!(loaded, 6, "the page loads each asset");
    for path in ["/ui/other.js", "/ui/..%2fweb.rs", "/ui/"] {
        let a = call(&e, Method::GET, path, None, None).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{path}");
    }
    assert!(!r.text.contains("http://") && !r.text.contains("https://"));
    // The narrow-screen harness exists only in UI test mode.
    for path in ["/test/narrow", "/test/narrow.js"] {
        let h = call(&e, Method::GET, path, None, None).await;
        assert_eq!(h.status, StatusCode::NOT_FOUND, "{path}");
    }
    // The key travels in the Authorization header, never in a URL.
    let js = call(&e, Method::GET, "/ui/app.js", None, None).await.text;
    assert!(js.contains("Authorization: \"Bearer \""));
    assert!(js.contains("sessionStorage"));

    let oa = call(&e, Method::GET, "/openapi.json", None, None).await;
    for p in [
        "/v1/assessments",
        "/v1/assessments/{id}/exceedance.svg",
        "/v1/assessments/{id}/what-if",
    ] {
        assert!(oa.body["paths"][p].is_object(), "openapi lacks {p}");
    }
    assert!(oa.body["paths"]["/v1/assessments"]["get"].is_object());
}

#[tokio::test]
async fn exceedance_svg_for_every_sample_profile() {
    let e = env().await;
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/profiles"));
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|f| f.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 17, "sample profiles: {}", files.len());
    for f in files {
        let profile = std::fs::read_to_string(&f).unwrap();
        let id = create(&e, &e.firm_a, &profile).await;
        let r = call(
            &e,
            Method::GET,
            &format!("/v1/assessments/{id}/exceedance.svg"),
            Some(&e.firm_a),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", f.display(), r.text);
        assert_eq!(content_type(&r), "image/svg+xml; charset=utf-8");
        let texts = check_svg(&r.text);
        assert!(texts >= 5, "{}: {texts} text labels", f.display());
        for label in [
            "Gross loss",
            "Insured loss",
            "log scale",
            "P(annual loss &gt; x)",
        ] {
            assert!(r.text.contains(label), "{}: no {label}", f.display());
        }
        assert!(r.text.contains("<polyline"), "{}: no curve", f.display());
        // Where the page draws the deductible and the limit: the plot box and its decades.
        let attr = |name: &str| -> Option<String> {
            let start = r.text.find(&format!(" {name}=\""))? + name.len() + 3;
            Some(r.text[start..start + r.text[start..].find('"')?].to_string())
        };
        let plot: Vec<f64> = attr("data-plot")
            .unwrap_or_else(|| panic!("{}: no data-plot", f.display()))
            .split(' ')
            .map(|v| v.parse().unwrap())
            .collect();
        assert_eq!(plot.len(), 4, "{}", f.display());
        let (x0, x1): (i32, i32) = (
            attr("data-x0").unwrap().parse().unwrap(),
            attr("data-x1").unwrap().parse().unwrap(),
        );
        assert!(x1 > x0, "{}: decades {x0}..{x1}", f.display());
    }
}

#[tokio::test]
async fn listing_and_chart_follow_ownership_and_consent() {
    let e = env().await;
    let a1 = create(&e, &e.firm_a, PROFILE).await;
    let a2 = create(&e, &e.firm_a, PROFILE_B).await;
    let b1 = create(&e, &e.firm_b, PROFILE_B).await;
    let ids = |r: &Res| -> Vec<String> {
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let mut v: Vec<String> = r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    let mut want_a = vec![a1.clone(), a2.clone()];
    want_a.sort();
    let la = list(&e, &e.firm_a).await;
    assert_eq!(ids(&la), want_a);
    assert!(la.body["next"].is_null());
    let row = &la.body["items"][0];
    assert_eq!(row["access"], "owned");
    assert!(row["firm"].is_string() && row["score"].is_number() && row["currency"] == "JPY");
    assert!(row["created_at"].is_string() && row["premium"].is_number());
    assert_eq!(ids(&list(&e, &e.firm_b).await), vec![b1.clone()]);
    assert!(ids(&list(&e, &e.insurer_s).await).is_empty());

    share(&e, &a1, "ins-s").await;
    let ls = list(&e, &e.insurer_s).await;
    assert_eq!(ids(&ls), vec![a1.clone()]);
    assert_eq!(ls.body["items"][0]["access"], "shared");
    assert!(ids(&list(&e, &e.insurer_n).await).is_empty());
    assert_eq!(list(&e, &e.admin).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        call(&e, Method::GET, "/v1/assessments", None, None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    // Open: the assessment, its chart and a what-if, each 404 for whoever may not see it.
    let svg = |id: &str| format!("/v1/assessments/{id}/exceedance.svg");
    let wi = |id: &str| format!("/v1/assessments/{id}/what-if");
    for (k, id, ok) in [
        (&e.firm_a, &a1, true),
        (&e.firm_b, &a1, false),
        (&e.firm_a, &b1, false),
        (&e.insurer_s, &a1, true),
        (&e.insurer_s, &a2, false),
        (&e.insurer_n, &a1, false),
    ] {
        let want = if ok { 200 } else { 404 };
        let body = r#"{"maturity": {"detect": 4}}"#;
        check_all(
            &e,
            [
                (get(&format!("/v1/assessments/{id}")).by(k), want),
                (get(&svg(id)).by(k), want),
                (post(&wi(id), body).by(k), want),
            ],
        )
        .await;
    }
    check(&e, get(&svg(&a1)).by(&e.admin), 403).await;
    check(&e, get(&svg("no-such-id")).by(&e.firm_a), 404).await;
}

#[tokio::test]
async fn what_if_reprices_with_the_same_years_and_stores_nothing() {
    let e = env().await;
    let id = create(&e, &e.firm_a, PROFILE).await;
    let stored = call(
        &e,
        Method::GET,
        &format!("/v1/assessments/{id}"),
        Some(&e.firm_a),
        None,
    )
    .await
    .body;
    let impact = call(
        &e,
        Method::GET,
        &format!("/v1/assessments/{id}/impact"),
        Some(&e.firm_a),
        None,
    )
    .await
    .body;
    let path = format!("/v1/assessments/{id}/what-if");
    let before = e.state.store().assessment_ids().await.unwrap().len();
    for change in ["remove", "lapse"] {
        let body = format!(r#"{{"{change}": ["iso27001"]}}"#);
        let r = call(&e, Method::POST, &path, Some(&e.firm_a), Some(&body)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["seed"], 7);
        assert_eq!(r.body["trials"], 2000);
        assert_eq!(r.body["currency"], "JPY");
        assert_eq!(r.body["changes"][0], format!("{change}:iso27001"));
        assert_eq!(r.body["current_premium"], stored["premium"]["technical"]);
        let premium = r.body["premium"].as_f64().unwrap();
        assert!(premium > stored["premium"]["technical"].as_f64().unwrap());
        assert!(r.body["score"].as_f64().unwrap() < stored["score"]["value"].as_f64().unwrap());
        // Same seed and trials: exactly the impact table's counterfactual.
        let item = impact["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["change"] == format!("{change}:iso27001"))
            .unwrap();
        assert_eq!(item["premium"].as_f64().unwrap(), premium);
    }
    // A key control one answer better: the impact table's row for it, same years.
    let r = check(
        &e,
        post(&path, r#"{"improve": ["patch_critical_days"]}"#).by(&e.firm_a),
        200,
    )
    .await;
    assert_eq!(r.body["changes"][0], "improve:patch_critical_days");
    let item = impact["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["change"] == "improve:patch_critical_days")
        .expect("the impact table improves patching");
    assert_eq!(item["premium"], r.body["premium"]);
    assert!(r.body["delta"].as_f64().unwrap() < 0.0, "{}", r.text);
    let r = call(
        &e,
        Method::POST,
        &path,
        Some(&e.firm_a),
        Some(r#"{"maturity": {"protect": 5, "detect": 5}}"#),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.body["delta"].as_f64().unwrap() <= 0.0);
    assert_eq!(
        e.state.store().assessment_ids().await.unwrap().len(),
        before
    );

    for (body, field) in [
        (r#"{"remove": ["soc2_type2"]}"#, "remove[0]"),
        (r#"{"maturity": {"protect": 9}}"#, "maturity.protect"),
        (r#"{"maturity": {"bogus": 1}}"#, "maturity.bogus"),
        (r#"{"improve": ["mfa"]}"#, "improve[0]"),
        (
            r#"{"improve": ["patch_critical_days", "firewall"]}"#,
            "improve[1]",
        ),
        (r#"{"colour": "red"}"#, "body"),
    ] {
        check_field(&e, post(&path, body).by(&e.firm_a), 422, field).await;
    }
    check(&e, post(&path, "{").by(&e.firm_a), 400).await;
}

/// Whether a Chromium binary is on the PATH (or `CHROMIUM` names one).
fn chromium() -> Option<String> {
    let candidates = std::env::var("CHROMIUM")
        .map(|c| vec![c])
        .unwrap_or_else(|_| vec!["chromium".into(), "chromium-browser".into()]);
    candidates.into_iter().find(|c| {
        std::process::Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

#[test]
#[ignore = "needs Chromium: apt-get install -y chromium, or CHROMIUM=/path (see .ci/run)"]
fn browser_script() {
    let chromium = chromium().expect("no chromium on the PATH (apt-get install -y chromium)");
    // Screenshots go to the target's temp directory.
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser");
    // A fresh directory: a screenshot left by an earlier run must not stand in for this one's.
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).expect("screenshot directory");
    let envs = [
        ("CHROMIUM", chromium.as_ref()),
        ("SCREENSHOT_DIR", shots.as_os_str()),
    ];
    run_script("browser.sh", &envs, Duration::from_secs(600));
    for shot in [
        "firm-open-1366.png",
        "firm-open-390.png",
        "insurer-quote-1366.png",
        "insurer-report-390.png",
        "docs-1280x800.png",
    ] {
        assert!(shots.join(shot).is_file(), "no screenshot {shot}");
    }
}
