//! What the janitor asks of the embedded store: stale jobs to expire, jobs past their
//! `expiresAt` to purge, signed registrations whose tokens ran out.

use super::jobs::{job_in, job_row, release_reservation};
use super::{SqlStore, transition, ts};
use crate::meta::StoreError;
use crate::rows::JobRow;
use plansift_types::api::JobStatus;
use plansift_types::time::{self, Timestamp};

impl SqlStore {
    pub(crate) async fn expire_stale_jobs_impl(
        &self,
        now: &Timestamp,
    ) -> Result<Vec<String>, StoreError> {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM jobs WHERE purged_at IS NULL AND expires_at < $1
               AND status NOT IN ('completed', 'completed_with_errors', 'failed', 'cancelled', 'expired')",
        )
        .bind(ts(now))
        .fetch_all(&self.pool)
        .await?;
        let mut expired = Vec::new();
        for id in ids {
            let mut tx = self.write().await?;
            let job = job_in(&mut tx, &id).await?;
            if job.status.is_terminal() {
                continue;
            }
            transition(&mut tx, &id, job.status, JobStatus::Expired).await?;
            release_reservation(&mut tx, &job).await?;
            sqlx::query("UPDATE tasks SET status = 'cancelled' WHERE job_id = $1 AND status IN ('queued', 'running')")
                .bind(&id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            expired.push(id);
        }
        Ok(expired)
    }

    pub(crate) async fn purgeable_jobs_impl(
        &self,
        now: &Timestamp,
        limit: i64,
    ) -> Result<Vec<JobRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT * FROM jobs WHERE purged_at IS NULL AND expires_at < $1
               AND status IN ('completed', 'completed_with_errors', 'failed', 'cancelled', 'expired')
             ORDER BY expires_at LIMIT $2",
        )
        .bind(ts(now))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(job_row).collect()
    }

    pub(crate) async fn mark_purged_impl(&self, job_id: &str) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query("UPDATE jobs SET purged_at = $1 WHERE id = $2")
            .bind(ts(&time::now()))
            .bind(job_id)
            .execute(&mut *tx)
            .await?;
        // Page analyses are the bulk of a job's rows; the project keeps what it needs.
        sqlx::query("UPDATE pages SET analysis = NULL, artifacts = NULL WHERE job_id = $1")
            .bind(job_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn take_expired_registrations_impl(
        &self,
        now: &Timestamp,
    ) -> Result<Vec<String>, StoreError> {
        let mut tx = self.write().await?;
        let expired =
            "SELECT id FROM documents WHERE status = 'registered' AND upload_expires_at < $1";
        let keys: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT blob_key FROM upload_parts WHERE document_id IN ({expired})"
        ))
        .bind(ts(now))
        .fetch_all(&mut *tx)
        .await?;
        sqlx::query(&format!(
            "DELETE FROM upload_parts WHERE document_id IN ({expired})"
        ))
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM documents WHERE status = 'registered' AND upload_expires_at < $1")
            .bind(ts(now))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(keys)
    }
}
