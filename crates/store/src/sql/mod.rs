//! The SQL [`MetaStore`], one implementation for both databases: SQLite (the embedded default,
//! WAL mode, one file) and PostgreSQL (scale-out), through sqlx's `Any` driver. Statements are
//! written once, with `$1…` placeholders in the order they first appear (SQLite numbers its
//! `$NNN` parameters that way too), and differ by [`Dialect`] only where the databases do: how
//! a write transaction is serialized, how a task is claimed, and full-text search.
//!
//! - Writes are serialized: SQLite's `BEGIN IMMEDIATE`; on PostgreSQL one transaction-scoped
//!   advisory lock, so the same read-check-write code (credit checks, event sequence numbers,
//!   per-job limits) is correct on both without per-statement locking.
//! - Claims on PostgreSQL take `FOR UPDATE SKIP LOCKED` outside that lock, so any number of
//!   workers claim at once without waiting on each other.
//! - Search is FTS5 with BM25 on SQLite and a weighted `tsvector` with `ts_rank` on PostgreSQL.

mod admin;
mod builder;
mod connect;
mod janitor;
mod jobs;
mod migrate;
mod orgs;
mod project;
mod webhooks;
mod work;

use crate::meta::StoreError;
use plansift_types::api::JobStatus;
use plansift_types::ids::{IdKind, new_id};
use plansift_types::time::{self, Timestamp};
use sqlx::AnyPool;
use sqlx::{Any, Transaction};

/// Which database a [`SqlStore`] runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

pub struct SqlStore {
    pool: AnyPool,
    dialect: Dialect,
}

type Tx = Transaction<'static, Any>;

/// The advisory lock key every serialized write transaction takes on PostgreSQL ("plansift").
const WRITE_LOCK: i64 = 0x706c_616e_7369_6674;

impl SqlStore {
    /// A write transaction, serialized with every other.
    async fn write(&self) -> Result<Tx, StoreError> {
        match self.dialect {
            Dialect::Sqlite => Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?),
            Dialect::Postgres => {
                let mut tx = self.pool.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(WRITE_LOCK)
                    .execute(&mut *tx)
                    .await?;
                Ok(tx)
            }
        }
    }
}

pub(crate) fn ts(t: &Timestamp) -> String {
    time::format(t)
}

pub(crate) fn parse_ts(s: &str) -> Result<Timestamp, StoreError> {
    time::parse(s).ok_or_else(|| StoreError::Corrupt(format!("timestamp {s:?}")))
}

pub(crate) fn parse_opt_ts(s: Option<String>) -> Result<Option<Timestamp>, StoreError> {
    s.map(|s| parse_ts(&s)).transpose()
}

/// Moves a job from `from` to `to` if the status machine allows it, recording the event and,
/// when the job has a webhook, its outbox row: all inside the caller's transaction.
pub(crate) async fn transition(
    tx: &mut Tx,
    job_id: &str,
    from: JobStatus,
    to: JobStatus,
) -> Result<(), StoreError> {
    if !JobStatus::can_transition(from, to) {
        return Err(StoreError::InvalidState(from));
    }
    let now = ts(&time::now());
    let changed =
        sqlx::query("UPDATE jobs SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4")
            .bind(to.as_str())
            .bind(&now)
            .bind(job_id)
            .bind(from.as_str())
            .execute(&mut **tx)
            .await?
            .rows_affected();
    if changed == 0 {
        return Err(StoreError::InvalidState(from));
    }
    record_event(tx, job_id, Some(from), to, &now).await
}

pub(crate) async fn record_event(
    tx: &mut Tx,
    job_id: &str,
    from: Option<JobStatus>,
    to: JobStatus,
    now: &str,
) -> Result<(), StoreError> {
    let seq: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) + 1 FROM job_events WHERE job_id = $1")
            .bind(job_id)
            .fetch_one(&mut **tx)
            .await?;
    let event_id = new_id(IdKind::Event);
    sqlx::query("INSERT INTO job_events (id, job_id, seq, previous_status, status, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(&event_id)
        .bind(job_id)
        .bind(seq)
        .bind(from.map(|s| s.as_str()))
        .bind(to.as_str())
        .bind(now)
        .execute(&mut **tx)
        .await?;
    let payload = serde_json::json!({
        "id": event_id, "type": "job.status_changed", "createdAt": now,
        "data": {"jobId": job_id, "previousStatus": from.map(|s| s.as_str()), "status": to.as_str(), "sequence": seq}
    });
    sqlx::query(
        "INSERT INTO webhook_outbox (event_id, job_id, seq, payload, next_attempt_at, created_at)
         SELECT $1, id, $2, $3, $4, $5 FROM jobs WHERE id = $6 AND webhook_url IS NOT NULL
           -- A receiver that answered 410 Gone gets nothing more for this job.
           AND NOT EXISTS (SELECT 1 FROM webhook_outbox WHERE job_id = $7 AND response_status = 410)",
    )
    .bind(&event_id)
    .bind(seq)
    .bind(payload.to_string())
    .bind(now)
    .bind(now)
    .bind(job_id)
    .bind(job_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(crate) async fn insert_ledger(
    tx: &mut Tx,
    org_id: &str,
    job_id: Option<&str>,
    kind: &str,
    available_delta: i64,
    reserved_delta: i64,
    note: Option<&str>,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO ledger (org_id, job_id, kind, available_delta, reserved_delta, note, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(org_id)
    .bind(job_id)
    .bind(kind)
    .bind(available_delta)
    .bind(reserved_delta)
    .bind(note)
    .bind(ts(&time::now()))
    .fetch_one(&mut **tx)
    .await?)
}

pub(crate) async fn available(tx: &mut Tx, org_id: &str) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(available_delta), 0) AS BIGINT) FROM ledger WHERE org_id = $1",
    )
    .bind(org_id)
    .fetch_one(&mut **tx)
    .await?)
}

pub(crate) async fn enqueue(
    tx: &mut Tx,
    kind: crate::rows::TaskKind,
    subject: &str,
    document: Option<&str>,
    pages: Option<(i64, i64)>,
    priority: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO tasks (job_id, kind, document_id, page_start, page_end, priority, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(subject)
    .bind(kind.as_str())
    .bind(document)
    .bind(pages.map(|p| p.0))
    .bind(pages.map(|p| p.1))
    .bind(priority)
    .bind(ts(&time::now()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

use crate::meta::{MetaStore, Rates};
use crate::project::*;
use crate::rows::*;
use async_trait::async_trait;
use plansift_types::api::OpenApiProfile;

#[async_trait]
impl MetaStore for SqlStore {
    async fn ping(&self) -> Result<(), StoreError> {
        let applied = migrate::latest_applied(self).await?;
        if applied < migrate::latest_known(self) {
            return Err(StoreError::Migration(format!(
                "schema at {applied}, expected {}",
                migrate::latest_known(self)
            )));
        }
        Ok(())
    }
    async fn ensure_org(&self, name: &str, grant: i64) -> Result<(OrgRow, bool), StoreError> {
        self.ensure_org_impl(name, grant).await
    }
    async fn org(&self, id: &str) -> Result<Option<OrgRow>, StoreError> {
        self.org_impl("id", id).await
    }
    async fn org_by_name(&self, name: &str) -> Result<Option<OrgRow>, StoreError> {
        self.org_impl("name", name).await
    }
    async fn orgs(&self) -> Result<Vec<OrgRow>, StoreError> {
        self.orgs_impl().await
    }
    async fn create_key(&self, key: NewKey) -> Result<KeyRow, StoreError> {
        self.create_key_impl(key).await
    }
    async fn key_by_hash(&self, hash: &str) -> Result<Option<KeyRow>, StoreError> {
        self.key_by_hash_impl(hash).await
    }
    async fn touch_key(&self, id: &str, ip: Option<&str>) -> Result<(), StoreError> {
        self.touch_key_impl(id, ip).await
    }
    async fn balance(&self, org_id: &str) -> Result<Balance, StoreError> {
        self.balance_impl(org_id).await
    }
    async fn ledger(&self, org_id: &str) -> Result<Vec<LedgerEntry>, StoreError> {
        self.ledger_impl(org_id).await
    }
    async fn create_project(
        &self,
        org_id: &str,
        name: &str,
        charge: i64,
    ) -> Result<ProjectRow, StoreError> {
        self.create_project_impl(org_id, name, charge).await
    }
    async fn set_project_ready(&self, project_id: &str) -> Result<(), StoreError> {
        self.set_project_ready_impl(project_id).await
    }
    async fn projects(&self, org_id: &str) -> Result<Vec<ProjectRow>, StoreError> {
        self.projects_impl(org_id).await
    }
    async fn project(&self, org_id: &str, id: &str) -> Result<Option<ProjectRow>, StoreError> {
        self.project_impl(org_id, id).await
    }
    async fn create_job(&self, job: NewJob) -> Result<JobRow, StoreError> {
        self.create_job_impl(job).await
    }
    async fn job(&self, org_id: Option<&str>, id: &str) -> Result<Option<JobRow>, StoreError> {
        self.job_impl(org_id, id).await
    }
    async fn jobs(&self, org_id: &str, project_id: &str) -> Result<Vec<JobRow>, StoreError> {
        self.jobs_impl(org_id, project_id).await
    }
    async fn documents(&self, job_id: &str) -> Result<Vec<DocumentRow>, StoreError> {
        self.documents_impl(job_id).await
    }
    async fn add_documents(
        &self,
        job_id: &str,
        docs: Vec<NewDocument>,
    ) -> Result<Vec<Added>, StoreError> {
        self.add_documents_impl(job_id, docs).await
    }
    async fn document(&self, document_id: &str) -> Result<Option<DocumentRow>, StoreError> {
        self.document_impl(document_id).await
    }
    async fn mark_uploaded(&self, document_id: &str) -> Result<bool, StoreError> {
        self.mark_uploaded_impl(document_id).await
    }
    async fn put_part(
        &self,
        document_id: &str,
        part: &PartRow,
    ) -> Result<Option<String>, StoreError> {
        self.put_part_impl(document_id, part).await
    }
    async fn parts(&self, document_id: &str) -> Result<Vec<PartRow>, StoreError> {
        self.parts_impl(document_id).await
    }
    async fn delete_parts(&self, document_id: &str) -> Result<(), StoreError> {
        self.delete_parts_impl(document_id).await
    }
    async fn secret(&self, name: &str, fresh: &str) -> Result<String, StoreError> {
        self.secret_impl(name, fresh).await
    }
    async fn create_download(&self, token_hash: &str, row: &DownloadRow) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO download_tokens (token_hash, id, org_id, path, content_type, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(token_hash)
        .bind(&row.id)
        .bind(&row.org_id)
        .bind(&row.path)
        .bind(&row.content_type)
        .bind(ts(&row.expires_at))
        .bind(ts(&time::now()))
        .execute(&self.pool)
        .await?;
        Ok(())
    }
    async fn download(&self, token_hash: &str) -> Result<Option<DownloadRow>, StoreError> {
        use sqlx::Row;
        let Some(r) = sqlx::query("SELECT * FROM download_tokens WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(DownloadRow {
            id: r.get("id"),
            org_id: r.get("org_id"),
            path: r.get("path"),
            content_type: r.get("content_type"),
            expires_at: parse_ts(r.get("expires_at"))?,
            used_at: parse_opt_ts(r.get("used_at"))?,
        }))
    }
    async fn consume_download(&self, token_hash: &str) -> Result<bool, StoreError> {
        let now = ts(&time::now());
        let changed = sqlx::query(
            "UPDATE download_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $3",
        )
        .bind(&now)
        .bind(token_hash)
        .bind(&now)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(changed == 1)
    }
    async fn job_status_counts(&self) -> Result<Vec<(String, i64)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT status, COUNT(*) FROM jobs WHERE purged_at IS NULL GROUP BY status ORDER BY status",
        )
        .fetch_all(&self.pool)
        .await?)
    }
    async fn keys(&self, org_id: &str) -> Result<Vec<KeyRow>, StoreError> {
        self.keys_impl(org_id).await
    }
    async fn revoke_key(&self, key_id: &str) -> Result<KeyRow, StoreError> {
        self.revoke_key_impl(key_id).await
    }
    async fn revoke_all_keys(&self, org_id: &str) -> Result<Vec<KeyRow>, StoreError> {
        self.revoke_keys_impl(org_id, None).await
    }
    async fn create_org(&self, name: &str) -> Result<OrgRow, StoreError> {
        self.create_org_impl(name).await
    }
    async fn grant(
        &self,
        org_id: &str,
        amount: i64,
        note: Option<&str>,
    ) -> Result<(LedgerEntry, Balance), StoreError> {
        self.grant_impl(org_id, amount, note).await
    }
    async fn set_profile(&self, org_id: &str, profile: &OpenApiProfile) -> Result<(), StoreError> {
        self.set_profile_impl(org_id, profile).await
    }
    async fn due_webhooks(
        &self,
        now: &Timestamp,
        limit: i64,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        self.due_webhooks_impl(now, limit).await
    }
    async fn webhook_attempted(
        &self,
        event_id: &str,
        attempt: &WebhookAttempt,
    ) -> Result<(), StoreError> {
        self.webhook_attempted_impl(event_id, attempt).await
    }
    async fn webhook_deliveries(&self, job_id: &str) -> Result<Vec<OutboxRow>, StoreError> {
        self.webhook_deliveries_impl(job_id).await
    }
    async fn webhook_secret(&self, job_id: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT webhook_secret FROM jobs WHERE id = $1")
                .bind(job_id)
                .fetch_optional(&self.pool)
                .await?
                .flatten(),
        )
    }
    async fn expire_stale_jobs(&self, now: &Timestamp) -> Result<Vec<String>, StoreError> {
        self.expire_stale_jobs_impl(now).await
    }
    async fn purgeable_jobs(&self, now: &Timestamp, limit: i64) -> Result<Vec<JobRow>, StoreError> {
        self.purgeable_jobs_impl(now, limit).await
    }
    async fn mark_purged(&self, job_id: &str) -> Result<(), StoreError> {
        self.mark_purged_impl(job_id).await
    }
    async fn take_expired_registrations(&self, now: &Timestamp) -> Result<Vec<String>, StoreError> {
        self.take_expired_registrations_impl(now).await
    }
    async fn resume_job(&self, job_id: &str) -> Result<JobRow, StoreError> {
        self.resume_job_impl(job_id).await
    }
    async fn complete_uploads(&self, job_id: &str) -> Result<JobRow, StoreError> {
        self.complete_uploads_impl(job_id).await
    }
    async fn cancel_job(&self, job_id: &str) -> Result<JobRow, StoreError> {
        self.cancel_job_impl(job_id).await
    }
    async fn job_events(&self, job_id: &str) -> Result<Vec<JobEventRow>, StoreError> {
        self.job_events_impl(job_id).await
    }
    async fn claim_task(&self, owner: &str, lease_ms: i64) -> Result<Option<TaskRow>, StoreError> {
        self.claim_task_impl(owner, lease_ms).await
    }
    async fn renew_lease(
        &self,
        task_id: i64,
        owner: &str,
        lease_ms: i64,
    ) -> Result<bool, StoreError> {
        self.renew_lease_impl(task_id, owner, lease_ms).await
    }
    async fn finish_task(&self, task_id: i64, owner: &str) -> Result<(), StoreError> {
        self.finish_task_impl(task_id, owner).await
    }
    async fn release_task(&self, task_id: i64, owner: &str, error: &str) -> Result<(), StoreError> {
        self.release_task_impl(task_id, owner, error).await
    }
    async fn commit_preflight(
        &self,
        job_id: &str,
        docs: Vec<PreflightDoc>,
        profile: &OpenApiProfile,
        pages_per_task: i64,
    ) -> Result<PreflightOutcome, StoreError> {
        self.commit_preflight_impl(job_id, docs, profile, pages_per_task)
            .await
    }
    async fn commit_page(
        &self,
        job_id: &str,
        page: PageDone,
        rates: Rates,
    ) -> Result<PageCommit, StoreError> {
        self.commit_page_impl(job_id, page, rates).await
    }
    async fn fail_page(
        &self,
        job_id: &str,
        document_id: &str,
        page_number: i64,
        code: &str,
        message: &str,
    ) -> Result<PageCommit, StoreError> {
        self.fail_page_impl(job_id, document_id, page_number, code, message)
            .await
    }
    async fn job_pages(&self, job_id: &str) -> Result<Vec<PageRow>, StoreError> {
        self.job_pages_impl(job_id).await
    }
    async fn pending_pages(
        &self,
        job_id: &str,
        document_id: &str,
        start: i64,
        end: i64,
    ) -> Result<Vec<i64>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT page_number FROM pages WHERE job_id = $1 AND document_id = $2 AND status = 'pending' AND page_number BETWEEN $3 AND $4 ORDER BY page_number",
        )
        .bind(job_id)
        .bind(document_id)
        .bind(start)
        .bind(end)
        .fetch_all(&self.pool)
        .await?)
    }
    async fn finalize(&self, job_id: &str, f: Finalization) -> Result<JobRow, StoreError> {
        self.finalize_impl(job_id, f).await
    }
    async fn index_job(&self, job_id: &str, index: ProjectIndex) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let job = jobs::job_in(&mut tx, job_id).await?;
        let indexed: Option<String> =
            sqlx::query_scalar("SELECT indexed_at FROM jobs WHERE id = $1")
                .bind(job_id)
                .fetch_one(&mut *tx)
                .await?;
        if indexed.is_none() {
            project::write_index(&mut tx, self.dialect, &job, &index).await?;
        }
        tx.commit().await?;
        Ok(())
    }
    async fn unindexed_jobs(&self, project_id: Option<&str>) -> Result<Vec<String>, StoreError> {
        self.unindexed_jobs_impl(project_id).await
    }
    async fn entities(&self, q: &EntityQuery) -> Result<EntityPage, StoreError> {
        self.entities_impl(q).await
    }
    async fn search(&self, q: &SearchQuery) -> Result<(Vec<SearchHit>, i64), StoreError> {
        self.search_impl(q).await
    }
    async fn page_texts(&self, q: &PageTextQuery) -> Result<Vec<PageTextRecord>, StoreError> {
        self.page_texts_impl(q).await
    }
    async fn page_boxes(&self, project_id: &str, seq: i64) -> Result<Vec<u8>, StoreError> {
        self.page_boxes_impl(project_id, seq).await
    }
    async fn page_text_of(
        &self,
        project_id: &str,
        file_id: &str,
        page_number: i64,
    ) -> Result<Option<String>, StoreError> {
        self.page_text_of_impl(project_id, file_id, page_number)
            .await
    }
    async fn project_artifact(
        &self,
        project_id: &str,
        path: &str,
    ) -> Result<Option<String>, StoreError> {
        self.project_artifact_impl(project_id, path).await
    }
    async fn idempotency_begin(
        &self,
        org_id: &str,
        endpoint: &str,
        key: &str,
        body_hash: &str,
    ) -> Result<IdempotencyState, StoreError> {
        self.idempotency_begin_impl(org_id, endpoint, key, body_hash)
            .await
    }
    async fn idempotency_finish(
        &self,
        org_id: &str,
        endpoint: &str,
        key: &str,
        status_code: u16,
        response: &str,
    ) -> Result<(), StoreError> {
        self.idempotency_finish_impl(org_id, endpoint, key, status_code, response)
            .await
    }
    async fn idempotency_abort(
        &self,
        org_id: &str,
        endpoint: &str,
        key: &str,
    ) -> Result<(), StoreError> {
        self.idempotency_abort_impl(org_id, endpoint, key).await
    }
}
