//! Artifact download tokens (API.md §8, extension): a short-lived, single-use URL for one
//! artifact that needs no key, for handing to a browser or another tool.

use crate::auth::{Artifacts, Auth};
use crate::error::{ApiError, ApiResult, parse_json};
use crate::routes::artifacts::{byte_range, job_content_type, project_content_type, serve};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use plansift_store::DownloadRow;
use plansift_types::ErrorCode;
use plansift_types::ids::{IdKind, new_id};
use rand::Rng;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateDownload {
    job_id: Option<String>,
    project_id: Option<String>,
    path: String,
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// `POST /artifact-downloads`: `201 {token, downloadUrl, expiresAt}` for a path the job's result
/// or the project's entities reference.
pub async fn create(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Artifacts>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: CreateDownload = parse_json(&body)?;
    let content_type = match (&req.job_id, &req.project_id) {
        (Some(job), None) => job_content_type(&state, &who.org_id, job, &req.path).await?,
        (None, Some(project)) => {
            project_content_type(&state, &who.org_id, project, &req.path).await?
        }
        _ => {
            return Err(ApiError::invalid(
                "jobId",
                "give exactly one of jobId and projectId",
            ));
        }
    };
    let id = new_id(IdKind::Download);
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let secret: String = {
        let mut rng = rand::thread_rng();
        (0..32)
            .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
            .collect()
    };
    let token = format!("{id}.{secret}");
    let expires = chrono::Utc::now() + chrono::Duration::seconds(state.config.download_ttl_secs);
    state
        .meta
        .create_download(
            &token_hash(&token),
            &DownloadRow {
                id,
                org_id: who.org_id.clone(),
                path: req.path.clone(),
                content_type,
                expires_at: expires,
                used_at: None,
            },
        )
        .await?;
    let url = format!(
        "{}/api/open/v1/artifact-downloads/{token}",
        state.config.public_base_url.trim_end_matches('/')
    );
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "token": token, "downloadUrl": url,
            "expiresAt": plansift_types::time::format(&expires),
        })),
    )
        .into_response())
}

/// Whether the request's `Range` asks for less than the whole artifact at `path`.
async fn partial(state: &AppState, path: &str, headers: &HeaderMap) -> bool {
    let Some(range) = headers.get(header::RANGE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let Some(key) = plansift_jobs::artifacts::blob_key(path) else {
        return false;
    };
    let Ok(size) = state.blobs.size(&key).await else {
        return false;
    };
    matches!(byte_range(Some(range), size), Ok(Some((start, end))) if end - start < size)
}

/// `GET|HEAD /artifact-downloads/{token}`: the first successful GET of the whole artifact
/// consumes the token; HEAD and ranges of part of it do not.
pub async fn fetch(
    State(state): State<AppState>,
    Path(token): Path<String>,
    method: Method,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let hash = token_hash(&token);
    let row = state
        .meta
        .download(&hash)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let gone = || {
        ApiError::new(
            ErrorCode::TokenExpired,
            "the download token has expired or was used",
        )
    };
    crate::auth::ensure_enabled(&state, &row.org_id).await?;
    if row.used_at.is_some() || row.expires_at <= chrono::Utc::now() {
        return Err(gone());
    }
    // The whole artifact consumes the token; HEAD and a `Range` of part of it do not, so that
    // a browser or download manager that probes or resumes in ranges still gets the file.
    if method != Method::HEAD
        && !partial(&state, &row.path, &headers).await
        && !state.meta.consume_download(&hash).await?
    {
        return Err(gone());
    }
    serve(&state, &row.path, row.content_type, &headers).await
}
