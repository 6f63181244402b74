//! Organizations, keys, the ledger, projects and idempotency records.

use super::{SqlStore, enqueue, insert_ledger, parse_opt_ts, parse_ts, ts};
use crate::meta::StoreError;
use crate::rows::*;
use plansift_types::api::{OpenApiProfile, Scope};
use plansift_types::ids::{IdKind, new_id};
use plansift_types::time;
use sqlx::Row;
use sqlx::any::AnyRow;

pub(crate) fn org_row(r: &AnyRow) -> Result<OrgRow, StoreError> {
    let profile: String = r.get("profile");
    Ok(OrgRow {
        id: r.get("id"),
        name: r.get("name"),
        profile: serde_json::from_str(&profile).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        created_at: parse_ts(r.get("created_at"))?,
    })
}

pub(crate) fn key_row(r: &AnyRow) -> Result<KeyRow, StoreError> {
    let scopes: String = r.get("scopes");
    Ok(KeyRow {
        id: r.get("id"),
        org_id: r.get("org_id"),
        label: r.get("label"),
        key_prefix: r.get("key_prefix"),
        scopes: scopes.split(',').filter_map(Scope::parse).collect(),
        created_at: parse_ts(r.get("created_at"))?,
        expires_at: parse_opt_ts(r.get("expires_at"))?,
        last_used_at: parse_opt_ts(r.get("last_used_at"))?,
        last_used_ip: r.get("last_used_ip"),
        revoked_at: parse_opt_ts(r.get("revoked_at"))?,
    })
}

pub(crate) fn project_row(r: &AnyRow) -> Result<ProjectRow, StoreError> {
    let status: String = r.get("status");
    Ok(ProjectRow {
        id: r.get("id"),
        org_id: r.get("org_id"),
        name: r.get("name"),
        status: if status == "ready" {
            ProjectStatus::Ready
        } else {
            ProjectStatus::Provisioning
        },
        created_at: parse_ts(r.get("created_at"))?,
        updated_at: parse_ts(r.get("updated_at"))?,
    })
}

impl SqlStore {
    pub(crate) async fn ensure_org_impl(
        &self,
        name: &str,
        grant: i64,
    ) -> Result<(OrgRow, bool), StoreError> {
        let mut tx = self.write().await?;
        if let Some(r) = sqlx::query("SELECT * FROM orgs WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut *tx)
            .await?
        {
            return Ok((org_row(&r)?, false));
        }
        let now = time::now();
        let org = OrgRow {
            id: new_id(IdKind::Org),
            name: name.to_string(),
            profile: OpenApiProfile::default_at(now),
            created_at: now,
        };
        sqlx::query("INSERT INTO orgs (id, name, profile, created_at) VALUES ($1, $2, $3, $4)")
            .bind(&org.id)
            .bind(&org.name)
            .bind(
                serde_json::to_string(&org.profile)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            )
            .bind(ts(&now))
            .execute(&mut *tx)
            .await?;
        if grant != 0 {
            insert_ledger(
                &mut tx,
                &org.id,
                None,
                "grant",
                grant,
                0,
                Some("opening grant"),
            )
            .await?;
        }
        tx.commit().await?;
        Ok((org, true))
    }

    pub(crate) async fn org_impl(
        &self,
        column: &str,
        value: &str,
    ) -> Result<Option<OrgRow>, StoreError> {
        let sql = if column == "id" {
            "SELECT * FROM orgs WHERE id = $1"
        } else {
            "SELECT * FROM orgs WHERE name = $1"
        };
        sqlx::query(sql)
            .bind(value)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(org_row)
            .transpose()
    }

    pub(crate) async fn orgs_impl(&self) -> Result<Vec<OrgRow>, StoreError> {
        sqlx::query("SELECT * FROM orgs ORDER BY created_at")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(org_row)
            .collect()
    }

    pub(crate) async fn create_key_impl(&self, key: NewKey) -> Result<KeyRow, StoreError> {
        let id = new_id(IdKind::Key);
        let scopes: Vec<&str> = key.scopes.iter().map(|s| s.as_str()).collect();
        sqlx::query(
            "INSERT INTO api_keys (id, org_id, label, key_prefix, key_hash, scopes, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&id)
        .bind(&key.org_id)
        .bind(&key.label)
        .bind(&key.key_prefix)
        .bind(&key.key_hash)
        .bind(scopes.join(","))
        .bind(ts(&time::now()))
        .bind(key.expires_at.as_ref().map(ts))
        .execute(&self.pool)
        .await?;
        let r = sqlx::query("SELECT * FROM api_keys WHERE id = $1")
            .bind(&id)
            .fetch_one(&self.pool)
            .await?;
        key_row(&r)
    }

    pub(crate) async fn key_by_hash_impl(&self, hash: &str) -> Result<Option<KeyRow>, StoreError> {
        sqlx::query("SELECT * FROM api_keys WHERE key_hash = $1")
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(key_row)
            .transpose()
    }

    pub(crate) async fn touch_key_impl(
        &self,
        id: &str,
        ip: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE api_keys SET last_used_at = $1, last_used_ip = COALESCE($2, last_used_ip) WHERE id = $3")
            .bind(ts(&time::now()))
            .bind(ip)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub(crate) async fn balance_impl(&self, org_id: &str) -> Result<Balance, StoreError> {
        let r = sqlx::query("SELECT CAST(COALESCE(SUM(available_delta), 0) AS BIGINT) AS a, CAST(COALESCE(SUM(reserved_delta), 0) AS BIGINT) AS r FROM ledger WHERE org_id = $1")
            .bind(org_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(Balance {
            available: r.get("a"),
            reserved: r.get("r"),
        })
    }

    pub(crate) async fn ledger_impl(&self, org_id: &str) -> Result<Vec<LedgerEntry>, StoreError> {
        let rows = sqlx::query("SELECT * FROM ledger WHERE org_id = $1 ORDER BY id")
            .bind(org_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(|r| LedgerEntry {
                id: r.get("id"),
                org_id: r.get("org_id"),
                job_id: r.get("job_id"),
                kind: r.get("kind"),
                available_delta: r.get("available_delta"),
                reserved_delta: r.get("reserved_delta"),
            })
            .collect())
    }

    pub(crate) async fn create_project_impl(
        &self,
        org_id: &str,
        name: &str,
        charge: i64,
    ) -> Result<ProjectRow, StoreError> {
        let mut tx = self.write().await?;
        let taken: Option<String> =
            sqlx::query_scalar("SELECT id FROM projects WHERE org_id = $1 AND name = $2")
                .bind(org_id)
                .bind(name)
                .fetch_optional(&mut *tx)
                .await?;
        if taken.is_some() {
            return Err(StoreError::NameTaken);
        }
        if charge > 0 {
            let available = super::available(&mut tx, org_id).await?;
            if available < charge {
                return Err(StoreError::InsufficientCredits {
                    required: charge,
                    available,
                });
            }
        }
        let id = new_id(IdKind::Project);
        let now = ts(&time::now());
        sqlx::query("INSERT INTO projects (id, org_id, name, status, created_at, updated_at) VALUES ($1, $2, $3, 'provisioning', $4, $5)")
            .bind(&id)
            .bind(org_id)
            .bind(name)
            .bind(&now)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        if charge > 0 {
            insert_ledger(
                &mut tx,
                org_id,
                None,
                "project_charge",
                -charge,
                0,
                Some(&id),
            )
            .await?;
        }
        enqueue(&mut tx, TaskKind::ProvisionProject, &id, None, None, 10).await?;
        let r = sqlx::query("SELECT * FROM projects WHERE id = $1")
            .bind(&id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        project_row(&r)
    }

    pub(crate) async fn set_project_ready_impl(&self, project_id: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE projects SET status = 'ready', updated_at = $1 WHERE id = $2")
            .bind(ts(&time::now()))
            .bind(project_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub(crate) async fn projects_impl(&self, org_id: &str) -> Result<Vec<ProjectRow>, StoreError> {
        sqlx::query("SELECT * FROM projects WHERE org_id = $1 ORDER BY created_at DESC, id DESC")
            .bind(org_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(project_row)
            .collect()
    }

    pub(crate) async fn project_impl(
        &self,
        org_id: &str,
        id: &str,
    ) -> Result<Option<ProjectRow>, StoreError> {
        sqlx::query("SELECT * FROM projects WHERE org_id = $1 AND id = $2")
            .bind(org_id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(project_row)
            .transpose()
    }

    pub(crate) async fn idempotency_begin_impl(
        &self,
        org_id: &str,
        endpoint: &str,
        key: &str,
        body_hash: &str,
    ) -> Result<IdempotencyState, StoreError> {
        let mut tx = self.write().await?;
        // Records older than 24 h are forgotten; a "running" record older than 5 min belongs to a
        // request that died with its process.
        let day_ago = ts(&(time::now() - chrono::Duration::hours(24)));
        let stale = ts(&(time::now() - chrono::Duration::minutes(5)));
        sqlx::query("DELETE FROM idempotency WHERE org_id = $1 AND endpoint = $2 AND key = $3 AND (created_at < $4 OR (state = 'running' AND created_at < $5))")
            .bind(org_id)
            .bind(endpoint)
            .bind(key)
            .bind(&day_ago)
            .bind(&stale)
            .execute(&mut *tx)
            .await?;
        let existing = sqlx::query(
            "SELECT * FROM idempotency WHERE org_id = $1 AND endpoint = $2 AND key = $3",
        )
        .bind(org_id)
        .bind(endpoint)
        .bind(key)
        .fetch_optional(&mut *tx)
        .await?;
        let state = match existing {
            Some(r) => {
                let state: String = r.get("state");
                if state == "running" {
                    IdempotencyState::InProgress
                } else {
                    IdempotencyState::Done {
                        body_hash: r.get("body_hash"),
                        status_code: r.get::<i64, _>("status_code") as u16,
                        response: r.get::<Option<String>, _>("response").unwrap_or_default(),
                    }
                }
            }
            None => {
                sqlx::query("INSERT INTO idempotency (org_id, endpoint, key, body_hash, state, created_at) VALUES ($1, $2, $3, $4, 'running', $5)")
                    .bind(org_id)
                    .bind(endpoint)
                    .bind(key)
                    .bind(body_hash)
                    .bind(ts(&time::now()))
                    .execute(&mut *tx)
                    .await?;
                IdempotencyState::Fresh
            }
        };
        tx.commit().await?;
        Ok(state)
    }

    pub(crate) async fn idempotency_finish_impl(
        &self,
        org_id: &str,
        endpoint: &str,
        key: &str,
        status_code: u16,
        response: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE idempotency SET state = 'done', status_code = $1, response = $2 WHERE org_id = $3 AND endpoint = $4 AND key = $5")
            .bind(status_code as i64)
            .bind(response)
            .bind(org_id)
            .bind(endpoint)
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub(crate) async fn idempotency_abort_impl(
        &self,
        org_id: &str,
        endpoint: &str,
        key: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM idempotency WHERE org_id = $1 AND endpoint = $2 AND key = $3 AND state = 'running'")
            .bind(org_id)
            .bind(endpoint)
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
