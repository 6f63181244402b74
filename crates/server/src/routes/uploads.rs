//! Uploads (API.md §4.1 and §4.4): the streamed multipart form, and complete (which assembles
//! the parts of signed multipart registrations, see [`super::signed_uploads`]).

use crate::auth::{Auth, Write};
use crate::error::{ApiError, ApiResult, parse_json};
use crate::idempotency::{idempotent, key_from};
use crate::state::AppState;
use crate::views::{job_view, load_job};
use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use plansift_store::{
    Added, BlobStore, DocumentRow, JobRow, NewDocument, ProjectStatus, StagedBlob,
};
use plansift_types::ErrorCode;
use plansift_types::api::{JobStatus, MAX_BYTES_PER_JOB, MAX_FILES_PER_JOB, is_classification};
use plansift_types::ids::{IdKind, new_id};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UploadMetadata {
    // `clientUploadFlowId` is accepted and ignored, like every unknown field.
    files: Vec<FileMetadata>,
}

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
struct FileMetadata {
    part_name: String,
    file_name: String,
    content_type: String,
    classification: Option<String>,
    sha256: Option<String>,
}

pub fn is_sha256(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn check_metadata(meta: &UploadMetadata) -> ApiResult<()> {
    if meta.files.is_empty() || meta.files.len() > 100 {
        return Err(ApiError::invalid(
            "files",
            "metadata must describe 1-100 files",
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for (i, f) in meta.files.iter().enumerate() {
        if f.part_name.is_empty() || !seen.insert(f.part_name.as_str()) || f.part_name == "metadata"
        {
            return Err(ApiError::invalid(
                &format!("files[{i}].partName"),
                "part names must be unique and not 'metadata'",
            ));
        }
        if f.file_name.trim().is_empty() || f.file_name.len() > 1024 {
            return Err(ApiError::invalid(
                &format!("files[{i}].fileName"),
                "fileName must be 1-1024 characters",
            ));
        }
        if let Some(c) = &f.classification
            && !is_classification(c)
        {
            return Err(ApiError::invalid(
                &format!("files[{i}].classification"),
                "unknown classification",
            ));
        }
        if let Some(s) = &f.sha256
            && !is_sha256(s)
        {
            return Err(ApiError::invalid(
                &format!("files[{i}].sha256"),
                "sha256 must be 64 lowercase hex characters",
            ));
        }
    }
    Ok(())
}

/// Checks the job accepts uploads: its project is ready and its status allows them.
pub async fn check_accepts_uploads(state: &AppState, job: &JobRow) -> ApiResult<()> {
    let project = state
        .meta
        .project(&job.org_id, &job.project_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if project.status != ProjectStatus::Ready {
        return Err(ApiError::new(
            ErrorCode::ProjectNotReady,
            "the project is not ready yet",
        ));
    }
    match job.status {
        JobStatus::AwaitingUploads | JobStatus::Uploading => {}
        other => return Err(ApiError::job_state(other)),
    }
    check_disk(state)
}

/// `507 insufficient_storage` while free disk space is under its floor: an upload is refused
/// before a byte of it is written, rather than filling the disk to the last byte.
pub fn check_disk(state: &AppState) -> ApiResult<()> {
    match state.disk.as_ref().and_then(|d| d.check()) {
        Some((free, true)) => Err(ApiError::insufficient_storage(format!(
            "{free} bytes free, under the floor"
        ))
        .with_details(json!({ "freeBytes": free }))),
        _ => Ok(()),
    }
}

/// Staged parts of one request; dropped unpublished on any error.
struct Staged {
    blobs: std::sync::Arc<dyn BlobStore>,
    parts: Vec<(FileMetadata, StagedBlob)>,
}

impl Staged {
    async fn discard(self) {
        for (_, s) in &self.parts {
            if let Err(e) = self.blobs.discard(s).await {
                tracing::warn!(error = %e, "discarding a staged upload failed");
            }
        }
    }
}

pub async fn upload_files(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Write>,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<Json> {
    let job = load_job(state.meta.as_ref(), &who.org_id, &id).await?;
    // Not `multipart/form-data` with a boundary (JSON, a form, a missing boundary).
    let multipart = multipart.map_err(|e| {
        ApiError::new(
            ErrorCode::UnsupportedMediaType,
            format!("the body must be multipart/form-data with a boundary: {e}"),
        )
    })?;
    check_accepts_uploads(&state, &job).await?;
    let mut staged = Staged {
        blobs: state.blobs.clone(),
        parts: Vec::new(),
    };
    match receive(&state, &job, multipart, &mut staged).await {
        Ok(()) => {}
        Err(e) => {
            staged.discard().await;
            return Err(e);
        }
    }
    // Publish under final keys, then commit the rows; a crash in between leaves only
    // unreferenced blobs, which the janitor sweeps.
    let mut docs: Vec<NewDocument> = Vec::new();
    for (meta, blob) in &staged.parts {
        let doc_id = new_id(IdKind::Document);
        let key = format!("documents/{doc_id}");
        if let Err(e) = state.blobs.publish(blob, &key).await {
            // The store failed half-way: nothing of this request is kept.
            for d in &docs {
                let _ = state.blobs.delete(&d.blob_key).await;
            }
            staged.discard().await;
            return Err(e.into());
        }
        docs.push(NewDocument {
            id: doc_id,
            file_name: meta.file_name.clone(),
            content_type: meta.content_type.clone(),
            classification: meta.classification.clone(),
            file_size: blob.size as i64,
            sha256: blob.sha256.clone(),
            blob_key: key,
            registration: None,
        });
    }
    let added = match state.meta.add_documents(&job.id, docs.clone()).await {
        Ok(added) => added,
        Err(e) => {
            for d in &docs {
                let _ = state.blobs.delete(&d.blob_key).await;
            }
            return Err(e.into());
        }
    };
    let mut uploads = Vec::new();
    for ((meta, blob), (doc, outcome)) in staged.parts.iter().zip(docs.iter().zip(added)) {
        let (document_id, status) = match outcome {
            Added::Uploaded(id) => (id, "uploaded"),
            Added::Skipped(existing) => {
                state.blobs.delete(&doc.blob_key).await?;
                (existing, "skipped")
            }
        };
        uploads.push(json!({
            "documentId": document_id, "partName": meta.part_name, "fileName": meta.file_name,
            "contentType": meta.content_type, "classification": meta.classification,
            "fileSize": blob.size, "sha256": blob.sha256, "status": status,
        }));
    }
    let job = state
        .meta
        .job(Some(&who.org_id), &job.id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    // Plangrep's batch status: `skipped` when every file was a duplicate of one already in the job.
    let batch = if uploads.iter().all(|u| u["status"] == "skipped") {
        "skipped"
    } else {
        "uploaded"
    };
    Ok(axum::Json(
        json!({ "job": job_view(&state, &job).await?, "status": batch, "uploads": uploads }),
    ))
}

type Json = axum::Json<Value>;

/// The `metadata` part's limit (API.md §4.1).
const METADATA_LIMIT: usize = 1 << 20;

fn framing(e: axum::extract::multipart::MultipartError) -> ApiError {
    ApiError::new(
        ErrorCode::InvalidRequest,
        format!("bad multipart body: {e}"),
    )
}

/// Reads the `metadata` part, then streams each described file part to a staged blob while
/// hashing, enforcing the job's byte limit as bytes arrive.
async fn receive(
    state: &AppState,
    job: &JobRow,
    mut multipart: Multipart,
    staged: &mut Staged,
) -> ApiResult<()> {
    let first = multipart
        .next_field()
        .await
        .map_err(framing)?
        .ok_or_else(|| ApiError::invalid("metadata", "the metadata part is required"))?;
    if first.name() != Some("metadata") {
        return Err(ApiError::invalid(
            "metadata",
            "the first part must be metadata",
        ));
    }
    // Read chunk by chunk and refused at the first byte over its limit: a huge metadata part
    // is never held whole.
    let mut first = first;
    let mut text = Vec::new();
    while let Some(chunk) = first.chunk().await.map_err(framing)? {
        if text.len() + chunk.len() > METADATA_LIMIT {
            return Err(
                ApiError::new(ErrorCode::PayloadTooLarge, "metadata is too large")
                    .with_details(json!({ "limit": METADATA_LIMIT })),
            );
        }
        text.extend_from_slice(&chunk);
    }
    // The next part can be read only once this one is gone.
    drop(first);
    let meta: UploadMetadata = parse_json(&text).map_err(|mut e| {
        e.details = Some(json!({ "field": format!("metadata.{}", e.details.as_ref().and_then(|d| d["field"].as_str()).unwrap_or("")) }));
        e
    })?;
    check_metadata(&meta)?;
    let existing = state.meta.documents(&job.id).await?;
    let existing_bytes: i64 = existing
        .iter()
        .fold(0i64, |sum, d| sum.saturating_add(d.file_size));
    if existing.len() + meta.files.len() > MAX_FILES_PER_JOB as usize {
        return Err(
            ApiError::new(ErrorCode::LimitExceeded, "too many files for one job")
                .with_details(json!({ "limit": "maxFiles", "max": MAX_FILES_PER_JOB })),
        );
    }
    let mut expected: HashMap<String, FileMetadata> = meta
        .files
        .iter()
        .map(|f| (f.part_name.clone(), f.clone()))
        .collect();
    let mut received = 0i64;
    while let Some(mut field) = multipart.next_field().await.map_err(framing)? {
        let name = field.name().unwrap_or_default().to_string();
        let Some(file) = expected.remove(&name) else {
            return Err(ApiError::invalid(
                &name,
                format!("part {name:?} is not described in metadata"),
            ));
        };
        let mut writer = state.blobs.stage().await?;
        let mut chunk_err = None;
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    received = received.saturating_add(chunk.len() as i64);
                    if existing_bytes.saturating_add(received) > MAX_BYTES_PER_JOB {
                        chunk_err = Some(ApiError::new(ErrorCode::LimitExceeded, "too many bytes for one job").with_details(json!({ "limit": "maxDeclaredBytes", "max": MAX_BYTES_PER_JOB })));
                        break;
                    }
                    if let Err(e) = writer.write(&chunk).await {
                        chunk_err = Some(ApiError::from(e));
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    chunk_err = Some(framing(e));
                    break;
                }
            }
        }
        if let Some(e) = chunk_err {
            // Nothing of the part is kept (a full disk is not left fuller).
            writer.abandon().await;
            return Err(e);
        }
        let blob = writer.finish().await?;
        let mismatch = file.sha256.as_ref().is_some_and(|s| s != &blob.sha256);
        let actual = blob.sha256.clone();
        staged.parts.push((file.clone(), blob));
        if mismatch {
            return Err(ApiError::new(
                ErrorCode::ChecksumMismatch,
                format!("part {name:?} does not match its declared sha256"),
            )
            .with_details(json!({ "partName": name, "expected": file.sha256, "actual": actual })));
        }
    }
    if let Some(missing) = expected.keys().next() {
        return Err(ApiError::invalid(
            missing,
            format!("part {missing:?} is described in metadata but was not sent"),
        ));
    }
    Ok(())
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct CompleteBody {
    document_ids: Option<Vec<String>>,
    direct_uploads: Option<Vec<TokenRef>>,
    multipart_uploads: Option<Vec<MultipartRef>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenRef {
    document_id: String,
    upload_token: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MultipartRef {
    document_id: String,
    upload_token: String,
    #[serde(default)]
    parts: Vec<PartRef>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PartRef {
    part_number: i64,
    etag: String,
}

/// The document a token grants, when it is the one it is listed with, in this job.
async fn token_for(
    state: &AppState,
    job: &JobRow,
    document_id: &str,
    token: &str,
) -> ApiResult<DocumentRow> {
    let granted = crate::upload_token::verify(state, token).await?;
    state
        .meta
        .document(&granted)
        .await?
        .filter(|d| d.id == document_id && d.job_id == job.id)
        .ok_or_else(|| ApiError::invalid("uploadToken", "the upload token is not this document's"))
}

/// Assembles multipart documents and checks that every document the body lists is fully
/// uploaded; `422 upload_incomplete` names those that are not.
async fn gather(state: &AppState, job: &JobRow, req: &CompleteBody) -> ApiResult<()> {
    use crate::routes::signed_uploads::assemble;
    let mut listed: Vec<String> = req.document_ids.clone().unwrap_or_default();
    let mut incomplete = Vec::new();
    for d in req.direct_uploads.iter().flatten() {
        token_for(state, job, &d.document_id, &d.upload_token).await?;
        listed.push(d.document_id.clone());
    }
    for m in req.multipart_uploads.iter().flatten() {
        let doc = token_for(state, job, &m.document_id, &m.upload_token).await?;
        if doc.status == "registered" {
            let parts: Vec<(i64, String)> = m
                .parts
                .iter()
                .map(|p| (p.part_number, p.etag.clone()))
                .collect();
            if !assemble(state, &doc, Some(&parts)).await? {
                incomplete.push(doc.id.clone());
            }
        }
        listed.push(m.document_id.clone());
    }
    let nothing_listed = req.document_ids.is_none()
        && req.direct_uploads.is_none()
        && req.multipart_uploads.is_none();
    let mut docs = state.meta.documents(&job.id).await?;
    if nothing_listed {
        // Every fully uploaded document: multipart registrations with all their parts count.
        for d in docs.iter().filter(|d| d.status == "registered") {
            if d.upload_mode.as_deref() == Some("multipart") {
                assemble(state, d, None).await?;
            }
        }
        docs = state.meta.documents(&job.id).await?;
    }
    for id in &listed {
        if !docs.iter().any(|d| &d.id == id && d.status == "uploaded") && !incomplete.contains(id) {
            incomplete.push(id.clone());
        }
    }
    if incomplete.is_empty() && !docs.iter().any(|d| d.status == "uploaded") {
        return Err(
            ApiError::new(ErrorCode::UploadIncomplete, "no document has been uploaded")
                .with_details(json!({ "documentIds": [] })),
        );
    }
    if !incomplete.is_empty() {
        return Err(ApiError::new(
            ErrorCode::UploadIncomplete,
            "listed documents are not fully uploaded",
        )
        .with_details(json!({ "documentIds": incomplete })));
    }
    Ok(())
}

pub async fn complete(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Write>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let key = key_from(&headers)?;
    let job = load_job(state.meta.as_ref(), &who.org_id, &id).await?;
    let req: CompleteBody = if body.iter().all(u8::is_ascii_whitespace) {
        CompleteBody::default()
    } else {
        parse_json(&body)?
    };
    let endpoint = format!("POST /jobs/{}/uploads/complete", job.id);
    idempotent(&state, &who.org_id, &endpoint, key, &body, || async {
        match job.status {
            JobStatus::Uploading => {}
            JobStatus::AwaitingUploads => {
                return Err(ApiError::new(
                    ErrorCode::UploadIncomplete,
                    "no document has been uploaded",
                )
                .with_details(json!({ "documentIds": [] })));
            }
            // Complete is idempotent: once processing has started, it answers with the job.
            JobStatus::Preflighting
            | JobStatus::Processing
            | JobStatus::BlockedInsufficientCredits
            | JobStatus::Completed
            | JobStatus::CompletedWithErrors
            | JobStatus::Failed => {
                return Ok((
                    StatusCode::ACCEPTED,
                    json!({ "job": job_view(&state, &job).await? }),
                ));
            }
            JobStatus::Provisioning | JobStatus::Cancelled | JobStatus::Expired => {
                return Err(ApiError::job_state(job.status));
            }
        }
        gather(&state, &job, &req).await?;
        // Complete drops the registrations that were never finished; their parts go too.
        let unfinished: Vec<String> = state
            .meta
            .documents(&job.id)
            .await?
            .into_iter()
            .filter(|d| d.status == "registered")
            .map(|d| d.id)
            .collect();
        let job = state.meta.complete_uploads(&job.id).await?;
        for doc in unfinished {
            if let Err(e) = state.blobs.delete_prefix(&format!("uploads/{doc}")).await {
                tracing::warn!(error = %e, document = %doc, "deleting the parts of a dropped registration failed");
            }
        }
        Ok((
            StatusCode::ACCEPTED,
            json!({ "job": job_view(&state, &job).await? }),
        ))
    })
    .await
}
