//! Projects (API.md §2).

use crate::auth::{Auth, Read, Write};
use crate::error::{ApiError, ApiResult, parse_json};
use crate::idempotency::{idempotent, key_from};
use crate::state::AppState;
use crate::views::{load_project, project_view};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
struct CreateProject {
    name: String,
}

pub async fn create(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Write>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let key = key_from(&headers)?;
    let req: CreateProject = parse_json(&body)?;
    let name = req.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 180 {
        return Err(ApiError::invalid("name", "name must be 1-180 characters"));
    }
    idempotent(&state, &who.org_id, "POST /projects", key, &body, || async {
        let org = state.meta.org(&who.org_id).await?.ok_or_else(ApiError::not_found)?;
        let charge = org.profile.project_creation_credits.max(0);
        let before = state.meta.balance(&who.org_id).await?.available;
        let project = state.meta.create_project(&who.org_id, &name, charge).await?;
        Ok((
            StatusCode::ACCEPTED,
            json!({
                "project": project_view(&project),
                "billing": { "availableCredits": before, "creditsCharged": charge, "requiredCredits": charge },
            }),
        ))
    })
    .await
}

pub async fn list(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Read>,
) -> ApiResult<Json<Value>> {
    let projects: Vec<_> = state
        .meta
        .projects(&who.org_id)
        .await?
        .iter()
        .map(project_view)
        .collect();
    Ok(Json(json!({ "projects": projects })))
}

pub async fn get(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Read>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let project = load_project(state.meta.as_ref(), &who.org_id, &id).await?;
    Ok(Json(json!({ "project": project_view(&project) })))
}
