//! `GET /healthz` (process up) and `GET /readyz` (store reachable, migrations applied).

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use plansift_types::ErrorCode;
use serde_json::{Value, json};

pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

pub async fn readyz(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    state.meta.ping().await.map_err(|e| {
        tracing::warn!(error = %e, "store not ready");
        ApiError::new(ErrorCode::Unavailable, "the store is not reachable")
    })?;
    Ok(Json(json!({ "status": "ready" })))
}
