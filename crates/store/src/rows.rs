//! Stored rows. These never go to clients as they are; the server maps them into API views.

use plansift_types::api::{JobStatus, OpenApiProfile, Scope};
use plansift_types::time::Timestamp;

#[derive(Clone, Debug)]
pub struct OrgRow {
    pub id: String,
    pub name: String,
    pub profile: OpenApiProfile,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug)]
pub struct KeyRow {
    pub id: String,
    pub org_id: String,
    pub label: String,
    pub key_prefix: String,
    pub scopes: Vec<Scope>,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    pub last_used_at: Option<Timestamp>,
    pub last_used_ip: Option<String>,
    pub revoked_at: Option<Timestamp>,
}

#[derive(Clone, Debug)]
pub struct NewKey {
    pub org_id: String,
    pub label: String,
    pub key_prefix: String,
    pub key_hash: String,
    pub scopes: Vec<Scope>,
    pub expires_at: Option<Timestamp>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProjectStatus {
    Provisioning,
    Ready,
}

impl ProjectStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ProjectStatus::Provisioning => "provisioning",
            ProjectStatus::Ready => "ready",
        }
    }
}

#[derive(Clone, Debug)]
pub struct ProjectRow {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub status: ProjectStatus,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Clone, Debug)]
pub struct JobRow {
    pub id: String,
    pub org_id: String,
    pub project_id: String,
    pub external_id: Option<String>,
    pub status: JobStatus,
    pub webhook_url: Option<String>,
    pub page_count: i64,
    pub successful_page_count: i64,
    pub failed_page_count: i64,
    pub credits_reserved: i64,
    pub credits_debited: i64,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub result_key: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub completed_at: Option<Timestamp>,
    pub expires_at: Option<Timestamp>,
}

#[derive(Clone, Debug)]
pub struct NewJob {
    pub org_id: String,
    pub project_id: String,
    pub external_id: Option<String>,
    pub webhook_url: Option<String>,
    pub webhook_secret: Option<String>,
    pub ttl_days: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentRow {
    pub id: String,
    pub job_id: String,
    pub file_name: String,
    pub content_type: String,
    pub classification: Option<String>,
    pub detected_classification: Option<String>,
    pub file_size: i64,
    pub sha256: String,
    pub blob_key: String,
    pub status: String,
    pub page_count: i64,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub created_at: Timestamp,
    /// For signed registrations: `direct_put` or `multipart`.
    pub upload_mode: Option<String>,
    pub part_size: Option<i64>,
    pub upload_expires_at: Option<Timestamp>,
}

/// A signed registration (API.md §4.2): the document's bytes come later.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registration {
    pub mode: String,
    pub part_size: Option<i64>,
    pub expires_at: Timestamp,
}

/// One uploaded part of a multipart registration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartRow {
    pub part_number: i64,
    pub size: i64,
    pub sha256: String,
    pub blob_key: String,
}

/// A document to add to a job; its bytes are already published at `blob_key`, or, with a
/// `registration`, will be.
#[derive(Clone, Debug)]
pub struct NewDocument {
    pub id: String,
    pub file_name: String,
    pub content_type: String,
    pub classification: Option<String>,
    pub file_size: i64,
    pub sha256: String,
    pub blob_key: String,
    pub registration: Option<Registration>,
}

/// The outcome of adding one document: stored, or the existing document with the same bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Added {
    Uploaded(String),
    Skipped(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskKind {
    ProvisionProject,
    Preflight,
    Pages,
    Finalize,
}

impl TaskKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::ProvisionProject => "provision_project",
            TaskKind::Preflight => "preflight",
            TaskKind::Pages => "pages",
            TaskKind::Finalize => "finalize",
        }
    }

    pub fn parse(s: &str) -> Option<TaskKind> {
        Some(match s {
            "provision_project" => TaskKind::ProvisionProject,
            "preflight" => TaskKind::Preflight,
            "pages" => TaskKind::Pages,
            "finalize" => TaskKind::Finalize,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug)]
pub struct TaskRow {
    pub id: i64,
    pub kind: TaskKind,
    /// The job, or for `ProvisionProject` the project.
    pub subject_id: String,
    pub document_id: Option<String>,
    pub page_start: Option<i64>,
    pub page_end: Option<i64>,
    pub attempts: i64,
}

/// Preflight's reading of one document.
#[derive(Clone, Debug)]
pub struct PreflightDoc {
    pub document_id: String,
    /// Kind per page (`drawing`/`document`), or the document error.
    pub outcome: Result<Vec<&'static str>, (String, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PreflightOutcome {
    Processing { reserved: i64, tasks: usize },
    Blocked { required: i64, available: i64 },
    Failed { code: String },
}

/// One analysed page to commit with its debit.
#[derive(Clone, Debug)]
pub struct PageDone {
    pub document_id: String,
    pub page_number: i64,
    pub final_kind: &'static str,
    pub analysis: String,
    /// The page's artifacts (published before the commit), as JSON.
    pub artifacts: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PageCommit {
    /// Stored; `finalize_queued` when it was the job's last open page.
    Stored { finalize_queued: bool },
    /// Already stored by an earlier attempt; nothing changed.
    AlreadyDone,
    /// The job is no longer processing (cancelled, expired): stop.
    JobNotProcessing,
    /// The page's final class costs more than reserved and the balance cannot cover it.
    Blocked,
}

#[derive(Clone, Debug)]
pub struct PageRow {
    pub document_id: String,
    pub page_number: i64,
    pub preflight_kind: String,
    pub final_kind: Option<String>,
    pub status: String,
    pub analysis: Option<String>,
    pub artifacts: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Balance {
    pub available: i64,
    pub reserved: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerEntry {
    pub id: i64,
    pub org_id: String,
    pub job_id: Option<String>,
    pub kind: String,
    pub available_delta: i64,
    pub reserved_delta: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobEventRow {
    pub id: String,
    pub seq: i64,
    pub previous_status: Option<String>,
    pub status: String,
    pub created_at: Timestamp,
}

/// A stored idempotent response, or the fact that the first request is still running.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdempotencyState {
    /// First time this key is seen: the caller runs the request and records the response.
    Fresh,
    InProgress,
    Done {
        body_hash: String,
        status_code: u16,
        response: String,
    },
}

/// The terminal outcome that finalize commits.
#[derive(Clone, Debug)]
pub struct Finalization {
    pub status: JobStatus,
    pub result_key: Option<String>,
    pub error: Option<(String, String)>,
    pub documents: Vec<(String, String, Option<String>)>, // id, status, detected classification
    pub retention_days: i64,
    /// What the job adds to its project, written in the same transaction.
    pub index: Option<crate::project::ProjectIndex>,
}

/// A single-use artifact download (API.md §8).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DownloadRow {
    pub id: String,
    pub org_id: String,
    pub path: String,
    pub content_type: String,
    pub expires_at: Timestamp,
    pub used_at: Option<Timestamp>,
}

/// One webhook event of a job and where its delivery stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxRow {
    pub event_id: String,
    pub job_id: String,
    pub seq: i64,
    /// The event as recorded: `{id, type, createdAt, data: {jobId, previousStatus, status, sequence}}`.
    pub payload: String,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: Option<Timestamp>,
    pub response_status: Option<i64>,
    pub last_error: Option<String>,
    pub delivered_at: Option<Timestamp>,
}

/// What one delivery attempt came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WebhookAttempt {
    Delivered {
        response_status: i64,
    },
    /// Try again at `next`; `None` gives up (`failed`).
    Retry {
        response_status: Option<i64>,
        error: String,
        next: Option<Timestamp>,
    },
    /// `410 Gone`: this event and every later one of the job are `failed`.
    Gone,
}
