//! `GET /metrics` (API.md §11): Prometheus text. Requests by route template and status, jobs by
//! status, pages processed with a latency histogram, webhook delivery outcomes.

use crate::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Requests by (route template, method, status).
static REQUESTS: Mutex<BTreeMap<(String, String, u16), u64>> = Mutex::new(BTreeMap::new());

/// Webhook attempts by outcome: delivered, retried, failed, gone.
pub static WEBHOOK_DELIVERED: AtomicU64 = AtomicU64::new(0);
pub static WEBHOOK_RETRIED: AtomicU64 = AtomicU64::new(0);
pub static WEBHOOK_FAILED: AtomicU64 = AtomicU64::new(0);
pub static WEBHOOK_GONE: AtomicU64 = AtomicU64::new(0);

/// Counts each request under its route template (bounded labels: never the raw path).
pub async fn count(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = request.method().to_string();
    let response = next.run(request).await;
    let key = (route, method, response.status().as_u16());
    *REQUESTS
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .entry(key)
        .or_default() += 1;
    response
}

pub async fn metrics(State(state): State<AppState>) -> Response {
    let mut out = String::new();
    out.push_str("# TYPE plansift_http_requests_total counter\n");
    for ((route, method, status), n) in REQUESTS.lock().unwrap_or_else(|p| p.into_inner()).iter() {
        let _ = writeln!(
            out,
            "plansift_http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}} {n}"
        );
    }
    out.push_str("# TYPE plansift_jobs gauge\n");
    for (status, n) in state.meta.job_status_counts().await.unwrap_or_default() {
        let _ = writeln!(out, "plansift_jobs{{status=\"{status}\"}} {n}");
    }
    let (ok, failed, buckets, sum) = plansift_jobs::metrics::pages();
    out.push_str("# TYPE plansift_pages_processed_total counter\n");
    let _ = writeln!(out, "plansift_pages_processed_total{{outcome=\"ok\"}} {ok}");
    let _ = writeln!(
        out,
        "plansift_pages_processed_total{{outcome=\"failed\"}} {failed}"
    );
    out.push_str("# TYPE plansift_page_seconds histogram\n");
    for (bound, n) in plansift_jobs::metrics::PAGE_BUCKETS.iter().zip(buckets) {
        let _ = writeln!(out, "plansift_page_seconds_bucket{{le=\"{bound}\"}} {n}");
    }
    let _ = writeln!(
        out,
        "plansift_page_seconds_bucket{{le=\"+Inf\"}} {}",
        ok + failed
    );
    let _ = writeln!(out, "plansift_page_seconds_sum {sum}");
    let _ = writeln!(out, "plansift_page_seconds_count {}", ok + failed);
    let (retries, faults) = plansift_jobs::metrics::faults();
    out.push_str("# TYPE plansift_task_retries_total counter\n");
    let _ = writeln!(out, "plansift_task_retries_total {retries}");
    out.push_str("# TYPE plansift_dependency_errors_total counter\n");
    for (dependency, n) in plansift_jobs::metrics::DEPENDENCIES.iter().zip(faults) {
        let _ = writeln!(
            out,
            "plansift_dependency_errors_total{{dependency=\"{dependency}\"}} {n}"
        );
    }
    out.push_str("# TYPE plansift_webhook_attempts_total counter\n");
    for (outcome, n) in [
        ("delivered", &WEBHOOK_DELIVERED),
        ("retried", &WEBHOOK_RETRIED),
        ("failed", &WEBHOOK_FAILED),
        ("gone", &WEBHOOK_GONE),
    ] {
        let _ = writeln!(
            out,
            "plansift_webhook_attempts_total{{outcome=\"{outcome}\"}} {}",
            n.load(Ordering::Relaxed)
        );
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response()
}
