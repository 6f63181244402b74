//! `GET /healthz` (process up) and `GET /readyz` (store reachable, migrations applied).

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use plansift_types::ErrorCode;
use serde_json::{Value, json};

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

pub async fn readyz(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    state.meta.ping().await.map_err(|e| {
        tracing::warn!(error = %e, "store not ready");
        ApiError::new(ErrorCode::Unavailable, "the store is not reachable")
    })?;
    Ok(Json(json!({ "status": "ready" })))
}
