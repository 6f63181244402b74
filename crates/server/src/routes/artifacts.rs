//! Artifacts (API.md §8): bytes of paths that a job's result or a project's entities reference,
//! and nothing else.

use crate::auth::{Artifacts, Auth};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::views::{load_job, load_project};
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
pub struct ArtifactQuery {
    path: Option<String>,
}

/// The content type of `path` if the result references it.
fn referenced(result: &Value, path: &str) -> Option<String> {
    let listed = |artifacts: &Value| {
        artifacts
            .as_array()?
            .iter()
            .find(|a| a["path"] == path)
            .and_then(|a| a["contentType"].as_str().map(str::to_string))
    };
    result["documents"].as_array()?.iter().find_map(|d| {
        listed(&d["artifacts"]).or_else(|| {
            d["sheets"]
                .as_array()?
                .iter()
                .find_map(|s| listed(&s["artifacts"]))
        })
    })
}

pub async fn job_artifact(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Artifacts>,
    Path(id): Path<String>,
    Query(query): Query<ArtifactQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let path = query
        .path
        .ok_or_else(|| ApiError::invalid("path", "path is required"))?;
    let content_type = job_content_type(&state, &who.org_id, &id, &path).await?;
    serve(&state, &path, content_type, &headers).await
}

/// The content type of `path` if the result of the organization's job references it; `404`
/// otherwise, before anything touches the blob store.
pub async fn job_content_type(
    state: &AppState,
    org_id: &str,
    job_id: &str,
    path: &str,
) -> ApiResult<String> {
    let job = load_job(state.meta.as_ref(), org_id, job_id).await?;
    let result_key = job
        .result_key
        .as_deref()
        .filter(|_| job.status.has_result())
        .ok_or_else(ApiError::not_found)?;
    // The project index lists every path a finished job's result references (written with the
    // job's end): answer from it when the path's document is this job's, without reading and
    // parsing the whole result for each thumbnail a client shows.
    if let Some(content_type) = state.meta.project_artifact(&job.project_id, path).await?
        && let Some((doc, _)) = path.split_once('/')
        && state
            .meta
            .documents(&job.id)
            .await?
            .iter()
            .any(|d| d.id == doc)
    {
        return Ok(content_type);
    }
    let result: Value =
        serde_json::from_slice(&state.blobs.get(result_key).await?).map_err(ApiError::internal)?;
    referenced(&result, path).ok_or_else(ApiError::not_found)
}

/// `GET /projects/{id}/artifact?path=`: paths the project's entities reference.
pub async fn project_artifact(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Artifacts>,
    Path(id): Path<String>,
    Query(query): Query<ArtifactQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let path = query
        .path
        .ok_or_else(|| ApiError::invalid("path", "path is required"))?;
    let content_type = project_content_type(&state, &who.org_id, &id, &path).await?;
    serve(&state, &path, content_type, &headers).await
}

/// The content type of `path` if the organization's project references it; `404` otherwise.
pub async fn project_content_type(
    state: &AppState,
    org_id: &str,
    project_id: &str,
    path: &str,
) -> ApiResult<String> {
    let project = load_project(state.meta.as_ref(), org_id, project_id).await?;
    state
        .meta
        .project_artifact(&project.id, path)
        .await?
        .ok_or_else(ApiError::not_found)
}

/// A single byte range of a `Range` header against a blob of `size` bytes: `Ok(None)` serves
/// the whole blob (no header, or a form this server does not split, like several ranges),
/// `Err(())` is unsatisfiable.
pub(crate) fn byte_range(header: Option<&str>, size: u64) -> Result<Option<(u64, u64)>, ()> {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let (a, b) = spec.split_once('-').ok_or(())?;
    let (start, end) = match (a.trim(), b.trim()) {
        ("", suffix) => {
            let n: u64 = suffix.parse().map_err(|_| ())?;
            if n == 0 {
                return Err(());
            }
            (size.saturating_sub(n), size)
        }
        (a, "") => (a.parse().map_err(|_| ())?, size),
        (a, b) => {
            let a: u64 = a.parse().map_err(|_| ())?;
            let b: u64 = b.parse().map_err(|_| ())?;
            if b < a {
                return Err(());
            }
            (a, (b + 1).min(size))
        }
    };
    if start >= size {
        return Err(());
    }
    Ok(Some((start, end)))
}

/// Every artifact is served under this policy: should a browser ever render one as a document,
/// it runs in a unique origin with no script, no plugin and no request to anywhere.
const SANDBOX_CSP: &str = "default-src 'none'; sandbox";

/// The content type and disposition an artifact is served with. The bytes of an original are
/// the client's, whatever type it declared: an original is always an `attachment`, as
/// `application/pdf` or else `application/octet-stream`, so that no uploaded HTML or SVG is
/// ever rendered on the API's origin. Generated artifacts are shown inline when they are of a
/// type this server writes (images, JSON, plain text); anything else is an octet-stream
/// attachment.
fn safe_type(path: &str, declared: &str) -> (&'static str, &'static str) {
    let essence = declared
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if path.ends_with("/original.pdf") {
        return match essence.as_str() {
            "application/pdf" => ("application/pdf", "attachment"),
            _ => ("application/octet-stream", "attachment"),
        };
    }
    match essence.as_str() {
        "image/png" => ("image/png", "inline"),
        "image/jpeg" => ("image/jpeg", "inline"),
        "image/webp" => ("image/webp", "inline"),
        "application/json" => ("application/json", "inline"),
        "text/plain" => ("text/plain; charset=utf-8", "inline"),
        "application/pdf" => ("application/pdf", "attachment"),
        _ => ("application/octet-stream", "attachment"),
    }
}

/// Streams a referenced artifact: `Content-Type`, `Content-Length`, `Content-Disposition`, an
/// `ETag` (published blobs never change under their key), `If-None-Match` and single `Range`s.
/// HEAD gets the same headers without the body.
pub async fn serve(
    state: &AppState,
    path: &str,
    content_type: String,
    headers: &HeaderMap,
) -> ApiResult<Response> {
    let key = plansift_jobs::artifacts::blob_key(path).ok_or_else(ApiError::not_found)?;
    serve_blob(state, &key, path, content_type, headers).await
}

/// [`serve`] for a blob key the server chose; `path` names the file for `Content-Disposition`.
pub async fn serve_blob(
    state: &AppState,
    key: &str,
    path: &str,
    content_type: String,
    headers: &HeaderMap,
) -> ApiResult<Response> {
    let key = key.to_string();
    let size = match state.blobs.size(&key).await {
        Ok(size) => size,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(ApiError::not_found()),
        Err(e) => return Err(e.into()),
    };
    let digest = <sha2::Sha256 as sha2::Digest>::digest(format!("{key}\u{0}{size}"));
    let etag = format!("\"{}\"", hex::encode(&digest[..16]));
    let file_name: String = path
        .rsplit('/')
        .next()
        .unwrap_or("artifact")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    let (content_type, disposition) = safe_type(path, &content_type);
    let common = [
        (header::CONTENT_TYPE, content_type.to_string()),
        (
            header::CONTENT_DISPOSITION,
            format!("{disposition}; filename=\"{file_name}\""),
        ),
        (header::ETAG, etag.clone()),
        (header::ACCEPT_RANGES, "bytes".to_string()),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        (header::CONTENT_SECURITY_POLICY, SANDBOX_CSP.to_string()),
    ];
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag))
    {
        return Ok((StatusCode::NOT_MODIFIED, common).into_response());
    }
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    let (status, start, end) = match byte_range(range, size) {
        Ok(None) => (StatusCode::OK, 0, size),
        Ok(Some((a, b))) => (StatusCode::PARTIAL_CONTENT, a, b),
        Err(()) => {
            return Ok((
                StatusCode::RANGE_NOT_SATISFIABLE,
                [(header::CONTENT_RANGE, format!("bytes */{size}"))],
            )
                .into_response());
        }
    };
    let reader = state.blobs.read_range(&key, start, end - start).await?;
    let mut response = (
        status,
        common,
        Body::from_stream(tokio_util::io::ReaderStream::new(reader)),
    )
        .into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_LENGTH, (end - start).into());
    if status == StatusCode::PARTIAL_CONTENT {
        let value = format!("bytes {start}-{}/{size}", end - 1);
        h.insert(
            header::CONTENT_RANGE,
            value.parse().map_err(ApiError::internal)?,
        );
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::{byte_range, safe_type};

    #[test]
    fn originals_are_attachments_of_a_harmless_type() {
        assert_eq!(
            safe_type("doc_1/original.pdf", "text/html"),
            ("application/octet-stream", "attachment")
        );
        assert_eq!(
            safe_type("doc_1/original.pdf", "image/svg+xml"),
            ("application/octet-stream", "attachment")
        );
        assert_eq!(
            safe_type("doc_1/original.pdf", "Application/PDF; x=y"),
            ("application/pdf", "attachment")
        );
        assert_eq!(
            safe_type("doc_1/pages/1/thumbnail.png", "image/png"),
            ("image/png", "inline")
        );
        assert_eq!(
            safe_type("doc_1/pages/1/x.html", "text/html"),
            ("application/octet-stream", "attachment")
        );
    }

    #[test]
    fn ranges_are_read_as_rfc_9110_says() {
        assert_eq!(byte_range(None, 100), Ok(None));
        assert_eq!(byte_range(Some("bytes=0-9"), 100), Ok(Some((0, 10))));
        assert_eq!(byte_range(Some("bytes=90-"), 100), Ok(Some((90, 100))));
        assert_eq!(byte_range(Some("bytes=-10"), 100), Ok(Some((90, 100))));
        assert_eq!(byte_range(Some("bytes=95-200"), 100), Ok(Some((95, 100))));
        assert_eq!(byte_range(Some("bytes=0-1,5-6"), 100), Ok(None));
        assert_eq!(byte_range(Some("bytes=100-"), 100), Err(()));
        assert_eq!(byte_range(Some("bytes=9-3"), 100), Err(()));
        assert_eq!(byte_range(Some("bytes=x-"), 100), Err(()));
    }
}
