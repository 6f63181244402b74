//! The webhook outbox on SQLite: due events in order per job, attempt outcomes.

use super::{SqlStore, parse_opt_ts, ts};
use crate::meta::StoreError;
use crate::rows::{OutboxRow, WebhookAttempt};
use plansift_types::time::{self, Timestamp};
use sqlx::Row;
use sqlx::any::AnyRow;

fn outbox_row(r: &AnyRow) -> Result<OutboxRow, StoreError> {
    Ok(OutboxRow {
        event_id: r.get("event_id"),
        job_id: r.get("job_id"),
        seq: r.get("seq"),
        payload: r.get("payload"),
        status: r.get("status"),
        attempts: r.get("attempts"),
        next_attempt_at: parse_opt_ts(r.get("next_attempt_at"))?,
        response_status: r.get("response_status"),
        last_error: r.get("last_error"),
        delivered_at: parse_opt_ts(r.get("delivered_at"))?,
    })
}

impl SqlStore {
    pub(crate) async fn due_webhooks_impl(
        &self,
        now: &Timestamp,
        limit: i64,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT o.* FROM webhook_outbox o
             WHERE o.status = 'pending' AND o.next_attempt_at <= $1
               AND o.seq = (SELECT MIN(seq) FROM webhook_outbox p WHERE p.job_id = o.job_id AND p.status = 'pending')
             ORDER BY o.next_attempt_at LIMIT $2",
        )
        .bind(ts(now))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(outbox_row).collect()
    }

    pub(crate) async fn webhook_attempted_impl(
        &self,
        event_id: &str,
        attempt: &WebhookAttempt,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let now = ts(&time::now());
        match attempt {
            WebhookAttempt::Delivered { response_status } => {
                sqlx::query("UPDATE webhook_outbox SET status = 'delivered', attempts = attempts + 1, response_status = $1, last_error = NULL, delivered_at = $2, next_attempt_at = NULL WHERE event_id = $3")
                    .bind(response_status)
                    .bind(&now)
                    .bind(event_id)
                    .execute(&mut *tx)
                    .await?;
            }
            WebhookAttempt::Retry {
                response_status,
                error,
                next,
            } => {
                sqlx::query("UPDATE webhook_outbox SET status = $1, attempts = attempts + 1, response_status = $2, last_error = $3, next_attempt_at = $4 WHERE event_id = $5")
                    .bind(if next.is_some() { "pending" } else { "failed" })
                    .bind(response_status)
                    .bind(error)
                    .bind(next.as_ref().map(ts))
                    .bind(event_id)
                    .execute(&mut *tx)
                    .await?;
            }
            WebhookAttempt::Gone => {
                sqlx::query("UPDATE webhook_outbox SET attempts = attempts + 1, response_status = 410, last_error = 'the receiver answered 410 Gone', next_attempt_at = NULL WHERE event_id = $1")
                    .bind(event_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("UPDATE webhook_outbox SET status = 'failed', next_attempt_at = NULL WHERE status = 'pending' AND job_id = (SELECT job_id FROM webhook_outbox WHERE event_id = $1)")
                    .bind(event_id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn webhook_deliveries_impl(
        &self,
        job_id: &str,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let rows = sqlx::query("SELECT * FROM webhook_outbox WHERE job_id = $1 ORDER BY seq")
            .bind(job_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(outbox_row).collect()
    }
}
