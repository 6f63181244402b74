//! `X-Request-Id` on every response (the client's when sane), the envelope for framework-level
//! errors (unknown route, wrong method, body too large), and access logs.

use crate::error::{ApiError, REQUEST_ID};
use axum::extract::Request;
use axum::http::HeaderValue;
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
    let path = loggable(request.uri().path());
    let request_path = request.uri().path().to_string();
    let started = std::time::Instant::now();
    let mut response = REQUEST_ID.scope(id.clone(), next.run(request)).await;
    // Rejections from axum's own extractors (bad query, path, body, content type; a body over
    // its limit) come as plain text: every error is answered in the envelope instead.
    if (response.status().is_client_error() || response.status().is_server_error())
        && response
            .headers()
            .get("content-type")
            .is_none_or(|v| !v.as_bytes().starts_with(b"application/json"))
    {
        let limit = crate::api_table::body_limit_of(request_path.as_str());
        response = REQUEST_ID
            .scope(id.clone(), envelope_of(response, limit))
            .await;
    }
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", v);
    }
    tracing::debug!(%method, %path, status = response.status().as_u16(), ms = started.elapsed().as_millis() as u64, request_id = %id, "request");
    response
}

/// The envelope for a framework rejection: its code from the status, its text as the message,
/// its status and the headers it set (`Allow`, `Retry-After`, `Content-Range`) kept.
async fn envelope_of(response: Response, body_limit: usize) -> Response {
    let (parts, body) = response.into_parts();
    let status = parts.status.as_u16();
    let code = ErrorCode::for_status(status);
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text).trim().to_string();
    let message = match code {
        // A body over its limit (the framework's message names no limit).
        ErrorCode::PayloadTooLarge => "the request body is too large".to_string(),
        ErrorCode::UnsupportedMediaType if text.is_empty() => {
            "the request's content type is not accepted here".to_string()
        }
        _ if text.is_empty() => parts
            .status
            .canonical_reason()
            .unwrap_or("error")
            .to_lowercase(),
        _ => text,
    };
    let mut error = ApiError::new(code, message);
    if code == ErrorCode::PayloadTooLarge {
        error = error.with_details(json!({ "limit": body_limit }));
    }
    let mut fresh = error.into_response();
    *fresh.status_mut() = parts.status;
    for name in [
        axum::http::header::ALLOW,
        axum::http::header::RETRY_AFTER,
        axum::http::header::CONTENT_RANGE,
    ] {
        if let Some(v) = parts.headers.get(&name) {
            fresh.headers_mut().insert(name, v.clone());
        }
    }
    fresh
}

/// A path fit for the access log: the capability tokens of signed upload targets and download
/// links (which grant access without a key) are replaced by `…`.
fn loggable(path: &str) -> String {
    let mut out = Vec::new();
    let mut secret_next = false;
    for segment in path.split('/') {
        if secret_next && !segment.is_empty() {
            out.push("…");
        } else {
            out.push(segment);
        }
        secret_next = matches!(segment, "upload-targets" | "artifact-downloads");
    }
    out.join("/")
}

pub async fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "no such route")
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::new(ErrorCode::MethodNotAllowed, "no such route for this method")
}

#[cfg(test)]
mod tests {
    use super::loggable;

    #[test]
    fn capability_tokens_are_not_logged() {
        assert_eq!(
            loggable("/api/open/v1/upload-targets/abc.def/parts/3"),
            "/api/open/v1/upload-targets/…/parts/3"
        );
        assert_eq!(
            loggable("/api/open/v1/artifact-downloads/dl_1.secret"),
            "/api/open/v1/artifact-downloads/…"
        );
        assert_eq!(
            loggable("/api/open/v1/jobs/job_1"),
            "/api/open/v1/jobs/job_1"
        );
    }
}
