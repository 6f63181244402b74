//! The metadata store trait. One conformance suite (tests/conformance.rs) runs against every
//! implementation.

use crate::project::*;
use crate::rows::*;
use async_trait::async_trait;
use plansift_types::api::{JobStatus, OpenApiProfile};
use plansift_types::time::Timestamp;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("a project with this name exists")]
    NameTaken,
    #[error("not allowed while the job is {0:?}")]
    InvalidState(JobStatus),
    #[error("limit {limit} exceeded (max {max})")]
    LimitExceeded { limit: &'static str, max: i64 },
    #[error("insufficient credits: {required} required, {available} available")]
    InsufficientCredits { required: i64, available: i64 },
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migration(String),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
}

/// Rates a page is debited at, from the org profile.
#[derive(Clone, Copy, Debug)]
pub struct Rates {
    pub drawing: i64,
    pub document: i64,
}

impl Rates {
    pub fn of(profile: &OpenApiProfile) -> Rates {
        Rates {
            drawing: profile.drawing_credits_per_page,
            document: profile.document_credits_per_page,
        }
    }

    pub fn for_kind(&self, kind: &str) -> i64 {
        if kind == "drawing" {
            self.drawing
        } else {
            self.document
        }
    }
}

#[async_trait]
pub trait MetaStore: Send + Sync + 'static {
    /// The store answers and its migrations are applied.
    async fn ping(&self) -> Result<(), StoreError>;
    /// Jobs not purged, by status.
    async fn job_status_counts(&self) -> Result<Vec<(String, i64)>, StoreError>;

    // Organizations, keys, credits.
    /// Creates the organization with a default profile and an opening grant unless it exists.
    /// Returns the org and whether it was created.
    async fn ensure_org(
        &self,
        name: &str,
        opening_grant: i64,
    ) -> Result<(OrgRow, bool), StoreError>;
    async fn org(&self, id: &str) -> Result<Option<OrgRow>, StoreError>;
    async fn org_by_name(&self, name: &str) -> Result<Option<OrgRow>, StoreError>;
    async fn orgs(&self) -> Result<Vec<OrgRow>, StoreError>;
    async fn create_key(&self, key: NewKey) -> Result<KeyRow, StoreError>;
    async fn key_by_hash(&self, hash: &str) -> Result<Option<KeyRow>, StoreError>;
    async fn touch_key(&self, id: &str, ip: Option<&str>) -> Result<(), StoreError>;
    async fn balance(&self, org_id: &str) -> Result<Balance, StoreError>;
    async fn keys(&self, org_id: &str) -> Result<Vec<KeyRow>, StoreError>;
    /// Revokes a key by its id, in whatever organization it is (`NotFound` if none).
    async fn revoke_key(&self, key_id: &str) -> Result<KeyRow, StoreError>;
    /// Revokes every key of the organization; its keys after.
    async fn revoke_all_keys(&self, org_id: &str) -> Result<Vec<KeyRow>, StoreError>;
    /// A new organization with the default profile and no credits (`NameTaken` if it exists).
    async fn create_org(&self, name: &str) -> Result<OrgRow, StoreError>;
    /// Appends a grant (negative to take back) to the ledger.
    async fn grant(
        &self,
        org_id: &str,
        amount: i64,
        note: Option<&str>,
    ) -> Result<(LedgerEntry, Balance), StoreError>;
    async fn set_profile(&self, org_id: &str, profile: &OpenApiProfile) -> Result<(), StoreError>;
    async fn ledger(&self, org_id: &str) -> Result<Vec<LedgerEntry>, StoreError>;

    // Projects.
    /// Creates a project in `provisioning`, charges `charge` credits and queues its provisioning,
    /// in one transaction.
    async fn create_project(
        &self,
        org_id: &str,
        name: &str,
        charge: i64,
    ) -> Result<ProjectRow, StoreError>;
    async fn set_project_ready(&self, project_id: &str) -> Result<(), StoreError>;
    async fn projects(&self, org_id: &str) -> Result<Vec<ProjectRow>, StoreError>;
    async fn project(&self, org_id: &str, id: &str) -> Result<Option<ProjectRow>, StoreError>;

    // Jobs and uploads.
    async fn create_job(&self, job: NewJob) -> Result<JobRow, StoreError>;
    /// A job of the organization (or of any organization when `org_id` is `None`, for workers).
    async fn job(&self, org_id: Option<&str>, id: &str) -> Result<Option<JobRow>, StoreError>;
    async fn jobs(&self, org_id: &str, project_id: &str) -> Result<Vec<JobRow>, StoreError>;
    async fn documents(&self, job_id: &str) -> Result<Vec<DocumentRow>, StoreError>;
    /// Adds documents whose bytes are published, checking the job accepts uploads and the
    /// per-job limits, and moves the job to `uploading`; all or nothing.
    async fn add_documents(
        &self,
        job_id: &str,
        docs: Vec<NewDocument>,
    ) -> Result<Vec<Added>, StoreError>;
    /// A document of any organization by id (the signed upload targets carry no key).
    async fn document(&self, document_id: &str) -> Result<Option<DocumentRow>, StoreError>;
    /// A registered document's bytes are published: `registered` → `uploaded` (false when it
    /// was uploaded already), while its job accepts uploads.
    async fn mark_uploaded(&self, document_id: &str) -> Result<bool, StoreError>;
    /// Records an uploaded part, replacing an earlier one; returns the blob key it replaced.
    async fn put_part(
        &self,
        document_id: &str,
        part: &PartRow,
    ) -> Result<Option<String>, StoreError>;
    async fn parts(&self, document_id: &str) -> Result<Vec<PartRow>, StoreError>;
    async fn delete_parts(&self, document_id: &str) -> Result<(), StoreError>;
    /// A server secret by name, stored as `fresh` the first time it is asked for.
    async fn secret(&self, name: &str, fresh: &str) -> Result<String, StoreError>;
    /// `uploading` → `preflighting` with the preflight task queued; registrations whose bytes
    /// never came are dropped.
    async fn complete_uploads(&self, job_id: &str) -> Result<JobRow, StoreError>;
    async fn cancel_job(&self, job_id: &str) -> Result<JobRow, StoreError>;
    /// `blocked_insufficient_credits` → `preflighting` with a preflight queued: the pages not yet
    /// done are reserved again and processed.
    async fn resume_job(&self, job_id: &str) -> Result<JobRow, StoreError>;
    async fn job_events(&self, job_id: &str) -> Result<Vec<JobEventRow>, StoreError>;

    // Task queue with leases.
    async fn claim_task(&self, owner: &str, lease_ms: i64) -> Result<Option<TaskRow>, StoreError>;
    async fn renew_lease(
        &self,
        task_id: i64,
        owner: &str,
        lease_ms: i64,
    ) -> Result<bool, StoreError>;
    async fn finish_task(&self, task_id: i64, owner: &str) -> Result<(), StoreError>;
    /// Gives a task back to the queue after a failure (it is claimed again, attempts counted).
    async fn release_task(&self, task_id: i64, owner: &str, error: &str) -> Result<(), StoreError>;

    // The work.
    async fn commit_preflight(
        &self,
        job_id: &str,
        docs: Vec<PreflightDoc>,
        profile: &OpenApiProfile,
        pages_per_task: i64,
    ) -> Result<PreflightOutcome, StoreError>;
    async fn commit_page(
        &self,
        job_id: &str,
        page: PageDone,
        rates: Rates,
    ) -> Result<PageCommit, StoreError>;
    async fn fail_page(
        &self,
        job_id: &str,
        document_id: &str,
        page_number: i64,
        code: &str,
        message: &str,
    ) -> Result<PageCommit, StoreError>;
    async fn job_pages(&self, job_id: &str) -> Result<Vec<PageRow>, StoreError>;
    /// Page numbers of one document in `start..=end` that are still pending.
    async fn pending_pages(
        &self,
        job_id: &str,
        document_id: &str,
        start: i64,
        end: i64,
    ) -> Result<Vec<i64>, StoreError>;
    /// Terminal status, result key, document statuses and the release of unused credits, in one
    /// transaction.
    async fn finalize(&self, job_id: &str, f: Finalization) -> Result<JobRow, StoreError>;

    // Project reads (API.md §9).
    /// Writes a job's index into its project unless it is there already (jobs finished before
    /// the index existed).
    async fn index_job(&self, job_id: &str, index: ProjectIndex) -> Result<(), StoreError>;
    /// Jobs of the organization with a result whose index is not written yet.
    async fn unindexed_jobs(&self, project_id: Option<&str>) -> Result<Vec<String>, StoreError>;
    async fn entities(&self, q: &EntityQuery) -> Result<EntityPage, StoreError>;
    /// Search hits, best first, and how many entities were searched.
    async fn search(&self, q: &SearchQuery) -> Result<(Vec<SearchHit>, i64), StoreError>;
    async fn page_texts(&self, q: &PageTextQuery) -> Result<Vec<PageTextRecord>, StoreError>;
    /// The word boxes of one page of `page_texts` (by its `seq`).
    async fn page_boxes(&self, project_id: &str, seq: i64) -> Result<Vec<u8>, StoreError>;
    async fn page_text_of(
        &self,
        project_id: &str,
        file_id: &str,
        page_number: i64,
    ) -> Result<Option<String>, StoreError>;
    /// The content type of an artifact path the project's entities reference.
    async fn project_artifact(
        &self,
        project_id: &str,
        path: &str,
    ) -> Result<Option<String>, StoreError>;

    // Webhooks (API.md §7).
    /// Pending events due by `now`, only the first pending event of each job (in order).
    async fn due_webhooks(&self, now: &Timestamp, limit: i64)
    -> Result<Vec<OutboxRow>, StoreError>;
    async fn webhook_attempted(
        &self,
        event_id: &str,
        attempt: &WebhookAttempt,
    ) -> Result<(), StoreError>;
    async fn webhook_deliveries(&self, job_id: &str) -> Result<Vec<OutboxRow>, StoreError>;
    /// The job's signing secret (kept out of [`JobRow`] so it is never logged or viewed).
    async fn webhook_secret(&self, job_id: &str) -> Result<Option<String>, StoreError>;

    // The janitor.
    /// Non-terminal jobs past `expiresAt` → `expired` (reservation released); their ids.
    async fn expire_stale_jobs(&self, now: &Timestamp) -> Result<Vec<String>, StoreError>;
    /// Terminal jobs past `expiresAt` not yet purged, oldest first.
    async fn purgeable_jobs(&self, now: &Timestamp, limit: i64) -> Result<Vec<JobRow>, StoreError>;
    /// The job's blobs are deleted: the API answers 404 for it from now on.
    async fn mark_purged(&self, job_id: &str) -> Result<(), StoreError>;
    /// Drops registrations whose upload tokens expired unused; the blob keys of their parts.
    async fn take_expired_registrations(&self, now: &Timestamp) -> Result<Vec<String>, StoreError>;

    // Artifact downloads (API.md §8).
    async fn create_download(&self, token_hash: &str, row: &DownloadRow) -> Result<(), StoreError>;
    async fn download(&self, token_hash: &str) -> Result<Option<DownloadRow>, StoreError>;
    /// Marks an unexpired, unused download used; false when it was used or expired already.
    async fn consume_download(&self, token_hash: &str) -> Result<bool, StoreError>;

    // Idempotency (API.md §1).
    async fn idempotency_begin(
        &self,
        org_id: &str,
        endpoint: &str,
        key: &str,
        body_hash: &str,
    ) -> Result<IdempotencyState, StoreError>;
    async fn idempotency_finish(
        &self,
        org_id: &str,
        endpoint: &str,
        key: &str,
        status_code: u16,
        response: &str,
    ) -> Result<(), StoreError>;
    async fn idempotency_abort(
        &self,
        org_id: &str,
        endpoint: &str,
        key: &str,
    ) -> Result<(), StoreError>;
}
