//! The task queue with leases, and the commits of preflight, pages and finalize.

use super::jobs::{job_in, release_reservation};
use super::{Dialect, SqlStore, enqueue, insert_ledger, transition, ts};
use crate::meta::{Rates, StoreError};
use crate::rows::*;
use plansift_types::api::{JobStatus, OpenApiProfile};
use plansift_types::error::document::PAGE_LIMIT_EXCEEDED;
use plansift_types::time;
use sqlx::Row;

fn now_ms() -> i64 {
    time::now().timestamp_millis()
}

impl SqlStore {
    pub(crate) async fn claim_task_impl(
        &self,
        owner: &str,
        lease_ms: i64,
    ) -> Result<Option<TaskRow>, StoreError> {
        let now = now_ms();
        // PostgreSQL needs no write lock: SKIP LOCKED lets every worker claim a different task
        // at once. SQLite has one writer at a time anyway.
        let (mut tx, lock) = match self.dialect {
            Dialect::Postgres => (self.pool.begin().await?, " FOR UPDATE SKIP LOCKED"),
            Dialect::Sqlite => (self.write().await?, ""),
        };
        let claim = format!(
            "UPDATE tasks SET status = 'running', lease_owner = $1, lease_until = $2, attempts = attempts + 1
             WHERE id = (SELECT id FROM tasks WHERE status = 'queued' OR (status = 'running' AND lease_until < $3)
                         ORDER BY priority DESC, id LIMIT 1{lock})
             RETURNING id, kind, job_id, document_id, page_start, page_end, attempts"
        );
        let r = sqlx::query(&claim)
            .bind(owner)
            .bind(now + lease_ms)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        let Some(r) = r else { return Ok(None) };
        let kind: String = r.get("kind");
        Ok(Some(TaskRow {
            id: r.get("id"),
            kind: TaskKind::parse(&kind)
                .ok_or_else(|| StoreError::Corrupt(format!("task kind {kind:?}")))?,
            subject_id: r.get("job_id"),
            document_id: r.get("document_id"),
            page_start: r.get("page_start"),
            page_end: r.get("page_end"),
            attempts: r.get("attempts"),
        }))
    }

    pub(crate) async fn renew_lease_impl(
        &self,
        task_id: i64,
        owner: &str,
        lease_ms: i64,
    ) -> Result<bool, StoreError> {
        let n = sqlx::query("UPDATE tasks SET lease_until = $1 WHERE id = $2 AND lease_owner = $3 AND status = 'running'")
            .bind(now_ms() + lease_ms)
            .bind(task_id)
            .bind(owner)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    pub(crate) async fn finish_task_impl(
        &self,
        task_id: i64,
        owner: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE tasks SET status = 'done', lease_until = NULL WHERE id = $1 AND lease_owner = $2 AND status = 'running'")
            .bind(task_id)
            .bind(owner)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub(crate) async fn release_task_impl(
        &self,
        task_id: i64,
        owner: &str,
        error: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE tasks SET status = 'queued', lease_owner = NULL, lease_until = NULL, last_error = $1 WHERE id = $2 AND lease_owner = $3")
            .bind(error)
            .bind(task_id)
            .bind(owner)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub(crate) async fn commit_preflight_impl(
        &self,
        job_id: &str,
        docs: Vec<PreflightDoc>,
        profile: &OpenApiProfile,
        pages_per_task: i64,
    ) -> Result<PreflightOutcome, StoreError> {
        let rates = Rates::of(profile);
        let mut tx = self.write().await?;
        let job = job_in(&mut tx, job_id).await?;
        if job.status != JobStatus::Preflighting {
            return Err(StoreError::InvalidState(job.status));
        }
        let mut total = 0i64;
        let mut batches: Vec<(String, i64, i64)> = Vec::new();
        for d in &docs {
            match &d.outcome {
                Ok(kinds) => {
                    for (i, kind) in kinds.iter().enumerate() {
                        sqlx::query("INSERT INTO pages (document_id, page_number, job_id, preflight_kind) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
                            .bind(&d.document_id)
                            .bind(i as i64 + 1)
                            .bind(job_id)
                            .bind(*kind)
                            .execute(&mut *tx)
                            .await?;
                    }
                    let n = kinds.len() as i64;
                    total += n;
                    sqlx::query(
                        "UPDATE documents SET status = 'processing', page_count = $1 WHERE id = $2",
                    )
                    .bind(n)
                    .bind(&d.document_id)
                    .execute(&mut *tx)
                    .await?;
                    let mut start = 1;
                    while start <= n {
                        let end = (start + pages_per_task - 1).min(n);
                        batches.push((d.document_id.clone(), start, end));
                        start = end + 1;
                    }
                }
                Err((code, message)) => {
                    sqlx::query("UPDATE documents SET status = 'failed', error_code = $1, error_message = $2 WHERE id = $3")
                        .bind(code)
                        .bind(message)
                        .bind(&d.document_id)
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        sqlx::query("UPDATE jobs SET page_count = $1 WHERE id = $2")
            .bind(total)
            .bind(job_id)
            .execute(&mut *tx)
            .await?;
        let fail = |code: &str, message: String| (code.to_string(), message);
        let failure = if total > profile.job_page_limit {
            Some(fail(
                PAGE_LIMIT_EXCEEDED,
                format!(
                    "the job has {total} pages; the limit is {}",
                    profile.job_page_limit
                ),
            ))
        } else if total == 0 {
            Some(fail(
                "no_readable_documents",
                "no document of the job could be read".into(),
            ))
        } else {
            None
        };
        if let Some((code, message)) = failure {
            transition(&mut tx, job_id, JobStatus::Preflighting, JobStatus::Failed).await?;
            let now = time::now();
            let expires = time::after_days(&now, profile.retention_days);
            sqlx::query("UPDATE jobs SET error_code = $1, error_message = $2, completed_at = $3, expires_at = $4 WHERE id = $5")
                .bind(&code)
                .bind(&message)
                .bind(ts(&now))
                .bind(ts(&expires))
                .bind(job_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            return Ok(PreflightOutcome::Failed { code });
        }
        // What is still to do: on a resume, pages done before are neither reserved nor redone,
        // and what the job still held is given back before the new reservation.
        let pending: Vec<(String, i64)> = sqlx::query_as(
            "SELECT preflight_kind, COUNT(*) FROM pages WHERE job_id = $1 AND status = 'pending' GROUP BY preflight_kind",
        )
        .bind(job_id)
        .fetch_all(&mut *tx)
        .await?;
        let required: i64 = pending
            .iter()
            .map(|(kind, n)| rates.for_kind(kind) * n)
            .sum();
        super::jobs::release_reservation(&mut tx, &job).await?;
        let available = super::available(&mut tx, &job.org_id).await?;
        if available < required {
            transition(
                &mut tx,
                job_id,
                JobStatus::Preflighting,
                JobStatus::BlockedInsufficientCredits,
            )
            .await?;
            tx.commit().await?;
            return Ok(PreflightOutcome::Blocked {
                required,
                available,
            });
        }
        insert_ledger(
            &mut tx,
            &job.org_id,
            Some(job_id),
            "reserve",
            -required,
            required,
            None,
        )
        .await?;
        sqlx::query("UPDATE jobs SET credits_reserved = $1 WHERE id = $2")
            .bind(required)
            .bind(job_id)
            .execute(&mut *tx)
            .await?;
        transition(
            &mut tx,
            job_id,
            JobStatus::Preflighting,
            JobStatus::Processing,
        )
        .await?;
        for (doc, start, end) in &batches {
            enqueue(
                &mut tx,
                TaskKind::Pages,
                job_id,
                Some(doc),
                Some((*start, *end)),
                0,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(PreflightOutcome::Processing {
            reserved: required,
            tasks: batches.len(),
        })
    }

    /// Shared head of a page commit: the job must be processing and the page still open.
    async fn open_page(
        tx: &mut super::Tx,
        job_id: &str,
        document_id: &str,
        page: i64,
    ) -> Result<Option<(JobRow, PageCommit)>, StoreError> {
        let job = job_in(tx, job_id).await?;
        if job.status != JobStatus::Processing {
            return Ok(Some((job, PageCommit::JobNotProcessing)));
        }
        let status: Option<String> = sqlx::query_scalar(
            "SELECT status FROM pages WHERE document_id = $1 AND page_number = $2 AND job_id = $3",
        )
        .bind(document_id)
        .bind(page)
        .bind(job_id)
        .fetch_optional(&mut **tx)
        .await?;
        match status.as_deref() {
            Some("pending") => Ok(None),
            Some(_) => Ok(Some((job, PageCommit::AlreadyDone))),
            None => Err(StoreError::NotFound),
        }
    }

    /// Queues finalize once no page of the job is pending.
    async fn maybe_finalize(tx: &mut super::Tx, job_id: &str) -> Result<bool, StoreError> {
        let pending: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pages WHERE job_id = $1 AND status = 'pending'",
        )
        .bind(job_id)
        .fetch_one(&mut **tx)
        .await?;
        if pending == 0 {
            enqueue(tx, TaskKind::Finalize, job_id, None, None, 5).await?;
        }
        Ok(pending == 0)
    }

    pub(crate) async fn commit_page_impl(
        &self,
        job_id: &str,
        page: PageDone,
        rates: Rates,
    ) -> Result<PageCommit, StoreError> {
        let mut tx = self.write().await?;
        let job =
            match Self::open_page(&mut tx, job_id, &page.document_id, page.page_number).await? {
                Some((_, outcome)) => return Ok(outcome),
                None => job_in(&mut tx, job_id).await?,
            };
        let cost = rates.for_kind(page.final_kind);
        let held: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(reserved_delta), 0) AS BIGINT) FROM ledger WHERE job_id = $1",
        )
        .bind(job_id)
        .fetch_one(&mut *tx)
        .await?;
        let from_reserve = cost.min(held.max(0));
        let extra = cost - from_reserve;
        if extra > 0 && super::available(&mut tx, &job.org_id).await? < extra {
            transition(
                &mut tx,
                job_id,
                JobStatus::Processing,
                JobStatus::BlockedInsufficientCredits,
            )
            .await?;
            tx.commit().await?;
            return Ok(PageCommit::Blocked);
        }
        if cost > 0 {
            insert_ledger(
                &mut tx,
                &job.org_id,
                Some(job_id),
                "debit",
                -extra,
                -from_reserve,
                None,
            )
            .await?;
        }
        sqlx::query("UPDATE pages SET status = 'done', final_kind = $1, analysis = $2, artifacts = $3, credits = $4 WHERE document_id = $5 AND page_number = $6")
            .bind(page.final_kind)
            .bind(&page.analysis)
            .bind(&page.artifacts)
            .bind(cost)
            .bind(&page.document_id)
            .bind(page.page_number)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE jobs SET successful_page_count = successful_page_count + 1, credits_debited = credits_debited + $1, updated_at = $2 WHERE id = $3")
            .bind(cost)
            .bind(ts(&time::now()))
            .bind(job_id)
            .execute(&mut *tx)
            .await?;
        let finalize_queued = Self::maybe_finalize(&mut tx, job_id).await?;
        tx.commit().await?;
        Ok(PageCommit::Stored { finalize_queued })
    }

    pub(crate) async fn fail_page_impl(
        &self,
        job_id: &str,
        document_id: &str,
        page_number: i64,
        code: &str,
        message: &str,
    ) -> Result<PageCommit, StoreError> {
        let mut tx = self.write().await?;
        if let Some((_, outcome)) =
            Self::open_page(&mut tx, job_id, document_id, page_number).await?
        {
            return Ok(outcome);
        }
        sqlx::query("UPDATE pages SET status = 'failed', error_code = $1, error_message = $2 WHERE document_id = $3 AND page_number = $4")
            .bind(code)
            .bind(message)
            .bind(document_id)
            .bind(page_number)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE jobs SET failed_page_count = failed_page_count + 1, updated_at = $1 WHERE id = $2")
            .bind(ts(&time::now()))
            .bind(job_id)
            .execute(&mut *tx)
            .await?;
        let finalize_queued = Self::maybe_finalize(&mut tx, job_id).await?;
        tx.commit().await?;
        Ok(PageCommit::Stored { finalize_queued })
    }

    pub(crate) async fn job_pages_impl(&self, job_id: &str) -> Result<Vec<PageRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT p.* FROM pages p JOIN documents d ON d.id = p.document_id WHERE p.job_id = $1 ORDER BY d.position, p.page_number",
        )
        .bind(job_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| PageRow {
                document_id: r.get("document_id"),
                page_number: r.get("page_number"),
                preflight_kind: r.get("preflight_kind"),
                final_kind: r.get("final_kind"),
                status: r.get("status"),
                analysis: r.get("analysis"),
                artifacts: r.get("artifacts"),
                error_code: r.get("error_code"),
                error_message: r.get("error_message"),
            })
            .collect())
    }

    pub(crate) async fn finalize_impl(
        &self,
        job_id: &str,
        f: Finalization,
    ) -> Result<JobRow, StoreError> {
        let mut tx = self.write().await?;
        let job = job_in(&mut tx, job_id).await?;
        if job.status.is_terminal() {
            return Ok(job);
        }
        transition(&mut tx, job_id, job.status, f.status).await?;
        let now = time::now();
        let expires = time::after_days(&now, f.retention_days);
        sqlx::query("UPDATE jobs SET result_key = $1, error_code = $2, error_message = $3, completed_at = $4, expires_at = $5 WHERE id = $6")
            .bind(&f.result_key)
            .bind(f.error.as_ref().map(|e| &e.0))
            .bind(f.error.as_ref().map(|e| &e.1))
            .bind(ts(&now))
            .bind(ts(&expires))
            .bind(job_id)
            .execute(&mut *tx)
            .await?;
        for (id, status, detected) in &f.documents {
            sqlx::query("UPDATE documents SET status = $1, detected_classification = $2 WHERE id = $3 AND job_id = $4")
                .bind(status)
                .bind(detected)
                .bind(id)
                .bind(job_id)
                .execute(&mut *tx)
                .await?;
        }
        release_reservation(&mut tx, &job).await?;
        if let Some(index) = f.index.as_ref().filter(|_| f.status.has_result()) {
            super::project::write_index(&mut tx, self.dialect, &job, index).await?;
        }
        let row = job_in(&mut tx, job_id).await?;
        tx.commit().await?;
        Ok(row)
    }
}
