//! Artifacts (API.md §8): bytes of paths that a job's result or a project's entities reference,
//! and nothing else.

use crate::auth::{Artifacts, Auth};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::views::{load_job, load_project};
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::header;
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
) -> ApiResult<Response> {
    let job = load_job(state.meta.as_ref(), &who.org_id, &id).await?;
    let path = query
        .path
        .ok_or_else(|| ApiError::invalid("path", "path is required"))?;
    let result_key = job
        .result_key
        .as_deref()
        .filter(|_| job.status.has_result())
        .ok_or_else(ApiError::not_found)?;
    let result: Value =
        serde_json::from_slice(&state.blobs.get(result_key).await?).map_err(ApiError::internal)?;
    let content_type = referenced(&result, &path).ok_or_else(ApiError::not_found)?;
    serve(&state, &path, content_type).await
}

/// `GET /projects/{id}/artifact?path=`: paths the project's entities reference.
pub async fn project_artifact(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Artifacts>,
    Path(id): Path<String>,
    Query(query): Query<ArtifactQuery>,
) -> ApiResult<Response> {
    let project = load_project(state.meta.as_ref(), &who.org_id, &id).await?;
    let path = query
        .path
        .ok_or_else(|| ApiError::invalid("path", "path is required"))?;
    let content_type = state
        .meta
        .project_artifact(&project.id, &path)
        .await?
        .ok_or_else(ApiError::not_found)?;
    serve(&state, &path, content_type).await
}

/// The bytes of a referenced artifact path.
async fn serve(state: &AppState, path: &str, content_type: String) -> ApiResult<Response> {
    let key = plansift_jobs::artifacts::blob_key(path).ok_or_else(ApiError::not_found)?;
    let bytes = match state.blobs.get(&key).await {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(ApiError::not_found()),
        Err(e) => return Err(e.into()),
    };
    let etag = format!(
        "\"{}\"",
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes))
    );
    let file_name = path.replace('/', "-");
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{file_name}\""),
            ),
            (header::ETAG, etag),
        ],
        Body::from(bytes),
    )
        .into_response())
}
