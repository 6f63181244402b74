//! Keys and organizations as the admin API changes them (API.md §10).

use super::orgs::{key_row, org_row};
use super::{SqlStore, insert_ledger, ts};
use crate::meta::StoreError;
use crate::rows::{Balance, KeyRow, LedgerEntry, OrgRow};
use plansift_types::api::OpenApiProfile;
use plansift_types::ids::{IdKind, new_id};
use plansift_types::time;

impl SqlStore {
    pub(crate) async fn keys_impl(&self, org_id: &str) -> Result<Vec<KeyRow>, StoreError> {
        sqlx::query("SELECT * FROM api_keys WHERE org_id = $1 ORDER BY created_at, id")
            .bind(org_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(key_row)
            .collect()
    }

    pub(crate) async fn revoke_keys_impl(
        &self,
        org_id: &str,
        key_id: Option<&str>,
    ) -> Result<Vec<KeyRow>, StoreError> {
        let mut tx = self.write().await?;
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM api_keys WHERE org_id = $1 AND ($2 IS NULL OR id = $3) ORDER BY created_at, id",
        )
        .bind(org_id)
        .bind(key_id)
        .bind(key_id)
        .fetch_all(&mut *tx)
        .await?;
        if key_id.is_some() && ids.is_empty() {
            return Err(StoreError::NotFound);
        }
        sqlx::query(
            "UPDATE api_keys SET revoked_at = $1 WHERE org_id = $2 AND ($3 IS NULL OR id = $4) AND revoked_at IS NULL",
        )
        .bind(ts(&time::now()))
        .bind(org_id)
        .bind(key_id)
        .bind(key_id)
        .execute(&mut *tx)
        .await?;
        let mut out = Vec::new();
        for id in ids {
            let r = sqlx::query("SELECT * FROM api_keys WHERE id = $1")
                .bind(&id)
                .fetch_one(&mut *tx)
                .await?;
            out.push(key_row(&r)?);
        }
        tx.commit().await?;
        Ok(out)
    }

    pub(crate) async fn revoke_key_impl(&self, key_id: &str) -> Result<KeyRow, StoreError> {
        let org_id: String = sqlx::query_scalar("SELECT org_id FROM api_keys WHERE id = $1")
            .bind(key_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        self.revoke_keys_impl(&org_id, Some(key_id))
            .await?
            .pop()
            .ok_or(StoreError::NotFound)
    }

    pub(crate) async fn create_org_impl(&self, name: &str) -> Result<OrgRow, StoreError> {
        let mut tx = self.write().await?;
        let taken: Option<String> = sqlx::query_scalar("SELECT id FROM orgs WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(StoreError::NameTaken);
        }
        let now = time::now();
        let id = new_id(IdKind::Org);
        sqlx::query("INSERT INTO orgs (id, name, profile, created_at) VALUES ($1, $2, $3, $4)")
            .bind(&id)
            .bind(name)
            .bind(
                serde_json::to_string(&OpenApiProfile::default_at(now))
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            )
            .bind(ts(&now))
            .execute(&mut *tx)
            .await?;
        let r = sqlx::query("SELECT * FROM orgs WHERE id = $1")
            .bind(&id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        org_row(&r)
    }

    pub(crate) async fn grant_impl(
        &self,
        org_id: &str,
        amount: i64,
        note: Option<&str>,
    ) -> Result<(LedgerEntry, Balance), StoreError> {
        let mut tx = self.write().await?;
        let exists: Option<String> = sqlx::query_scalar("SELECT id FROM orgs WHERE id = $1")
            .bind(org_id)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        let id = insert_ledger(&mut tx, org_id, None, "grant", amount, 0, note).await?;
        tx.commit().await?;
        Ok((
            LedgerEntry {
                id,
                org_id: org_id.to_string(),
                job_id: None,
                kind: "grant".into(),
                available_delta: amount,
                reserved_delta: 0,
            },
            self.balance_impl(org_id).await?,
        ))
    }

    pub(crate) async fn set_profile_impl(
        &self,
        org_id: &str,
        profile: &OpenApiProfile,
    ) -> Result<(), StoreError> {
        let changed = sqlx::query("UPDATE orgs SET profile = $1 WHERE id = $2")
            .bind(serde_json::to_string(profile).map_err(|e| StoreError::Corrupt(e.to_string()))?)
            .bind(org_id)
            .execute(&self.pool)
            .await?
            .rows_affected();
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
