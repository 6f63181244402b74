//! `GET /healthz` (liveness: the process and its task loops run) and `GET /readyz`
//! (readiness: every dependency answers). Readiness reports each dependency in a
//! machine-readable body, `200` when all are well and `503 unavailable` (with the same report
//! in `error.details.checks`) while one is not: the database, the blob store, free disk space
//! over its floor, the task loops. OCR is reported but its absence only degrades scans.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use plansift_types::ErrorCode;
use serde_json::{Value, json};
use std::sync::OnceLock;
use std::time::Duration;

/// How long a dependency may take to answer the readiness check.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);
/// A key the blob store is asked about (it need not exist).
const PROBE_KEY: &str = "readyz-probe";

/// `200 {status: "ok"}` while the process is up and each of its task loops runs; `503
/// unavailable` when a loop has stopped (the process answers but would process nothing).
pub async fn healthz(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let stopped = state.task_loops.stopped();
    if stopped > 0 {
        return Err(
            ApiError::new(ErrorCode::Unavailable, "a task loop has stopped")
                .with_details(json!({ "stoppedLoops": stopped })),
        );
    }
    Ok(Json(
        json!({ "status": "ok", "taskPanics": state.task_loops.panics() }),
    ))
}

/// `{ok, error?}` of one probe that must answer within [`PROBE_TIMEOUT`].
async fn probe<E: std::fmt::Display>(
    what: &str,
    check: impl std::future::Future<Output = Result<(), E>>,
) -> Value {
    let error = match tokio::time::timeout(PROBE_TIMEOUT, check).await {
        Ok(Ok(())) => return json!({ "ok": true }),
        Ok(Err(e)) => e.to_string(),
        Err(_) => format!("no answer within {} s", PROBE_TIMEOUT.as_secs()),
    };
    tracing::warn!(dependency = what, %error, "not ready");
    json!({ "ok": false, "error": error })
}

fn ocr_installed() -> bool {
    static OCR: OnceLock<bool> = OnceLock::new();
    *OCR.get_or_init(|| plansift_engine::ocr::TesseractCli::detect().is_some())
}

pub async fn readyz(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let (database, blob_store) = tokio::join!(
        probe("database", state.meta.ping()),
        probe("blob_store", async {
            state.blobs.exists(PROBE_KEY).await.map(|_| ())
        }),
    );
    let disk = match state.disk.as_ref().and_then(|d| d.check().map(|c| (d, c))) {
        Some((floor, (free, low))) => {
            json!({ "ok": !low, "freeBytes": free, "minFreeBytes": floor.min_free_bytes })
        }
        None => json!({ "ok": true }),
    };
    let stopped = state.task_loops.stopped();
    let checks = json!({
        "database": database,
        "blobStore": blob_store,
        "disk": disk,
        "taskLoops": { "ok": stopped == 0, "stopped": stopped },
        "ocr": { "ok": ocr_installed() },
    });
    let failing: Vec<&str> = ["database", "blobStore", "disk", "taskLoops"]
        .into_iter()
        .filter(|k| checks[k]["ok"] != true)
        .collect();
    if !failing.is_empty() {
        return Err(ApiError::new(
            ErrorCode::Unavailable,
            format!("not ready: {}", failing.join(", ")),
        )
        .with_details(json!({ "failing": failing, "checks": checks })));
    }
    Ok(Json(json!({ "status": "ready", "checks": checks })))
}
