//! Signed uploads (API.md §4.2, §4.3): registration, the upload targets (`direct_put` and the
//! parts of `multipart`), base64 content, and the assembly of parts at complete.
//!
//! Every byte is streamed to a staged blob while it is hashed and counted; a body longer than
//! the registered size is cut off at the first byte over and rejected. Nothing is published
//! until its size and sha256 are verified.

use crate::auth::{Auth, Write};
use crate::error::{ApiError, ApiResult, parse_json};
use crate::routes::uploads::{check_accepts_uploads, is_sha256};
use crate::state::AppState;
use crate::upload_token;
use crate::views::{job_view, load_job};
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use futures_util::StreamExt;
use plansift_store::{Added, DocumentRow, NewDocument, PartRow, Registration, StagedBlob};
use plansift_types::ErrorCode;
use plansift_types::api::{MAX_BYTES_PER_JOB, is_classification};
use plansift_types::ids::{IdKind, new_id};
use serde::Deserialize;
use serde_json::{Value, json};

/// The smallest part size accepted from configuration (tests split small files).
pub const MIN_PART_SIZE: u64 = 256 * 1024;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegisterBody {
    files: Vec<RegisterFile>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegisterFile {
    file_name: String,
    content_type: String,
    file_size: i64,
    sha256: String,
    classification: Option<String>,
}

fn bytes_limit() -> ApiError {
    ApiError::new(ErrorCode::LimitExceeded, "too many bytes for one job")
        .with_details(json!({ "limit": "maxDeclaredBytes", "max": MAX_BYTES_PER_JOB }))
}

/// Checks every declared size against the job's byte limit, and their sum with checked
/// arithmetic, before anything (a registration, a list of parts) is made from them.
fn check_files(files: &[RegisterFile]) -> ApiResult<()> {
    if files.is_empty() || files.len() > 100 {
        return Err(ApiError::invalid("files", "files must hold 1-100 items"));
    }
    let mut declared: i64 = 0;
    for (i, f) in files.iter().enumerate() {
        let field = |name: &str| format!("files[{i}].{name}");
        if f.file_name.trim().is_empty() || f.file_name.len() > 1024 {
            return Err(ApiError::invalid(
                &field("fileName"),
                "fileName must be 1-1024 characters",
            ));
        }
        if f.file_size < 0 {
            return Err(ApiError::invalid(
                &field("fileSize"),
                "fileSize must be >= 0",
            ));
        }
        declared = declared
            .checked_add(f.file_size)
            .filter(|&sum| sum <= MAX_BYTES_PER_JOB)
            .ok_or_else(bytes_limit)?;
        if !is_sha256(&f.sha256) {
            return Err(ApiError::invalid(
                &field("sha256"),
                "sha256 must be 64 lowercase hex characters",
            ));
        }
        if let Some(c) = &f.classification
            && !is_classification(c)
        {
            return Err(ApiError::invalid(
                &field("classification"),
                "unknown classification",
            ));
        }
    }
    Ok(())
}

fn target_url(state: &AppState, token: &str) -> String {
    format!(
        "{}/api/open/v1/upload-targets/{token}",
        state.config.public_base_url.trim_end_matches('/')
    )
}

/// The number of parts of a document of `size` bytes in parts of `part_size`.
fn part_count(size: i64, part_size: i64) -> i64 {
    if size == 0 {
        1
    } else {
        (size + part_size - 1) / part_size
    }
}

/// `POST /jobs/{id}/uploads`.
pub async fn register(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Write>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let job = load_job(state.meta.as_ref(), &who.org_id, &id).await?;
    check_accepts_uploads(&state, &job).await?;
    let req: RegisterBody = parse_json(&body)?;
    check_files(&req.files)?;
    let threshold = state.config.multipart_threshold as i64;
    let part_size = state.config.multipart_part_size.max(MIN_PART_SIZE) as i64;
    let expires = chrono::Utc::now() + chrono::Duration::hours(state.config.upload_ttl_hours);
    let docs: Vec<NewDocument> = req
        .files
        .iter()
        .map(|f| {
            let id = new_id(IdKind::Document);
            let multipart = f.file_size > threshold;
            NewDocument {
                blob_key: format!("documents/{id}"),
                id,
                file_name: f.file_name.clone(),
                content_type: f.content_type.clone(),
                classification: f.classification.clone(),
                file_size: f.file_size,
                sha256: f.sha256.clone(),
                registration: Some(Registration {
                    mode: if multipart { "multipart" } else { "direct_put" }.into(),
                    part_size: multipart.then_some(part_size),
                    expires_at: expires,
                }),
            }
        })
        .collect();
    let added = state.meta.add_documents(&job.id, docs.clone()).await?;
    let mut uploads = Vec::new();
    for (doc, outcome) in docs.iter().zip(added) {
        let document_id = match outcome {
            Added::Uploaded(id) => id,
            Added::Skipped(existing) => {
                uploads.push(
                    json!({ "documentId": existing, "fileName": doc.file_name, "status": "skipped" }),
                );
                continue;
            }
        };
        let token = upload_token::sign(&state, &document_id, expires.timestamp()).await?;
        let registration = doc.registration.as_ref().expect("registered");
        let mut instruction = json!({
            "documentId": document_id, "fileName": doc.file_name, "uploadMode": registration.mode,
            "uploadToken": token, "expiresAt": plansift_types::time::format(&expires),
            "status": "registered",
        });
        match registration.part_size {
            None => {
                instruction["uploadUrl"] = json!(target_url(&state, &token));
                instruction["uploadHeaders"] = json!({ "Content-Type": doc.content_type });
            }
            Some(part_size) => {
                let parts: Vec<Value> = (1..=part_count(doc.file_size, part_size))
                    .map(|n| {
                        json!({
                            "partNumber": n,
                            "uploadUrl": format!("{}/parts/{n}", target_url(&state, &token)),
                            "byteStart": (n - 1) * part_size,
                            "byteEnd": (n * part_size).min(doc.file_size),
                        })
                    })
                    .collect();
                instruction["partSize"] = json!(part_size);
                instruction["parts"] = json!(parts);
            }
        }
        uploads.push(instruction);
    }
    let job = state
        .meta
        .job(Some(&who.org_id), &job.id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(
        json!({ "job": job_view(&state, &job).await?, "uploads": uploads }),
    ))
}

/// The registered document a token grants, in the given mode.
async fn granted(state: &AppState, token: &str, mode: &str) -> ApiResult<DocumentRow> {
    let document_id = upload_token::verify(state, token).await?;
    let doc = state
        .meta
        .document(&document_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let job = state
        .meta
        .job(None, &doc.job_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    crate::auth::ensure_enabled(state, &job.org_id).await?;
    // Refused before a byte of the body is read: a job that no longer takes uploads (cancelled,
    // expired, processing) gets no bytes written for it.
    match job.status {
        plansift_types::JobStatus::AwaitingUploads | plansift_types::JobStatus::Uploading => {}
        other if doc.status == "registered" => return Err(ApiError::job_state(other)),
        _ => {}
    }
    if doc.upload_mode.as_deref() != Some(mode) {
        return Err(ApiError::new(
            ErrorCode::InvalidRequest,
            format!(
                "this document is registered for {} upload",
                doc.upload_mode.as_deref().unwrap_or("form")
            ),
        ));
    }
    Ok(doc)
}

fn too_large(expected: i64) -> ApiError {
    ApiError::new(
        ErrorCode::ChecksumMismatch,
        "the body is larger than the registered size",
    )
    .with_details(json!({ "expectedSize": expected }))
}

/// Streams a request body to a staged blob, cutting it off past `limit` bytes.
async fn stage_body(state: &AppState, body: Body, limit: i64) -> ApiResult<StagedBlob> {
    crate::routes::uploads::check_disk(state)?;
    let mut writer = state.blobs.stage().await?;
    let mut stream = body.into_data_stream();
    let mut failure = None;
    while let Some(chunk) = stream.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) => {
                failure = Some(ApiError::invalid(
                    "body",
                    format!("the body could not be read: {e}"),
                ));
                break;
            }
        };
        if writer.written() as i64 + chunk.len() as i64 > limit {
            failure = Some(too_large(limit));
            break;
        }
        if let Err(e) = writer.write(&chunk).await {
            // A full disk or an unreachable store: nothing of this body is kept.
            writer.abandon().await;
            return Err(e.into());
        }
    }
    if let Some(e) = failure {
        writer.abandon().await;
        return Err(e);
    }
    Ok(writer.finish().await?)
}

/// Publishes verified bytes as the document and marks it uploaded.
async fn accept(state: &AppState, doc: &DocumentRow, staged: StagedBlob) -> ApiResult<()> {
    if staged.size as i64 != doc.file_size || staged.sha256 != doc.sha256 {
        let _ = state.blobs.discard(&staged).await;
        return Err(ApiError::new(
            ErrorCode::ChecksumMismatch,
            "the bytes do not match the registered size and sha256",
        )
        .with_details(json!({
            "expectedSize": doc.file_size, "actualSize": staged.size,
            "expectedSha256": doc.sha256, "actualSha256": staged.sha256,
        })));
    }
    state.blobs.publish(&staged, &doc.blob_key).await?;
    state.meta.mark_uploaded(&doc.id).await?;
    Ok(())
}

/// `PUT /upload-targets/{token}`: the whole document of a `direct_put` registration.
pub async fn put_target(
    State(state): State<AppState>,
    Path(token): Path<String>,
    body: Body,
) -> ApiResult<Json<Value>> {
    let doc = granted(&state, &token, "direct_put").await?;
    if doc.status == "registered" {
        let staged = stage_body(&state, body, doc.file_size).await?;
        accept(&state, &doc, staged).await?;
    }
    Ok(Json(json!({ "documentId": doc.id, "status": "uploaded" })))
}

/// `PUT /upload-targets/{token}/parts/{n}`: one part of a `multipart` registration; a re-PUT
/// replaces it.
pub async fn put_part(
    State(state): State<AppState>,
    Path((token, number)): Path<(String, String)>,
    body: Body,
) -> ApiResult<Response> {
    let doc = granted(&state, &token, "multipart").await?;
    if doc.status != "registered" {
        return Err(ApiError::job_state(plansift_types::JobStatus::Preflighting)
            .with_details(json!({ "documentStatus": doc.status })));
    }
    let part_size = doc.part_size.unwrap_or(MIN_PART_SIZE as i64).max(1);
    let count = part_count(doc.file_size, part_size);
    let number: i64 = number
        .parse()
        .ok()
        .filter(|n| (1..=count).contains(n))
        .ok_or_else(|| ApiError::invalid("partNumber", format!("partNumber must be 1-{count}")))?;
    let expected = (number * part_size).min(doc.file_size) - (number - 1) * part_size;
    let staged = stage_body(&state, body, expected).await?;
    if staged.size as i64 != expected {
        let _ = state.blobs.discard(&staged).await;
        return Err(ApiError::new(
            ErrorCode::ChecksumMismatch,
            format!("part {number} must be {expected} bytes"),
        )
        .with_details(json!({ "expectedSize": expected, "actualSize": staged.size })));
    }
    let key = format!(
        "uploads/{}/part-{number}-{}",
        doc.id,
        ulid::Ulid::new().to_string().to_lowercase()
    );
    state.blobs.publish(&staged, &key).await?;
    let part = PartRow {
        part_number: number,
        size: expected,
        sha256: staged.sha256.clone(),
        blob_key: key,
    };
    if let Some(old) = state.meta.put_part(&doc.id, &part).await? {
        let _ = state.blobs.delete(&old).await;
    }
    Ok((
        [(header::ETAG, format!("\"{}\"", part.sha256))],
        Json(json!({ "partNumber": number, "etag": part.sha256 })),
    )
        .into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ContentBody {
    upload_token: String,
    content_base64: String,
    sha256: Option<String>,
}

/// `POST /jobs/{id}/uploads/{documentId}/content`: a `direct_put` document as base64.
pub async fn content(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Write>,
    Path((job_id, document_id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let job = load_job(state.meta.as_ref(), &who.org_id, &job_id).await?;
    let req: ContentBody = parse_json(&body)?;
    let doc = granted(&state, &req.upload_token, "direct_put").await?;
    if doc.id != document_id || doc.job_id != job.id {
        return Err(ApiError::not_found());
    }
    if let Some(s) = &req.sha256
        && s != &doc.sha256
    {
        return Err(ApiError::new(
            ErrorCode::ChecksumMismatch,
            "sha256 differs from the registered sha256",
        ));
    }
    if doc.status == "registered" {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(req.content_base64.as_bytes())
            .map_err(|_| ApiError::invalid("contentBase64", "contentBase64 is not base64"))?;
        if bytes.len() as i64 > doc.file_size {
            return Err(too_large(doc.file_size));
        }
        let mut writer = state.blobs.stage().await?;
        writer.write(&bytes).await?;
        let staged = writer.finish().await?;
        accept(&state, &doc, staged).await?;
    }
    Ok(Json(json!({
        "status": "uploaded", "documentId": doc.id, "fileName": doc.file_name,
        "fileSize": doc.file_size, "contentType": doc.content_type, "uploadMode": "direct_put",
        "directUpload": { "documentId": doc.id, "uploadToken": req.upload_token },
    })))
}

/// Assembles the parts of a multipart document in order, verifies it against its registration
/// and publishes it. `listed` are the parts the client names with their etags, if it named any.
/// Returns false when parts are missing.
pub async fn assemble(
    state: &AppState,
    doc: &DocumentRow,
    listed: Option<&[(i64, String)]>,
) -> ApiResult<bool> {
    let part_size = doc.part_size.unwrap_or(MIN_PART_SIZE as i64).max(1);
    let parts = state.meta.parts(&doc.id).await?;
    let count = part_count(doc.file_size, part_size);
    if parts.len() as i64 != count {
        return Ok(false);
    }
    if let Some(listed) = listed {
        for (number, etag) in listed {
            let etag = etag.trim_matches('"');
            if !parts
                .iter()
                .any(|p| p.part_number == *number && p.sha256 == etag)
            {
                return Err(ApiError::new(
                    ErrorCode::ChecksumMismatch,
                    format!("part {number} does not match its etag"),
                )
                .with_details(json!({ "documentId": doc.id, "partNumber": number })));
            }
        }
    }
    // Part by part through a 1 MiB buffer: the document is never whole in memory.
    let mut writer = state.blobs.stage().await?;
    let mut buf = vec![0u8; 1 << 20];
    for p in &parts {
        let mut reader = state
            .blobs
            .read_range(&p.blob_key, 0, p.size as u64)
            .await?;
        loop {
            let n = tokio::io::AsyncReadExt::read(&mut reader, &mut buf).await?;
            if n == 0 {
                break;
            }
            writer.write(&buf[..n]).await?;
        }
    }
    let staged = writer.finish().await?;
    accept(state, doc, staged).await?;
    let _ = state
        .blobs
        .delete_prefix(&format!("uploads/{}", doc.id))
        .await;
    state.meta.delete_parts(&doc.id).await?;
    Ok(true)
}
