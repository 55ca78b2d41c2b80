//! `/metrics`: request counters, request durations and stored assessments, kept and rendered in
//! the Prometheus text format (0.0.4) by `prometheus-client`.
//!
//! Label values are bounded: the method is one of the standard ones or `OTHER`, the route is
//! the matched template (never a raw path, which would also leak ids) or `unmatched`, the status
//! a three-digit code; so the number of series cannot grow with what callers send.

use axum::http::Method;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// The `Content-Type` of [`Metrics::render`].
pub use prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// One series of the request metrics.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: u16,
}

type Durations = Family<RequestLabels, Histogram, fn() -> Histogram>;

/// Request counters, latency histograms and the count of stored assessments.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    durations: Durations,
    assessments: Counter,
}

/// Latency buckets (seconds): 1 ms × 4ᵏ, k = 0…8 (1 ms to about 65 s).
fn duration_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 4.0, 9))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        let durations: Durations = Family::new_with_constructor(duration_histogram);
        let assessments = Counter::default();
        registry.register(
            "risk_http_requests",
            "HTTP requests answered",
            requests.clone(),
        );
        registry.register(
            "risk_http_request_duration_seconds",
            "Time spent answering requests",
            durations.clone(),
        );
        registry.register(
            "risk_assessments_stored",
            "Assessments stored by this process",
            assessments.clone(),
        );
        Metrics {
            registry,
            requests,
            durations,
            assessments,
        }
    }
}

/// The method's label: standard methods by name, anything else `OTHER`, so invented methods
/// cannot add series (and memory) without bound.
pub fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "OTHER",
    }
}

impl Metrics {
    /// Counts an answered request and its duration in seconds.
    pub fn record(&self, method: &'static str, route: String, status: u16, secs: f64) {
        let labels = RequestLabels {
            method,
            route,
            status,
        };
        self.requests.get_or_create(&labels).inc();
        self.durations.get_or_create(&labels).observe(secs);
    }

    /// Counts a stored assessment.
    pub fn assessment_stored(&self) {
        self.assessments.inc();
    }

    /// The Prometheus text exposition (format 0.0.4, [`CONTENT_TYPE`]).
    pub fn render(&self) -> String {
        let mut s = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::prometheus_text::encode(&mut s, &self.registry);
        s
    }
}
