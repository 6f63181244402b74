//! Embedded, numbered migrations, applied in order at open; each in its own transaction.

use crate::meta::StoreError;
use sqlx::SqlitePool;

const MIGRATIONS: &[(i64, &str)] = &[
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
];

pub async fn apply(pool: &SqlitePool) -> Result<(), StoreError> {
    sqlx::query("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
        .execute(pool)
        .await?;
    for (version, sql) in MIGRATIONS {
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        let done: Option<i64> =
            sqlx::query_scalar("SELECT version FROM schema_migrations WHERE version = ?")
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
        sqlx::query(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (?, datetime('now'))",
        )
        .bind(version)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    }
    Ok(())
}

pub async fn latest_applied(pool: &SqlitePool) -> Result<i64, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
            .fetch_one(pool)
            .await?,
    )
}

pub fn latest_known() -> i64 {
    MIGRATIONS.last().map(|m| m.0).unwrap_or(0)
}
