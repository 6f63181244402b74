//! Jobs (API.md §3): create, list, get, cancel, result, events.

use crate::auth::{Auth, Read, Write};
use crate::error::{ApiError, ApiResult, parse_json};
use crate::idempotency::{idempotent, key_from};
use crate::state::AppState;
use crate::views::{job_view, load_job, load_project};
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use plansift_store::{JobRow, NewJob, ProjectStatus};
use plansift_types::ErrorCode;
use rand::RngCore;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateJob {
    external_id: Option<String>,
    webhook_url: Option<String>,
}

/// `wss_` and the base64 of 32 random bytes (the Standard Webhooks secret format).
fn webhook_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!(
        "wss_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// Checks a webhook URL at job creation: its scheme, and every address its host resolves to
/// now (delivery checks again, and pins the address it checked).
async fn check_webhook_url(state: &AppState, raw: &str) -> ApiResult<String> {
    let bad = |why: &str| {
        ApiError::new(ErrorCode::InvalidWebhookUrl, why.to_string())
            .with_details(json!({ "field": "webhookUrl" }))
    };
    let url = url::Url::parse(raw).map_err(|_| bad("webhookUrl is not a URL"))?;
    if !crate::webhooks::allowed_scheme(state, url.scheme()) {
        return Err(bad("webhookUrl must use https"));
    }
    let host = url.host().ok_or_else(|| bad("webhookUrl has no host"))?;
    if !state.config.webhook_allow_private {
        let forbidden = match host {
            url::Host::Ipv4(ip) => crate::webhooks::forbidden_ip(ip.into()),
            url::Host::Ipv6(ip) => crate::webhooks::forbidden_ip(ip.into()),
            url::Host::Domain(d) => {
                d.eq_ignore_ascii_case("localhost") || d.ends_with(".localhost")
            }
        };
        if forbidden {
            return Err(bad("webhookUrl resolves to a forbidden address"));
        }
        if let url::Host::Domain(d) = host {
            let port = url.port_or_known_default().unwrap_or(443);
            crate::webhooks::allowed_address(state, d, port)
                .await
                .map_err(|why| bad(&format!("webhookUrl is refused: {why}")))?;
        }
    }
    Ok(url.to_string())
}

pub async fn create(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Write>,
    Path(project_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let key = key_from(&headers)?;
    let project = load_project(state.meta.as_ref(), &who.org_id, &project_id).await?;
    let req: CreateJob = if body.is_empty() {
        CreateJob {
            external_id: None,
            webhook_url: None,
        }
    } else {
        parse_json(&body)?
    };
    if req
        .external_id
        .as_ref()
        .is_some_and(|e| e.chars().count() > 180)
    {
        return Err(ApiError::invalid(
            "externalId",
            "externalId must be at most 180 characters",
        ));
    }
    let webhook_url = match req.webhook_url.as_deref() {
        Some(u) => Some(check_webhook_url(&state, u).await?),
        None => None,
    };
    if project.status != ProjectStatus::Ready {
        return Err(ApiError::new(
            ErrorCode::ProjectNotReady,
            "the project is not ready yet",
        ));
    }
    let endpoint = format!("POST /projects/{}/jobs", project.id);
    idempotent(&state, &who.org_id, &endpoint, key, &body, || async {
        let secret = webhook_secret();
        let job = state
            .meta
            .create_job(NewJob {
                org_id: who.org_id.clone(),
                project_id: project.id.clone(),
                external_id: req.external_id.clone(),
                webhook_url: webhook_url.clone(),
                webhook_secret: Some(secret.clone()),
                ttl_days: state.config.job_ttl_days,
            })
            .await?;
        let view = job_view(&state, &job).await?;
        Ok((
            StatusCode::ACCEPTED,
            json!({ "job": view, "webhookSigningSecret": secret }),
        ))
    })
    .await
}

pub async fn list(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Read>,
    Path(project_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let project = load_project(state.meta.as_ref(), &who.org_id, &project_id).await?;
    let mut jobs = Vec::new();
    for job in state.meta.jobs(&who.org_id, &project.id).await? {
        jobs.push(job_view(&state, &job).await?);
    }
    Ok(Json(json!({ "jobs": jobs })))
}

pub async fn get(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Read>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let job = load_job(state.meta.as_ref(), &who.org_id, &id).await?;
    Ok(Json(json!({ "job": job_view(&state, &job).await? })))
}

pub async fn cancel(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Write>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let job = load_job(state.meta.as_ref(), &who.org_id, &id).await?;
    if job.status.is_terminal() {
        return Err(ApiError::job_state(job.status));
    }
    let job = state.meta.cancel_job(&job.id).await?;
    Ok(Json(json!({ "job": job_view(&state, &job).await? })))
}

/// `POST /jobs/{id}/resume`: only from `blocked_insufficient_credits`.
pub async fn resume(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Write>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let job = load_job(state.meta.as_ref(), &who.org_id, &id).await?;
    if job.status != plansift_types::JobStatus::BlockedInsufficientCredits {
        return Err(ApiError::job_state(job.status));
    }
    let job = state.meta.resume_job(&job.id).await?;
    Ok(Json(json!({ "job": job_view(&state, &job).await? })))
}

pub async fn events(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Read>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let job = load_job(state.meta.as_ref(), &who.org_id, &id).await?;
    let events: Vec<Value> = state
        .meta
        .job_events(&job.id)
        .await?
        .into_iter()
        .map(|e| {
            json!({ "id": e.id, "type": "job.status_changed", "previousStatus": e.previous_status, "status": e.status,
                    "createdAt": plansift_types::time::format(&e.created_at) })
        })
        .collect();
    Ok(Json(json!({ "events": events })))
}

/// The stored Result v1, byte for byte, with a strong ETag.
pub async fn result(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Read>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let job = load_job(state.meta.as_ref(), &who.org_id, &id).await?;
    serve_result(&state, &job, &headers).await
}

#[derive(serde::Deserialize)]
pub struct ResultLink {
    token: Option<String>,
}

/// `GET /results/{jobId}?token=…`: the job's `resultUrl`, pre-signed until the job's
/// `expiresAt`, answering exactly as `GET /jobs/{jobId}/result` does but without a key.
pub async fn signed_result(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(link): Query<ResultLink>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let token = link
        .token
        .ok_or_else(|| ApiError::invalid("token", "the result link's token is missing"))?;
    let id = plansift_types::ids::parse_id(plansift_types::ids::IdKind::Job, &id)
        .ok_or_else(ApiError::not_found)?;
    crate::upload_token::verify_result(&state, &token, &id).await?;
    let job = state
        .meta
        .job(None, &id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    crate::auth::ensure_enabled(&state, &job.org_id).await?;
    serve_result(&state, &job, &headers).await
}

/// The stored Result v1 of a job, byte for byte, with a strong ETag and `304` for a match.
async fn serve_result(state: &AppState, job: &JobRow, headers: &HeaderMap) -> ApiResult<Response> {
    let key = match (&job.result_key, job.status.has_result()) {
        (Some(key), true) => key.clone(),
        _ => {
            return Err(
                ApiError::new(ErrorCode::ResultNotAvailable, "the job has no result")
                    .with_details(json!({ "status": job.status.as_str() })),
            );
        }
    };
    let bytes = state.blobs.get(&key).await?;
    let etag = format!(
        "\"{}\"",
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes))
    );
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (header::ETAG, etag),
        ],
        Body::from(bytes),
    )
        .into_response())
}

/// `GET /jobs/{id}/webhook-deliveries` (extension): where each event's delivery stands.
pub async fn webhook_deliveries(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Read>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let job = load_job(state.meta.as_ref(), &who.org_id, &id).await?;
    let deliveries: Vec<Value> = state
        .meta
        .webhook_deliveries(&job.id)
        .await?
        .iter()
        .map(|d| {
            json!({
                "eventId": d.event_id, "sequence": d.seq, "attempt": d.attempts, "status": d.status,
                "responseStatus": d.response_status, "lastError": d.last_error,
                "nextAttemptAt": d.next_attempt_at.as_ref().map(plansift_types::time::format),
                "deliveredAt": d.delivered_at.as_ref().map(plansift_types::time::format),
            })
        })
        .collect();
    Ok(Json(json!({ "deliveries": deliveries })))
}
