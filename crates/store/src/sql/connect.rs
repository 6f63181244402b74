//! Opening a [`SqlStore`]: the SQLite file with its pragmas on every connection, or a PostgreSQL
//! database (created when missing); migrations are applied before the store is returned.

use super::{Dialect, SqlStore, migrate};
use crate::meta::StoreError;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, Executor};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

fn drivers() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(sqlx::any::install_default_drivers);
}

impl SqlStore {
    /// Opens (creating if needed) the SQLite file in WAL mode and applies migrations.
    pub async fn open_sqlite(path: &Path) -> Result<SqlStore, StoreError> {
        let store = Self::connect_sqlite(path).await?;
        migrate::apply(&store).await?;
        Ok(store)
    }

    /// The SQLite file, without migrating it.
    pub(crate) async fn connect_sqlite(path: &Path) -> Result<SqlStore, StoreError> {
        drivers();
        private_file(path)?;
        let url = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .to_url_lossy();
        let pool = AnyPoolOptions::new()
            .max_connections(8)
            .after_release(|conn, _| Box::pin(leaves_no_transaction(conn)))
            .before_acquire(|conn, _| Box::pin(async move { Ok(!conn.is_in_transaction()) }))
            .after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute(
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                         PRAGMA busy_timeout = 30000; PRAGMA foreign_keys = ON;",
                    )
                    .await?;
                    Ok(())
                })
            })
            .connect_with(AnyConnectOptions::from_url(&url)?)
            .await?;
        Ok(SqlStore {
            pool,
            dialect: Dialect::Sqlite,
        })
    }

    /// Connects to `postgres://…`, creating the database when it is missing (as the embedded
    /// store creates its file), and applies migrations.
    pub async fn open_postgres(url: &str) -> Result<SqlStore, StoreError> {
        drivers();
        let options = PgConnectOptions::from_str(url)?;
        let any = AnyConnectOptions::from_url(&options.to_url_lossy())?;
        // While the database is down a request waits this long for a connection, then answers
        // 503 rather than hanging.
        let pool = AnyPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .after_release(|conn, _| Box::pin(leaves_no_transaction(conn)))
            .before_acquire(|conn, _| Box::pin(async move { Ok(!conn.is_in_transaction()) }));
        let pool = match pool.clone().connect_with(any.clone()).await {
            Err(e) if is_code(&e, "3D000") => {
                create_database(&options).await?;
                pool.connect_with(any).await?
            }
            r => r?,
        };
        let store = SqlStore {
            pool,
            dialect: Dialect::Postgres,
        };
        migrate::apply(&store).await?;
        Ok(store)
    }
}

/// Whether a connection may go back to the pool: not when it is still inside a transaction.
/// When SQLite meets a full disk (or an I/O error) it rolls the transaction back by itself;
/// the `ROLLBACK` sqlx sends when the failed transaction is dropped then fails ("no
/// transaction is active") and sqlx keeps counting the connection as inside a transaction.
/// Returned to the pool, that connection refused every later `BEGIN IMMEDIATE` ("attempted
/// to call begin_with at non-zero transaction depth") until a restart. The ping first lets
/// the connection run the rollback the drop queued, so a healthy one is counted right.
/// A connection sqlx counts outside any transaction goes back without a round trip.
async fn leaves_no_transaction(conn: &mut sqlx::AnyConnection) -> Result<bool, sqlx::Error> {
    if !conn.is_in_transaction() {
        return Ok(true);
    }
    conn.ping().await?;
    let clean = !conn.is_in_transaction();
    if !clean {
        tracing::warn!("a database connection left inside a transaction is closed");
    }
    Ok(clean)
}

fn is_code(e: &sqlx::Error, code: &str) -> bool {
    e.as_database_error()
        .and_then(|d| d.code())
        .is_some_and(|c| c == code)
}

/// Creates the database `options` names from the server's `postgres` database; another process
/// creating it at the same moment is fine.
async fn create_database(options: &PgConnectOptions) -> Result<(), StoreError> {
    use sqlx::Connection;
    let name = options
        .get_database()
        .ok_or_else(|| StoreError::Migration("the database URL names no database".into()))?
        .to_string();
    let mut conn = sqlx::PgConnection::connect_with(&options.clone().database("postgres")).await?;
    let created = sqlx::query(&format!(
        "CREATE DATABASE \"{}\"",
        name.replace('"', "\"\"")
    ))
    .execute(&mut conn)
    .await;
    match created {
        Err(e) if is_code(&e, "42P04") || is_code(&e, "23505") => Ok(()),
        r => r.map(|_| ()).map_err(StoreError::from),
    }
}

/// Creates the database file readable by its owner only (it holds webhook secrets, the token
/// signing key and stored replies), or takes an existing one to 0600; SQLite gives its `-wal`
/// and `-shm` files the database file's mode.
fn private_file(path: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let io = |e: std::io::Error| StoreError::Database(sqlx::Error::Io(e));
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)
            .map_err(io)?;
        for p in [
            path.to_path_buf(),
            path.with_extension("db-wal"),
            path.with_extension("db-shm"),
        ] {
            if p.exists() {
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a full disk does to SQLite, without filling one: the transaction ends under sqlx's
    /// feet (SQLite rolled it back itself), so neither its commit nor the rollback of its drop
    /// can run. Every write after must still find a usable connection.
    #[tokio::test]
    async fn a_transaction_sqlite_ended_by_itself_does_not_poison_the_pool() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqlStore::connect_sqlite(&dir.path().join("t.db"))
            .await
            .unwrap();
        for _ in 0..3 {
            let mut tx = store.write().await.unwrap();
            sqlx::query("ROLLBACK").execute(&mut *tx).await.unwrap();
            assert!(tx.commit().await.is_err());
        }
        for i in 0..20 {
            let tx = store
                .write()
                .await
                .unwrap_or_else(|e| panic!("write {i}: {e}"));
            tx.commit().await.unwrap();
        }
    }
}
