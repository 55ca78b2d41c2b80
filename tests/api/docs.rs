//! The API reference: `/openapi.json` is complete (query parameters in the query, a description
//! on every response, real request-body schemas whose examples come from `data/`, roles per
//! operation) and `GET /docs` serves the embedded Swagger UI under its CSP. That the document
//! validates against the OpenAPI 3.1 schema is `tests/openapi.sh` (run by `.ci/run`); that
//! `/docs` renders is `browser.sh`.

use axum::http::{Method, StatusCode, header};
use risk_api::dto::input::{FirmProfileBody, LossSpecBody, SPEC_EXAMPLE, profile_example};
use risk_api::web::DOCS_CSP;
use risk_core::vocab::{Industry, Scheme};
use serde_json::Value;

use crate::harness::*;

async fn document(e: &Env) -> Value {
    let r = check(e, get("/openapi.json"), 200).await;
    r.body
}

/// Every operation of the document, as (method, path, operation).
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            out.push((method.clone(), path.clone(), op.clone()));
        }
    }
    out
}

#[tokio::test]
async fn parameters_responses_and_roles_are_declared() {
    let e = env().await;
    let doc = document(&e).await;
    let ops = operations(&doc);
    assert!(ops.len() >= 17, "{} operations", ops.len());
    for (method, path, op) in &ops {
        let at = format!("{method} {path}");
        for p in op["parameters"].as_array().into_iter().flatten() {
            let name = p["name"].as_str().unwrap();
            match p["in"].as_str().unwrap() {
                "path" => assert!(path.contains(&format!("{{{name}}}")), "{at}: {name}"),
                "query" => assert!(!path.contains(&format!("{{{name}}}")), "{at}: {name}"),
                other => panic!("{at}: {name} in {other}"),
            }
        }
        for (code, r) in op["responses"].as_object().unwrap() {
            let d = r["description"].as_str().unwrap_or("");
            assert!(!d.is_empty(), "{at} {code}: no description");
        }
        let description = op["description"].as_str().unwrap_or("");
        match op.get("security") {
            // Only the operations endpoints are public; every /v1 operation takes a key.
            None => {
                assert!(!path.starts_with("/v1/"), "{at}: no security requirement");
                assert!(description.contains("**Authentication:** none."), "{at}");
            }
            Some(security) => {
                let roles = &security[0]["bearer"];
                assert!(roles.is_array(), "{at}: no bearer requirement");
                assert!(description.contains("Bearer"), "{at}: {description}");
                for role in roles.as_array().unwrap() {
                    assert!(description.contains(role.as_str().unwrap()), "{at}");
                }
            }
        }
    }
    let roles =
        |method: &str, path: &str| doc["paths"][path][method]["security"][0]["bearer"].clone();
    assert_eq!(
        roles("post", "/v1/simulate"),
        serde_json::json!(["insurer", "admin"])
    );
    assert_eq!(
        roles("post", "/v1/assessments"),
        serde_json::json!(["insurer", "firm"])
    );
    assert_eq!(
        roles("post", "/v1/assessments/{id}/shares"),
        serde_json::json!(["firm"])
    );
    assert_eq!(
        roles("put", "/v1/threat-levels/{industry}"),
        serde_json::json!(["admin"])
    );
    assert_eq!(
        roles("post", "/v1/portfolios"),
        serde_json::json!(["insurer"])
    );
    assert_eq!(
        roles("get", "/v1/assessments/{id}/shares"),
        serde_json::json!(["firm"])
    );
    assert_eq!(roles("get", "/v1/models"), serde_json::json!([]));
    assert_eq!(roles("get", "/v1/me"), serde_json::json!([]));
    for path in ["/healthz", "/openapi.json", "/metrics"] {
        assert!(
            doc["paths"][path]["get"].get("security").is_none(),
            "{path}"
        );
    }
    let q = &doc["paths"]["/v1/assessments"]["post"]["parameters"];
    let names: Vec<_> = q
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].clone())
        .collect();
    assert_eq!(names, ["trials", "seed"]);
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}

#[tokio::test]
async fn request_bodies_have_real_schemas_and_examples() {
    let e = env().await;
    let doc = document(&e).await;
    let schemas = &doc["components"]["schemas"];
    let body = |method: &str, path: &str| {
        doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            .as_str()
            .unwrap_or_else(|| panic!("{method} {path}: no schema reference"))
            .trim_start_matches("#/components/schemas/")
            .to_string()
    };
    for (method, path, name) in [
        ("post", "/v1/assessments", "FirmProfileBody"),
        ("post", "/v1/simulate", "LossSpecBody"),
        ("post", "/v1/assessments/{id}/what-if", "WhatIfRequest"),
        ("post", "/v1/assessments/{id}/shares", "ShareRequest"),
        ("put", "/v1/threat-levels/{industry}", "ThreatLevelRequest"),
    ] {
        assert_eq!(body(method, path), name);
        let s = &schemas[name];
        assert_eq!(s["type"], "object", "{name}");
        assert!(
            s["properties"].as_object().is_some_and(|p| !p.is_empty()),
            "{name}"
        );
        assert_eq!(
            s["additionalProperties"], false,
            "{name}: unknown fields are rejected"
        );
    }
    // The examples are the sample files.
    assert_eq!(schemas["FirmProfileBody"]["examples"][0], profile_example());
    let spec: Value = serde_json::from_str(SPEC_EXAMPLE).unwrap();
    assert_eq!(schemas["LossSpecBody"]["examples"][0], spec);
    assert!(schemas["ShareRequest"]["example"].is_object());
    assert!(schemas["ThreatLevelRequest"]["example"].is_object());
    // The vocabularies are the core's.
    let names = |s: &str| -> Vec<String> {
        schemas[s]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    let industries: Vec<_> = Industry::ALL
        .iter()
        .map(|i| i.as_str().to_string())
        .collect();
    let schemes: Vec<_> = Scheme::ALL.iter().map(|s| s.as_str().to_string()).collect();
    assert_eq!(names("IndustryName"), industries);
    assert_eq!(names("SchemeName"), schemes);
    let firm = &schemas["FirmBody"];
    let required: Vec<_> = firm["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(required, ["name", "industry", "annual_revenue", "currency"]);
}

/// Every sample profile and the example spec read into the schema types (with unknown fields
/// rejected), so the document describes what the core accepts; and the service accepts the
/// document's example profile.
#[tokio::test]
async fn samples_fit_the_body_schemas() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/profiles");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        if let Err(err) = serde_json::from_str::<FirmProfileBody>(&text) {
            panic!("{}: {err}", path.display());
        }
        n += 1;
    }
    assert!(n >= 10, "{n} sample profiles");
    serde_json::from_str::<LossSpecBody>(SPEC_EXAMPLE).unwrap();
    let e = env().await;
    let body = profile_example().to_string();
    check(
        &e,
        post(&format!("/v1/assessments?{TRIALS}"), &body).by(&e.firm_a),
        201,
    )
    .await;
}

#[tokio::test]
async fn docs_page_and_assets_are_embedded() {
    let e = env().await;
    let page = call(&e, Method::GET, "/docs", None, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(content_type(&page), "text/html; charset=utf-8");
    assert!(page.text.starts_with("<!doctype html>"));
    assert!(
        page.text
            .contains("<script src=\"/docs/swagger-ui-bundle.js\"></script>")
    );
    // Nothing from another origin, no inline script or style.
    assert!(!page.text.contains("http://") && !page.text.contains("https://"));
    assert!(!page.text.contains("<script>") && !page.text.contains("<style"));
    for (path, ct, min_len) in [
        ("/docs", "text/html; charset=utf-8", 100),
        ("/docs/docs.js", "text/javascript; charset=utf-8", 100),
        (
            "/docs/swagger-ui-bundle.js",
            "text/javascript; charset=utf-8",
            1_000_000,
        ),
        ("/docs/swagger-ui.css", "text/css; charset=utf-8", 100_000),
    ] {
        let r = call(&e, Method::GET, path, None, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert_eq!(content_type(&r), ct, "{path}");
        assert!(r.text.len() >= min_len, "{path}: {} bytes", r.text.len());
        let csp = r.headers.get(header::CONTENT_SECURITY_POLICY).unwrap();
        assert_eq!(csp.to_str().unwrap(), DOCS_CSP, "{path}");
    }
    // The reference's CSP is the page's plus data: images: no inline code, no other origin.
    for directive in [
        "default-src 'none'",
        "script-src 'self';",
        "style-src 'self';",
        "connect-src 'self';",
        "frame-ancestors 'none'",
    ] {
        assert!(DOCS_CSP.contains(directive), "{directive}");
    }
    assert!(!DOCS_CSP.contains("unsafe") && !DOCS_CSP.contains("http"));
    let js = call(&e, Method::GET, "/docs/docs.js", None, None)
        .await
        .text;
    assert!(js.contains("url: \"/openapi.json\"") && js.contains("validatorUrl: null"));
    for path in [
        "/docs/nothing.js",
        "/docs/swagger-ui-bundle.js.map",
        "/docs/LICENSE",
    ] {
        check(&e, get(path), 404).await;
    }
}
