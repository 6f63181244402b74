//! Keys and administration (API.md §10), behind the admin token: API keys of an organization,
//! organizations, credit grants and profiles.

use crate::auth::{generate_key, hash_key, key_prefix};
use crate::error::{ApiError, ApiResult, parse_json};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use plansift_store::{KeyRow, NewKey, OrgRow};
use plansift_types::ErrorCode;
use plansift_types::api::Scope;
use plansift_types::time;
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// The admin token was presented (compared as hashes, in constant time).
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Admin> {
        let presented = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(crate::auth::bearer_token);
        let (Some(presented), Some(expected)) = (presented, state.config.admin_token.as_deref())
        else {
            return Err(unauthorized());
        };
        let (a, b) = (Sha256::digest(presented), Sha256::digest(expected));
        let same = a
            .iter()
            .zip(b.iter())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0;
        if same { Ok(Admin) } else { Err(unauthorized()) }
    }
}

fn unauthorized() -> ApiError {
    ApiError::new(ErrorCode::Unauthorized, "the admin token is required")
}

pub fn key_view(k: &KeyRow) -> Value {
    json!({
        "id": k.id, "orgId": k.org_id, "label": k.label, "keyPrefix": k.key_prefix,
        "scopes": k.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>(), "hashVersion": "v1",
        "createdAt": time::format(&k.created_at),
        "expiresAt": k.expires_at.as_ref().map(time::format),
        "lastUsedAt": k.last_used_at.as_ref().map(time::format),
        "lastUsedIp": k.last_used_ip, "revokedAt": k.revoked_at.as_ref().map(time::format),
        // Plangrep's keys name the user who made them; Plansift has no users (keys are made
        // with the admin token or the CLI), so the field is always there and null.
        "createdByUserId": Value::Null,
    })
}

fn org_view(o: &OrgRow) -> Value {
    json!({ "id": o.id, "name": o.name, "createdAt": time::format(&o.created_at) })
}

/// The organization named, or the only one when none is named.
async fn org_of(state: &AppState, org_id: Option<&str>) -> ApiResult<OrgRow> {
    match org_id {
        Some(id) => state.meta.org(id).await?.ok_or_else(ApiError::not_found),
        None => {
            let mut orgs = state.meta.orgs().await?;
            if orgs.len() == 1 {
                Ok(orgs.remove(0))
            } else {
                Err(ApiError::invalid(
                    "orgId",
                    "orgId is required when the server has several organizations",
                ))
            }
        }
    }
}

pub async fn list_keys(
    State(state): State<AppState>,
    _: Admin,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let org = org_of(&state, q.get("orgId").map(String::as_str)).await?;
    let keys: Vec<Value> = state
        .meta
        .keys(&org.id)
        .await?
        .iter()
        .map(key_view)
        .collect();
    Ok(Json(json!({ "keys": keys, "profile": org.profile })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateKey {
    org_id: Option<String>,
    label: String,
    scopes: Vec<String>,
    expires_at: Option<String>,
}

pub async fn create_key(
    State(state): State<AppState>,
    _: Admin,
    body: Bytes,
) -> ApiResult<Response> {
    let req: CreateKey = parse_json(&body)?;
    if req.label.trim().is_empty() || req.label.chars().count() > 120 {
        return Err(ApiError::invalid("label", "label must be 1-120 characters"));
    }
    let scopes = req
        .scopes
        .iter()
        .map(|s| Scope::parse(s))
        .collect::<Option<Vec<_>>>()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            ApiError::invalid(
                "scopes",
                "scopes: one or more of jobs:read, jobs:write, artifacts:read",
            )
        })?;
    let expires_at = req
        .expires_at
        .as_deref()
        .map(|s| {
            time::parse(s)
                .ok_or_else(|| ApiError::invalid("expiresAt", "expiresAt must be RFC 3339"))
        })
        .transpose()?;
    let org = org_of(&state, req.org_id.as_deref()).await?;
    let plaintext = generate_key();
    let key = state
        .meta
        .create_key(NewKey {
            org_id: org.id,
            label: req.label.trim().to_string(),
            key_prefix: key_prefix(&plaintext),
            key_hash: hash_key(&plaintext),
            scopes,
            expires_at,
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "key": key_view(&key), "plaintextKey": plaintext })),
    )
        .into_response())
}

pub async fn revoke_key(
    State(state): State<AppState>,
    _: Admin,
    Path(key_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let key = state.meta.revoke_key(&key_id).await?;
    Ok(Json(json!({ "key": key_view(&key) })))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct OrgRef {
    org_id: Option<String>,
}

pub async fn revoke_all(
    State(state): State<AppState>,
    _: Admin,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let req: OrgRef = if body.iter().all(u8::is_ascii_whitespace) {
        OrgRef::default()
    } else {
        parse_json(&body)?
    };
    let org = org_of(&state, req.org_id.as_deref()).await?;
    let keys: Vec<Value> = state
        .meta
        .revoke_all_keys(&org.id)
        .await?
        .iter()
        .map(key_view)
        .collect();
    Ok(Json(json!({ "keys": keys })))
}

#[derive(Deserialize)]
struct CreateOrg {
    name: String,
}

pub async fn create_org(
    State(state): State<AppState>,
    _: Admin,
    body: Bytes,
) -> ApiResult<Response> {
    let req: CreateOrg = parse_json(&body)?;
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > 180 {
        return Err(ApiError::invalid("name", "name must be 1-180 characters"));
    }
    let org = state.meta.create_org(name).await.map_err(|e| match e {
        plansift_store::StoreError::NameTaken => ApiError::new(
            ErrorCode::InvalidRequest,
            "an organization with this name exists",
        )
        .with_details(json!({ "field": "name" })),
        other => other.into(),
    })?;
    Ok((StatusCode::CREATED, Json(json!({ "org": org_view(&org) }))).into_response())
}

pub async fn get_org(
    State(state): State<AppState>,
    _: Admin,
    Path(org_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let org = org_of(&state, Some(&org_id)).await?;
    let balance = state.meta.balance(&org.id).await?;
    Ok(Json(json!({
        "org": org_view(&org),
        "balance": { "available": balance.available, "reserved": balance.reserved },
        "profile": org.profile,
    })))
}

#[derive(Deserialize)]
struct Grant {
    amount: i64,
    note: Option<String>,
}

pub async fn grant(
    State(state): State<AppState>,
    _: Admin,
    Path(org_id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let req: Grant = parse_json(&body)?;
    if req.amount == 0 || req.amount.abs() > 1_000_000_000_000 {
        return Err(ApiError::invalid(
            "amount",
            "amount must be non-zero, at most 1e12 either way",
        ));
    }
    let org = org_of(&state, Some(&org_id)).await?;
    let (entry, balance) = state
        .meta
        .grant(&org.id, req.amount, req.note.as_deref())
        .await?;
    Ok(Json(json!({
        "balance": { "available": balance.available, "reserved": balance.reserved },
        "entry": { "id": entry.id, "kind": entry.kind, "amount": entry.available_delta, "note": req.note },
    })))
}

pub async fn patch_profile(
    State(state): State<AppState>,
    _: Admin,
    Path(org_id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let patch: serde_json::Map<String, Value> = parse_json(&body)?;
    let org = org_of(&state, Some(&org_id)).await?;
    let mut profile = serde_json::to_value(&org.profile).map_err(ApiError::internal)?;
    for (k, v) in patch {
        if k == "updatedAt" {
            continue;
        }
        if profile.get(&k).is_none() {
            return Err(ApiError::invalid(&k, format!("{k} is not a profile field")));
        }
        let numeric = k != "enabled";
        let max = match k.as_str() {
            "retentionDays" => time::MAX_RETENTION_DAYS,
            _ => i64::MAX / 1024,
        };
        let valid = if numeric {
            v.as_i64().is_some_and(|n| (0..=max).contains(&n))
        } else {
            v.is_boolean()
        };
        if !valid {
            return Err(ApiError::invalid(
                &k,
                format!("{k} has the wrong type or range"),
            ));
        }
        profile[&k] = v;
    }
    profile["updatedAt"] = json!(time::format(&time::now()));
    let profile: plansift_types::api::OpenApiProfile =
        serde_json::from_value(profile).map_err(ApiError::internal)?;
    state.meta.set_profile(&org.id, &profile).await?;
    Ok(Json(json!({ "profile": profile })))
}
