//! `X-Request-Id` on every response (the client's when sane), the envelope for framework-level
//! errors (unknown route, wrong method, body too large), and access logs.

use crate::error::{ApiError, REQUEST_ID};
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use plansift_types::ErrorCode;
use serde_json::json;

fn sane(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

pub async fn middleware(request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| sane(v))
        .map(str::to_string)
        .unwrap_or_else(|| format!("req_{}", ulid::Ulid::new().to_string().to_lowercase()));
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let started = std::time::Instant::now();
    let mut response = REQUEST_ID.scope(id.clone(), next.run(request)).await;
    // Rejections from axum's own extractors (a body over its limit) are not in the envelope yet.
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE
        && response
            .headers()
            .get("content-type")
            .is_none_or(|v| v != "application/json")
    {
        response = REQUEST_ID
            .scope(id.clone(), async {
                ApiError::new(ErrorCode::PayloadTooLarge, "the request body is too large")
                    .with_details(json!({ "limit": 1 << 20 }))
                    .into_response()
            })
            .await;
    }
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", v);
    }
    tracing::debug!(%method, %path, status = response.status().as_u16(), ms = started.elapsed().as_millis() as u64, request_id = %id, "request");
    response
}

pub async fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "no such route")
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "no such route for this method")
}
