//! The content types a JSON-body route takes (API.md §1): a body declared as something else —
//! a multipart form, XML, a PDF — is `415 unsupported_media_type`, never parsed as JSON or
//! answered as a parse error.
//!
//! No header, `application/json` and `application/*+json` are JSON. The two types HTTP clients
//! send by default for a raw body are taken too and parsed as JSON: `curl -d` says
//! `application/x-www-form-urlencoded` and a browser's `fetch` with a string body `text/plain`,
//! and guides (ours and Plangrep's) post JSON that way.

use crate::error::ApiError;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use plansift_types::ErrorCode;

/// Whether a body with this `Content-Type` is read as JSON.
pub fn is_json_like(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence.is_empty()
        || essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
        || essence == "application/x-www-form-urlencoded"
        || essence == "text/plain"
}

pub async fn middleware(request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).to_string());
    match declared {
        Some(t) if !is_json_like(&t) => ApiError::new(
            ErrorCode::UnsupportedMediaType,
            format!("this route takes a JSON body, not {t}"),
        )
        .into_response(),
        _ => next.run(request).await,
    }
}

#[cfg(test)]
mod tests {
    use super::is_json_like;

    #[test]
    fn json_and_the_default_types_of_raw_bodies_are_json_like() {
        for t in [
            "",
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON",
            "application/merge-patch+json",
            "application/x-www-form-urlencoded",
            "text/plain;charset=UTF-8",
        ] {
            assert!(is_json_like(t), "{t}");
        }
        for t in [
            "multipart/form-data; boundary=x",
            "multipart/form-data",
            "application/xml",
            "application/pdf",
            "application/octet-stream",
            "text/html",
        ] {
            assert!(!is_json_like(t), "{t}");
        }
    }
}
