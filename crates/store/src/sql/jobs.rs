//! Jobs, their documents and their status history.

use super::{
    SqlStore, enqueue, insert_ledger, parse_opt_ts, parse_ts, record_event, transition, ts,
};
use crate::meta::StoreError;
use crate::rows::*;
use plansift_types::api::{JobStatus, MAX_BYTES_PER_JOB, MAX_FILES_PER_JOB};
use plansift_types::ids::{IdKind, new_id};
use plansift_types::time;
use sqlx::Row;
use sqlx::any::AnyRow;

pub(crate) fn job_row(r: &AnyRow) -> Result<JobRow, StoreError> {
    let status: String = r.get("status");
    Ok(JobRow {
        id: r.get("id"),
        org_id: r.get("org_id"),
        project_id: r.get("project_id"),
        external_id: r.get("external_id"),
        status: JobStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("job status {status:?}")))?,
        webhook_url: r.get("webhook_url"),
        page_count: r.get("page_count"),
        successful_page_count: r.get("successful_page_count"),
        failed_page_count: r.get("failed_page_count"),
        credits_reserved: r.get("credits_reserved"),
        credits_debited: r.get("credits_debited"),
        error_code: r.get("error_code"),
        error_message: r.get("error_message"),
        result_key: r.get("result_key"),
        created_at: parse_ts(r.get("created_at"))?,
        updated_at: parse_ts(r.get("updated_at"))?,
        completed_at: parse_opt_ts(r.get("completed_at"))?,
        expires_at: parse_opt_ts(r.get("expires_at"))?,
    })
}

pub(crate) fn document_row(r: &AnyRow) -> Result<DocumentRow, StoreError> {
    Ok(DocumentRow {
        id: r.get("id"),
        job_id: r.get("job_id"),
        file_name: r.get("file_name"),
        content_type: r.get("content_type"),
        classification: r.get("classification"),
        detected_classification: r.get("detected_classification"),
        file_size: r.get("file_size"),
        sha256: r.get("sha256"),
        blob_key: r.get("blob_key"),
        status: r.get("status"),
        page_count: r.get("page_count"),
        error_code: r.get("error_code"),
        error_message: r.get("error_message"),
        created_at: parse_ts(r.get("created_at"))?,
        upload_mode: r.get("upload_mode"),
        part_size: r.get("part_size"),
        upload_expires_at: parse_opt_ts(r.get("upload_expires_at"))?,
    })
}

pub(crate) async fn job_in(tx: &mut super::Tx, job_id: &str) -> Result<JobRow, StoreError> {
    let r = sqlx::query("SELECT * FROM jobs WHERE id = $1")
        .bind(job_id)
        .fetch_optional(&mut **tx)
        .await?;
    job_row(&r.ok_or(StoreError::NotFound)?)
}

impl SqlStore {
    pub(crate) async fn create_job_impl(&self, job: NewJob) -> Result<JobRow, StoreError> {
        let mut tx = self.write().await?;
        let id = new_id(IdKind::Job);
        let now = time::now();
        let expires = time::after_days(&now, job.ttl_days);
        sqlx::query(
            "INSERT INTO jobs (id, org_id, project_id, external_id, status, webhook_url, webhook_secret, created_at, updated_at, expires_at)
             VALUES ($1, $2, $3, $4, 'awaiting_uploads', $5, $6, $7, $8, $9)",
        )
        .bind(&id)
        .bind(&job.org_id)
        .bind(&job.project_id)
        .bind(&job.external_id)
        .bind(&job.webhook_url)
        .bind(&job.webhook_secret)
        .bind(ts(&now))
        .bind(ts(&now))
        .bind(ts(&expires))
        .execute(&mut *tx)
        .await?;
        record_event(&mut tx, &id, None, JobStatus::AwaitingUploads, &ts(&now)).await?;
        let row = job_in(&mut tx, &id).await?;
        tx.commit().await?;
        Ok(row)
    }

    pub(crate) async fn job_impl(
        &self,
        org_id: Option<&str>,
        id: &str,
    ) -> Result<Option<JobRow>, StoreError> {
        let r = match org_id {
            Some(org) => {
                sqlx::query(
                    "SELECT * FROM jobs WHERE id = $1 AND org_id = $2 AND purged_at IS NULL",
                )
                .bind(id)
                .bind(org)
                .fetch_optional(&self.pool)
                .await?
            }
            None => {
                sqlx::query("SELECT * FROM jobs WHERE id = $1 AND purged_at IS NULL")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?
            }
        };
        r.as_ref().map(job_row).transpose()
    }

    pub(crate) async fn jobs_impl(
        &self,
        org_id: &str,
        project_id: &str,
    ) -> Result<Vec<JobRow>, StoreError> {
        sqlx::query("SELECT * FROM jobs WHERE org_id = $1 AND project_id = $2 AND purged_at IS NULL ORDER BY created_at DESC, id DESC")
            .bind(org_id)
            .bind(project_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(job_row)
            .collect()
    }

    pub(crate) async fn documents_impl(
        &self,
        job_id: &str,
    ) -> Result<Vec<DocumentRow>, StoreError> {
        sqlx::query("SELECT * FROM documents WHERE job_id = $1 ORDER BY position")
            .bind(job_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(document_row)
            .collect()
    }

    pub(crate) async fn add_documents_impl(
        &self,
        job_id: &str,
        docs: Vec<NewDocument>,
    ) -> Result<Vec<Added>, StoreError> {
        let mut tx = self.write().await?;
        let job = job_in(&mut tx, job_id).await?;
        match job.status {
            JobStatus::AwaitingUploads | JobStatus::Uploading => {}
            other => return Err(StoreError::InvalidState(other)),
        }
        let r = sqlx::query("SELECT COUNT(*) AS n, CAST(COALESCE(SUM(file_size), 0) AS BIGINT) AS bytes FROM documents WHERE job_id = $1")
            .bind(job_id)
            .fetch_one(&mut *tx)
            .await?;
        let (mut count, mut bytes): (i64, i64) = (r.get("n"), r.get("bytes"));
        let mut out = Vec::with_capacity(docs.len());
        let now = ts(&time::now());
        for d in docs {
            let existing: Option<String> =
                sqlx::query_scalar("SELECT id FROM documents WHERE job_id = $1 AND sha256 = $2")
                    .bind(job_id)
                    .bind(&d.sha256)
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some(id) = existing {
                out.push(Added::Skipped(id));
                continue;
            }
            count += 1;
            // Checked: sizes come from clients, and a sum that wraps would pass the limit.
            bytes = bytes.checked_add(d.file_size).unwrap_or(i64::MAX);
            if count > MAX_FILES_PER_JOB {
                return Err(StoreError::LimitExceeded {
                    limit: "maxFiles",
                    max: MAX_FILES_PER_JOB,
                });
            }
            if bytes > MAX_BYTES_PER_JOB {
                return Err(StoreError::LimitExceeded {
                    limit: "maxDeclaredBytes",
                    max: MAX_BYTES_PER_JOB,
                });
            }
            sqlx::query(
                "INSERT INTO documents (id, job_id, position, org_id, file_name, content_type, classification, file_size, sha256, blob_key, status, created_at,
                    upload_mode, part_size, upload_expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
            )
            .bind(&d.id)
            .bind(job_id)
            .bind(count)
            .bind(&job.org_id)
            .bind(&d.file_name)
            .bind(&d.content_type)
            .bind(&d.classification)
            .bind(d.file_size)
            .bind(&d.sha256)
            .bind(&d.blob_key)
            .bind(if d.registration.is_some() { "registered" } else { "uploaded" })
            .bind(&now)
            .bind(d.registration.as_ref().map(|r| r.mode.clone()))
            .bind(d.registration.as_ref().and_then(|r| r.part_size))
            .bind(d.registration.as_ref().map(|r| ts(&r.expires_at)))
            .execute(&mut *tx)
            .await?;
            out.push(Added::Uploaded(d.id));
        }
        if job.status == JobStatus::AwaitingUploads {
            transition(
                &mut tx,
                job_id,
                JobStatus::AwaitingUploads,
                JobStatus::Uploading,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(out)
    }

    pub(crate) async fn resume_job_impl(&self, job_id: &str) -> Result<JobRow, StoreError> {
        let mut tx = self.write().await?;
        let job = job_in(&mut tx, job_id).await?;
        if job.status != JobStatus::BlockedInsufficientCredits {
            return Err(StoreError::InvalidState(job.status));
        }
        transition(&mut tx, job_id, job.status, JobStatus::Preflighting).await?;
        enqueue(&mut tx, TaskKind::Preflight, job_id, None, None, 5).await?;
        let row = job_in(&mut tx, job_id).await?;
        tx.commit().await?;
        Ok(row)
    }

    pub(crate) async fn complete_uploads_impl(&self, job_id: &str) -> Result<JobRow, StoreError> {
        let mut tx = self.write().await?;
        let job = job_in(&mut tx, job_id).await?;
        // Registrations whose bytes never came are not part of the job.
        sqlx::query("DELETE FROM upload_parts WHERE document_id IN (SELECT id FROM documents WHERE job_id = $1 AND status = 'registered')")
            .bind(job_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM documents WHERE job_id = $1 AND status = 'registered'")
            .bind(job_id)
            .execute(&mut *tx)
            .await?;
        transition(&mut tx, job_id, job.status, JobStatus::Preflighting).await?;
        enqueue(&mut tx, TaskKind::Preflight, job_id, None, None, 5).await?;
        let row = job_in(&mut tx, job_id).await?;
        tx.commit().await?;
        Ok(row)
    }

    pub(crate) async fn cancel_job_impl(&self, job_id: &str) -> Result<JobRow, StoreError> {
        let mut tx = self.write().await?;
        let job = job_in(&mut tx, job_id).await?;
        transition(&mut tx, job_id, job.status, JobStatus::Cancelled).await?;
        release_reservation(&mut tx, &job).await?;
        let now = time::now();
        sqlx::query("UPDATE jobs SET completed_at = $1 WHERE id = $2")
            .bind(ts(&now))
            .bind(job_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE tasks SET status = 'cancelled' WHERE job_id = $1 AND status IN ('queued', 'running')")
            .bind(job_id)
            .execute(&mut *tx)
            .await?;
        let row = job_in(&mut tx, job_id).await?;
        tx.commit().await?;
        Ok(row)
    }

    pub(crate) async fn job_events_impl(
        &self,
        job_id: &str,
    ) -> Result<Vec<JobEventRow>, StoreError> {
        let rows = sqlx::query("SELECT * FROM job_events WHERE job_id = $1 ORDER BY seq")
            .bind(job_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(JobEventRow {
                    id: r.get("id"),
                    seq: r.get("seq"),
                    previous_status: r.get("previous_status"),
                    status: r.get("status"),
                    created_at: parse_ts(r.get("created_at"))?,
                })
            })
            .collect()
    }
}

/// Gives back what is still reserved for the job: the sum of its reserved deltas.
pub(crate) async fn release_reservation(
    tx: &mut super::Tx,
    job: &JobRow,
) -> Result<(), StoreError> {
    let held: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(reserved_delta), 0) AS BIGINT) FROM ledger WHERE job_id = $1",
    )
    .bind(&job.id)
    .fetch_one(&mut **tx)
    .await?;
    if held != 0 {
        insert_ledger(tx, &job.org_id, Some(&job.id), "release", held, -held, None).await?;
    }
    Ok(())
}

impl SqlStore {
    pub(crate) async fn mark_uploaded_impl(&self, document_id: &str) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        let job_status: Option<String> = sqlx::query_scalar(
            "SELECT j.status FROM jobs j JOIN documents d ON d.job_id = j.id WHERE d.id = $1",
        )
        .bind(document_id)
        .fetch_optional(&mut *tx)
        .await?;
        let status = job_status
            .as_deref()
            .and_then(JobStatus::parse)
            .ok_or(StoreError::NotFound)?;
        if !matches!(status, JobStatus::AwaitingUploads | JobStatus::Uploading) {
            return Err(StoreError::InvalidState(status));
        }
        let changed = sqlx::query(
            "UPDATE documents SET status = 'uploaded' WHERE id = $1 AND status = 'registered'",
        )
        .bind(document_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(changed == 1)
    }

    pub(crate) async fn put_part_impl(
        &self,
        document_id: &str,
        part: &PartRow,
    ) -> Result<Option<String>, StoreError> {
        let mut tx = self.write().await?;
        let old: Option<String> = sqlx::query_scalar(
            "SELECT blob_key FROM upload_parts WHERE document_id = $1 AND part_number = $2",
        )
        .bind(document_id)
        .bind(part.part_number)
        .fetch_optional(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO upload_parts (document_id, part_number, size, sha256, blob_key, created_at) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (document_id, part_number) DO UPDATE SET size = excluded.size, sha256 = excluded.sha256,
               blob_key = excluded.blob_key, created_at = excluded.created_at",
        )
        .bind(document_id)
        .bind(part.part_number)
        .bind(part.size)
        .bind(&part.sha256)
        .bind(&part.blob_key)
        .bind(ts(&time::now()))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(old.filter(|k| k != &part.blob_key))
    }

    pub(crate) async fn parts_impl(&self, document_id: &str) -> Result<Vec<PartRow>, StoreError> {
        let rows =
            sqlx::query("SELECT * FROM upload_parts WHERE document_id = $1 ORDER BY part_number")
                .bind(document_id)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .iter()
            .map(|r| PartRow {
                part_number: r.get("part_number"),
                size: r.get("size"),
                sha256: r.get("sha256"),
                blob_key: r.get("blob_key"),
            })
            .collect())
    }

    pub(crate) async fn delete_parts_impl(&self, document_id: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM upload_parts WHERE document_id = $1")
            .bind(document_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub(crate) async fn document_impl(
        &self,
        document_id: &str,
    ) -> Result<Option<DocumentRow>, StoreError> {
        sqlx::query("SELECT * FROM documents WHERE id = $1")
            .bind(document_id)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| document_row(&r))
            .transpose()
    }

    pub(crate) async fn secret_impl(&self, name: &str, fresh: &str) -> Result<String, StoreError> {
        sqlx::query("INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(name)
            .bind(fresh)
            .execute(&self.pool)
            .await?;
        Ok(
            sqlx::query_scalar("SELECT value FROM secrets WHERE name = $1")
                .bind(name)
                .fetch_one(&self.pool)
                .await?,
        )
    }
}
