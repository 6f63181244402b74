//! `Idempotency-Key` (API.md §1): the first response is stored with a hash of the body; a
//! repeat with the same body gets it back with `"idempotent": true`.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use plansift_store::rows::IdempotencyState;
use plansift_types::ErrorCode;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::future::Future;

pub fn key_from(headers: &HeaderMap) -> ApiResult<Option<String>> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let s = v
        .to_str()
        .map_err(|_| ApiError::invalid("Idempotency-Key", "the key must be printable ASCII"))?;
    if s.is_empty() || s.len() > 256 || !s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err(ApiError::invalid(
            "Idempotency-Key",
            "the key must be 1-256 printable ASCII characters",
        ));
    }
    Ok(Some(s.to_string()))
}

/// Runs `run` once per key: replays the stored response, refuses a different body, and refuses a
/// concurrent repeat.
pub async fn idempotent<F, Fut>(
    state: &AppState,
    org_id: &str,
    endpoint: &str,
    key: Option<String>,
    body: &[u8],
    run: F,
) -> ApiResult<Response>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = ApiResult<(StatusCode, Value)>>,
{
    let Some(key) = key else {
        let (status, body) = run().await?;
        return Ok((status, axum::Json(body)).into_response());
    };
    let hash = hex::encode(Sha256::digest(body));
    match state
        .meta
        .idempotency_begin(org_id, endpoint, &key, &hash)
        .await?
    {
        IdempotencyState::InProgress => Err(ApiError::new(
            ErrorCode::IdempotencyKeyInUse,
            "a request with this key is in progress",
        )),
        IdempotencyState::Done { body_hash, .. } if body_hash != hash => Err(ApiError::new(
            ErrorCode::IdempotencyKeyReused,
            "this key was used with a different request body",
        )),
        IdempotencyState::Done {
            status_code,
            response,
            ..
        } => {
            let mut body: Value = serde_json::from_str(&response).map_err(ApiError::internal)?;
            body["idempotent"] = Value::Bool(true);
            let status = StatusCode::from_u16(status_code).map_err(ApiError::internal)?;
            Ok((status, axum::Json(body)).into_response())
        }
        IdempotencyState::Fresh => match run().await {
            Ok((status, body)) => {
                state
                    .meta
                    .idempotency_finish(org_id, endpoint, &key, status.as_u16(), &body.to_string())
                    .await?;
                Ok((status, axum::Json(body)).into_response())
            }
            Err(e) => {
                // Errors are not stored: the client may fix the cause and retry with the same key.
                state.meta.idempotency_abort(org_id, endpoint, &key).await?;
                Err(e)
            }
        },
    }
}
