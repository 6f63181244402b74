//! Embedded, numbered migrations for each dialect, applied in order at open, each in its own
//! write transaction. Every process of a scale-out deployment opens the store at start; as
//! writes are serialized, the first applies the migrations while the others wait and then find
//! them applied.

use super::{Dialect, SqlStore};
use crate::meta::StoreError;

const SQLITE: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/sqlite/0001_initial.sql")),
    (
        2,
        include_str!("../../migrations/sqlite/0002_project_index.sql"),
    ),
    (
        3,
        include_str!("../../migrations/sqlite/0003_signed_uploads.sql"),
    ),
    (
        4,
        include_str!("../../migrations/sqlite/0004_download_tokens.sql"),
    ),
    (5, include_str!("../../migrations/sqlite/0005_purge.sql")),
    (
        6,
        include_str!("../../migrations/sqlite/0006_webhook_attempts.sql"),
    ),
    (
        7,
        include_str!("../../migrations/sqlite/0007_references.sql"),
    ),
    (
        8,
        include_str!("../../migrations/sqlite/0008_submittals.sql"),
    ),
];

const POSTGRES: &[(i64, &str)] = &[
    (
        1,
        include_str!("../../migrations/postgres/0001_initial.sql"),
    ),
    (
        2,
        include_str!("../../migrations/postgres/0002_submittals.sql"),
    ),
];

fn migrations(store: &SqlStore) -> &'static [(i64, &'static str)] {
    match store.dialect {
        Dialect::Sqlite => SQLITE,
        Dialect::Postgres => POSTGRES,
    }
}

pub async fn apply(store: &SqlStore) -> Result<(), StoreError> {
    apply_up_to(store, i64::MAX).await
}

/// Applies the migrations numbered up to `last`.
async fn apply_up_to(store: &SqlStore, last: i64) -> Result<(), StoreError> {
    let mut tx = store.write().await?;
    sqlx::query("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    for (version, sql) in migrations(store).iter().filter(|m| m.0 <= last) {
        let mut tx = store.write().await?;
        let done: Option<i64> =
            sqlx::query_scalar("SELECT version FROM schema_migrations WHERE version = $1")
                .bind(version)
                .fetch_optional(&mut *tx)
                .await?;
        if done.is_some() {
            continue;
        }
        sqlx::raw_sql(sql)
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::Migration(format!("{version}: {e}")))?;
        sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
            .bind(version)
            .bind(plansift_types::time::format(&plansift_types::time::now()))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    Ok(())
}

pub async fn latest_applied(store: &SqlStore) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) FROM schema_migrations",
    )
    .fetch_one(&store.pool)
    .await?)
}

pub fn latest_known(store: &SqlStore) -> i64 {
    migrations(store).last().map_or(0, |m| m.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn rebuilding_the_entities_table_keeps_rows_seq_and_search() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqlStore::connect_sqlite(&dir.path().join("m.db"))
            .await
            .unwrap();
        apply_up_to(&store, 6).await.unwrap();
        let pool = &store.pool;
        for sql in [
            "INSERT INTO orgs (id, name, profile, created_at) VALUES ('org_1', 'o', '{}', '2026-01-01')",
            "INSERT INTO projects (id, org_id, name, status, created_at, updated_at) VALUES ('proj_1', 'org_1', 'p', 'ready', '2026-01-01', '2026-01-01')",
            "INSERT INTO jobs (id, org_id, project_id, status, created_at, updated_at) VALUES ('job_1', 'org_1', 'proj_1', 'completed', '2026-01-01', '2026-01-01')",
            "INSERT INTO entities (seq, id, kind, org_id, project_id, job_id, file_id, file_name, classification, file_status, sheet_key, data)
             VALUES (41, 'sheet_1', 'sheet', 'org_1', 'proj_1', 'job_1', 'doc_1', 'a.pdf', 'plans', 'completed', 'A101', '{}')",
            "INSERT INTO search_fts (rowid, number, title, body) VALUES (41, 'A-101 A101', 'FIRST FLOOR PLAN', '')",
        ] {
            sqlx::query(sql).execute(pool).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        apply(&store).await.unwrap();
        assert_eq!(latest_applied(&store).await.unwrap(), latest_known(&store));
        let (seq, key): (i64, String) =
            sqlx::query_as("SELECT seq, sheet_key FROM entities WHERE id = 'sheet_1'")
                .fetch_one(pool)
                .await
                .unwrap();
        assert_eq!((seq, key.as_str()), (41, "A101"));
        let hit: i64 = sqlx::query_scalar(
            "SELECT e.seq FROM search_fts JOIN entities e ON e.seq = search_fts.rowid WHERE search_fts MATCH 'FLOOR'",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        assert_eq!(hit, 41);
        // New rows continue after the old ones, and the new kind is allowed.
        let next: i64 = sqlx::query_scalar(
            "INSERT INTO entities (id, kind, org_id, project_id, job_id, file_id, file_name, classification, file_status, ref_status, data)
             VALUES ('ev_1', 'reference', 'org_1', 'proj_1', 'job_1', 'doc_1', 'a.pdf', 'plans', 'completed', 'missing_sheet', '{}') RETURNING seq",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        assert_eq!(next, 42);
    }
}
