//! The firm's and underwriter's web page (`GET /`) and the server-drawn loss-exceedance chart.
//!
//! One HTML page, one stylesheet and one vanilla script, embedded in the binary
//! (`risk-api/web/`): nothing is fetched from outside, there is no build step. The page talks to
//! the JSON API with the key the user typed, kept in `sessionStorage` and sent as a Bearer
//! header, never in a URL.
//!
//! `GET /docs` is the interactive API reference of `/openapi.json`: Swagger UI, vendored from npm
//! (`risk-api/web/vendor/swagger-ui/`, its licence beside it) and embedded the same way.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::app::AppState;

const INDEX_HTML: &str = include_str!("../web/index.html");
/// The page's assets under `/ui/`: the stylesheet and its scripts, loaded in this order (see
/// `index.html`).
const ASSETS: [(&str, &str, &str); 6] = [
    (
        "style.css",
        "text/css; charset=utf-8",
        include_str!("../web/style.css"),
    ),
    ("app.js", JS, include_str!("../web/app.js")),
    ("chart.js", JS, include_str!("../web/chart.js")),
    ("firm.js", JS, include_str!("../web/firm.js")),
    ("insurer.js", JS, include_str!("../web/insurer.js")),
    ("start.js", JS, include_str!("../web/start.js")),
];
const JS: &str = "text/javascript; charset=utf-8";

/// Where the page's own script and stylesheet may come from: this origin only.
const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self'; connect-src 'self'; form-action 'none'; base-uri 'none'; \
     frame-ancestors 'none'";

/// The page's CSP in UI test mode: the same, except that this origin may frame it (the narrow
/// harness).
const PAGE_CSP_TEST: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self'; connect-src 'self'; form-action 'none'; base-uri 'none'; \
     frame-ancestors 'self'";

/// The harness's CSP: its own script, and frames of this origin.
const HARNESS_CSP: &str = "default-src 'none'; script-src 'self'; frame-src 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Test mode only: the page in a 390 px wide frame (headless Chromium's windows are at least
/// 500 px wide), with the URL fragment passed on to the frame.
const NARROW_HTML: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
     <title>Page at 390 px</title><script src=\"/test/narrow.js\" defer></script></head>\
     <body><iframe id=\"page\" title=\"The page at 390 px wide\" \
     width=\"390\" height=\"844\"></iframe></body></html>";
/// The harness's script: loads the page in the frame, then (the frame being same-origin) copies
/// the framed page's DOM into `#frame-dom` once it is ready, so `--dump-dom` shows it.
const NARROW_JS: &str = "const f = document.getElementById(\"page\");\n\
     f.src = \"/\" + location.hash;\n\
     history.replaceState(null, \"\", location.pathname);\n\
     const poll = setInterval(() => {\n\
       const d = f.contentDocument;\n\
       if (!d || !d.body || d.body.dataset.state !== \"ready\") return;\n\
       clearInterval(poll);\n\
       const out = document.createElement(\"pre\");\n\
       out.id = \"frame-dom\";\n\
       out.hidden = true;\n\
       out.textContent = d.documentElement.outerHTML;\n\
       document.body.append(out);\n\
     }, 100);\n";

const DOCS_HTML: &str = include_str!("../web/docs.html");
const DOCS_JS: &str = include_str!("../web/docs.js");
const SWAGGER_UI_JS: &str = include_str!("../web/vendor/swagger-ui/swagger-ui-bundle.js");
const SWAGGER_UI_CSS: &str = include_str!("../web/vendor/swagger-ui/swagger-ui.css");

/// The API reference's CSP: the page's, except that images may also be `data:` URLs (Swagger
/// UI's stylesheet draws its icons so). Its scripts and styles come from this origin only; it
/// needs no inline script or style, no worker and no other origin.
pub const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; form-action 'none'; base-uri 'none'; \
     frame-ancestors 'none'";

/// Marker in `index.html` replaced by the test-mode flag.
const TEST_MODE_MARKER: &str = "data-test-mode=\"0\"";

/// `GET /`: the page (in test mode, flagged so the script reads the URL fragment).
pub async fn index(State(state): State<AppState>) -> Response {
    let (html, csp) = if state.config().ui_test_mode {
        (
            INDEX_HTML.replace(TEST_MODE_MARKER, "data-test-mode=\"1\""),
            PAGE_CSP_TEST,
        )
    } else {
        (INDEX_HTML.to_string(), PAGE_CSP)
    };
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(csp),
            ),
        ],
        html,
    )
        .into_response()
}

/// `GET /test/narrow` and `/test/narrow.js`: the narrow-screen harness, in UI test mode only
/// (404 otherwise).
pub async fn narrow(
    State(state): State<AppState>,
    axum::extract::Path(file): axum::extract::Path<String>,
) -> Response {
    let (body, ct) = match file.as_str() {
        "narrow" => (NARROW_HTML, "text/html; charset=utf-8"),
        "narrow.js" => (NARROW_JS, "text/javascript; charset=utf-8"),
        _ => return crate::problem::ApiError::not_found().into_response(),
    };
    if !state.config().ui_test_mode {
        return crate::problem::ApiError::not_found().into_response();
    }
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(ct)),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(HARNESS_CSP),
            ),
        ],
        body,
    )
        .into_response()
}

/// `GET /ui/{file}`: one of the page's assets (404 for anything else).
pub async fn asset(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, ct, body)) => (
            [(header::CONTENT_TYPE, HeaderValue::from_static(ct))],
            *body,
        )
            .into_response(),
        None => crate::problem::ApiError::not_found().into_response(),
    }
}

/// A response of embedded text with its content type and the API reference's CSP.
fn docs_response(body: &'static str, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(DOCS_CSP),
            ),
        ],
        body,
    )
        .into_response()
}

/// `GET /docs`: the interactive API reference of `/openapi.json`.
pub async fn docs() -> Response {
    docs_response(DOCS_HTML, "text/html; charset=utf-8")
}

/// `GET /docs/{file}`: the reference's script, Swagger UI's script and stylesheet (404 for
/// anything else).
pub async fn docs_asset(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    match file.as_str() {
        "docs.js" => docs_response(DOCS_JS, "text/javascript; charset=utf-8"),
        "swagger-ui-bundle.js" => docs_response(SWAGGER_UI_JS, "text/javascript; charset=utf-8"),
        "swagger-ui.css" => docs_response(SWAGGER_UI_CSS, "text/css; charset=utf-8"),
        _ => crate::problem::ApiError::not_found().into_response(),
    }
}

/// Escapes text for XML content and attribute values.
fn xml_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

/// A power of ten as a short label: 1, 10, 100, 1k … 1M … 1B … 1T; below 1 as 1/10, 1/100,
/// 1/1k (a chance of one in a thousand) …
fn decade_label(e: i32) -> String {
    let (unit, base) = match e {
        i32::MIN..=2 => ("", 0),
        3..=5 => ("k", 3),
        6..=8 => ("M", 6),
        9..=11 => ("B", 9),
        _ => ("T", 12),
    };
    if e < 0 {
        return format!("1/{}", decade_label(-e));
    }
    format!("{}{unit}", 10u64.pow((e - base) as u32))
}

/// Empirical P(L > x) of a sorted sample.
fn exceed(sorted: &[f64], x: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let above = sorted.len() - sorted.partition_point(|&v| v <= x);
    above as f64 / sorted.len() as f64
}

/// The loss-exceedance chart: P(annual loss > x) of the gross and insured samples against x on
/// a log scale (probability also on a log scale, down to 1/trials), as a standalone SVG
/// document with real `<text>` labels and a `<title>`/`<desc>` for screen readers.
pub fn exceedance_svg(gross: &[f64], insured: &[f64], currency: &str, firm: &str) -> String {
    use std::fmt::Write;
    // A small canvas with large type: drawn 480 wide and shown at phone width (~370 px), its
    // 15-unit labels are still 11 px or more.
    const W: f64 = 480.0;
    const H: f64 = 330.0;
    const L: f64 = 70.0;
    const R: f64 = 14.0;
    const T: f64 = 40.0;
    const B: f64 = 56.0;
    let mut g: Vec<f64> = gross.iter().copied().filter(|v| v.is_finite()).collect();
    let mut i: Vec<f64> = insured.iter().copied().filter(|v| v.is_finite()).collect();
    g.sort_by(f64::total_cmp);
    i.sort_by(f64::total_cmp);
    let n = g.len().max(1);
    let positive_min = g
        .iter()
        .chain(&i)
        .copied()
        .filter(|&v| v > 0.0)
        .fold(f64::INFINITY, f64::min);
    let max = g.iter().chain(&i).copied().fold(0.0, f64::max);
    let title = format!("Loss exceedance: {firm}");
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {H}\" width=\"{W}\" \
         height=\"{H}\" data-plot=\"PLOT\" role=\"img\" aria-labelledby=\"lec-title lec-desc\" \
         font-family=\"system-ui, sans-serif\" font-size=\"15\">\
         <title id=\"lec-title\">{}</title>",
        xml_escape(&title)
    );
    let _ = write!(
        s,
        "<desc id=\"lec-desc\">Probability that the annual loss exceeds an amount, gross \
         (before coverage) and insured (after deductible and limits), from {} simulated \
         years; loss axis in {} on a log scale.</desc>",
        g.len(),
        xml_escape(currency)
    );
    let _ = write!(
        s,
        "<rect x=\"0\" y=\"0\" width=\"{W}\" height=\"{H}\" fill=\"#ffffff\"/>\
         <text x=\"{L}\" y=\"24\" font-size=\"16\" font-weight=\"bold\" fill=\"#111\">{}</text>",
        xml_escape(&title)
    );
    let (pw, ph) = (W - L - R, H - T - B);
    if !(positive_min.is_finite() && max > 0.0) {
        let _ = write!(
            s,
            "<rect x=\"{L}\" y=\"{T}\" width=\"{pw}\" height=\"{ph}\" fill=\"none\" \
             stroke=\"#444\"/><text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#111\">\
             No simulated year had a loss above zero.</text></svg>",
            L + pw / 2.0,
            T + ph / 2.0
        );
        return s.replacen(" data-plot=\"PLOT\"", "", 1);
    }
    // Loss axis: whole decades around the positive losses.
    let x0 = positive_min.log10().floor() as i32;
    let mut x1 = max.log10().ceil() as i32;
    if x1 <= x0 {
        x1 = x0 + 1;
    }
    // Probability axis: 1/trials (rounded down to a decade) to 1.
    let y0 = -((n as f64).log10().ceil() as i32).max(1);
    // Where the plot box and its decades are, for the page to mark the policy's terms on it.
    s = s.replacen(
        "data-plot=\"PLOT\"",
        &format!("data-plot=\"{L} {T} {pw} {ph}\" data-x0=\"{x0}\" data-x1=\"{x1}\""),
        1,
    );
    let px = |x: f64| L + (x.log10() - f64::from(x0)) / f64::from(x1 - x0) * pw;
    let py = |p: f64| T + (0.0 - p.log10()) / f64::from(-y0) * ph;
    // Grid and tick labels.
    for e in x0..=x1 {
        let x = px(10f64.powi(e));
        let _ = write!(
            s,
            "<line x1=\"{x:.1}\" y1=\"{T}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#ddd\"/>\
             <text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#222\">{}</text>",
            T + ph,
            T + ph + 18.0,
            decade_label(e)
        );
    }
    for e in y0..=0 {
        let y = py(10f64.powi(e));
        let _ = write!(
            s,
            "<line x1=\"{L}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#ddd\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#222\">{}</text>",
            L + pw,
            L - 8.0,
            y + 4.0,
            decade_label(e)
        );
    }
    let _ = write!(
        s,
        "<rect x=\"{L}\" y=\"{T}\" width=\"{pw}\" height=\"{ph}\" fill=\"none\" stroke=\"#444\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#111\">Annual loss x \
         ({}, log scale)</text>\
         <text transform=\"translate(13 {:.1}) rotate(-90)\" text-anchor=\"middle\" \
         fill=\"#111\">P(annual loss &gt; x)</text>",
        L + pw / 2.0,
        H - 14.0,
        xml_escape(currency),
        T + ph / 2.0
    );
    // Curves: 120 log-spaced thresholds; a curve stops where no simulated year exceeds x.
    let steps = 120;
    let floor = 10f64.powi(y0);
    for (sample, colour, dash, name) in [
        (&g, "#1f5fa8", "", "gross"),
        (&i, "#b03a2e", " stroke-dasharray=\"7 4\"", "insured"),
    ] {
        let mut pts = Vec::new();
        for k in 0..=steps {
            let x =
                10f64.powf(f64::from(x0) + f64::from(x1 - x0) * f64::from(k) / f64::from(steps));
            let p = exceed(sample, x);
            if p < floor || p <= 0.0 {
                break;
            }
            pts.push(format!("{:.1},{:.1}", px(x), py(p)));
        }
        if pts.len() >= 2 {
            let _ = write!(
                s,
                "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"{dash} \
                 points=\"{}\"><title>{name}</title></polyline>",
                pts.join(" ")
            );
        }
    }
    // Legend.
    let lx = L + pw - 140.0;
    let _ = write!(
        s,
        "<rect x=\"{lx:.1}\" y=\"{:.1}\" width=\"134\" height=\"46\" fill=\"#fff\" stroke=\"#999\"/>\
         <line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#1f5fa8\" stroke-width=\"2\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" fill=\"#111\">Gross loss</text>\
         <line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#b03a2e\" stroke-width=\"2\" stroke-dasharray=\"7 4\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" fill=\"#111\">Insured loss</text></svg>",
        T + 8.0,
        lx + 8.0,
        T + 23.0,
        lx + 38.0,
        T + 23.0,
        lx + 46.0,
        T + 27.0,
        lx + 8.0,
        T + 41.0,
        lx + 38.0,
        T + 41.0,
        lx + 46.0,
        T + 45.0,
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_escaping() {
        assert_eq!(decade_label(0), "1");
        assert_eq!(decade_label(4), "10k");
        assert_eq!(decade_label(8), "100M");
        assert_eq!(decade_label(-2), "1/100");
        assert_eq!(decade_label(-5), "1/100k");
        assert_eq!(xml_escape("A&B <x>"), "A&amp;B &lt;x&gt;");
    }

    #[test]
    fn exceedance_counts_strictly_above() {
        let s = [0.0, 1.0, 2.0, 3.0];
        assert_eq!(exceed(&s, 1.0), 0.5);
        assert_eq!(exceed(&s, 3.0), 0.0);
    }

    #[test]
    fn all_zero_losses_still_draw() {
        let svg = exceedance_svg(&[0.0; 10], &[0.0; 10], "JPY", "<Firm>");
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("&lt;Firm&gt;"));
        assert!(!svg.contains("PLOT") && !svg.contains("data-plot"));
        let drawn = exceedance_svg(&[0.0, 1e5, 3e6], &[0.0, 0.0, 2e6], "JPY", "F");
        assert!(drawn.contains("data-plot=\"70 40 396 234\" data-x0=\"5\" data-x1=\"7\""));
    }
}
