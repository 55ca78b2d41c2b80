//! `POST /v1/simulate`: the CLI's report for a loss spec, its callers and its error statuses.

use serde_json::Value;

use crate::harness::*;
use crate::{SPEC, huge_body};

#[tokio::test]
async fn simulate_endpoint() {
    let e = env().await;
    // The committed CLI report (`risk simulate data/example-spec.json --trials 30000 --seed
    // 2026`, tests/golden) is what the service answers for the same spec, byte for byte in value.
    let golden_spec = SPEC
        .replace("\"trials\": 200000", "\"trials\": 30000")
        .replace("\"seed\": 42", "\"seed\": 2026");
    assert!(golden_spec.contains("30000") && golden_spec.contains("2026"));
    let r = check(&e, post("/v1/simulate", &golden_spec).by(&e.insurer_s), 200).await;
    let golden: Value =
        serde_json::from_str(include_str!("../golden/simulate-example-30000-2026.json")).unwrap();
    assert_eq!(r.body, golden);

    let small = SPEC.replace("\"trials\": 200000", "\"trials\": 5000");
    assert_ne!(small, SPEC, "example spec changed shape");
    let r = check(&e, post("/v1/simulate", &small).by(&e.insurer_s), 200).await;
    assert_eq!(
        (&r.body["trials"], &r.body["seed"]),
        (&5000.into(), &42.into())
    );
    check_all(
        &e,
        [
            (post("/v1/simulate", &small).by(&e.admin), 200),
            (post("/v1/simulate", &small), 401),
            (post("/v1/simulate", &small).by("rk_wrong"), 401),
            (post("/v1/simulate", &small).by(&e.firm_a), 403),
            (post("/v1/simulate", "{\"perils\": [").by(&e.insurer_s), 400),
            // Over the body limit (64 KiB here).
            (post("/v1/simulate", &huge_body()).by(&e.insurer_s), 413),
            // Not JSON.
            (
                post("/v1/simulate", &small)
                    .by(&e.insurer_s)
                    .typed("text/plain"),
                415,
            ),
        ],
    )
    .await;

    let bad = small.replace("\"sigma\": 1.6", "\"sigma\": -1");
    assert_ne!(bad, small);
    let r = post("/v1/simulate", &bad).by(&e.insurer_s);
    check_field(&e, r, 422, "perils[0].severity.sigma").await;
    // Over the service's trial cap.
    let big = SPEC.replace("\"trials\": 200000", "\"trials\": 60000");
    check_field(
        &e,
        post("/v1/simulate", &big).by(&e.insurer_s),
        422,
        "trials",
    )
    .await;
}
