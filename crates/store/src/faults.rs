//! Whose fault a failure of the store is. A *transient* fault is the dependency's, not the
//! request's or the document's: the disk is full, the database or the object store is
//! unreachable, read-only, restarting or slow. Work that meets one waits and tries again; the
//! API answers `503 unavailable` (or `507 insufficient_storage` for a full disk). Anything else
//! (bad stored data, a bug, a missing row or blob) is permanent.

use crate::meta::StoreError;
use std::io;

impl StoreError {
    /// The database is unreachable, read-only, full or busy: retrying later can succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            StoreError::Database(e) => sqlx_is_transient(e),
            StoreError::NotFound
            | StoreError::NameTaken
            | StoreError::InvalidState(_)
            | StoreError::LimitExceeded { .. }
            | StoreError::InsufficientCredits { .. }
            | StoreError::Migration(_)
            | StoreError::Corrupt(_) => false,
        }
    }

    /// The database's disk is full (SQLite `SQLITE_FULL`, PostgreSQL class 53 `disk_full`).
    pub fn is_storage_full(&self) -> bool {
        let StoreError::Database(sqlx::Error::Database(d)) = self else {
            return matches!(self, StoreError::Database(sqlx::Error::Io(e)) if is_storage_full_io(e));
        };
        match d.code().as_deref() {
            Some(code) => match code.parse::<i64>() {
                Ok(n) => n & 0xff == SQLITE_FULL,
                Err(_) => code == "53100",
            },
            None => false,
        }
    }
}

const SQLITE_BUSY: i64 = 5;
const SQLITE_LOCKED: i64 = 6;
const SQLITE_NOMEM: i64 = 7;
const SQLITE_READONLY: i64 = 8;
const SQLITE_IOERR: i64 = 10;
const SQLITE_FULL: i64 = 13;
const SQLITE_CANTOPEN: i64 = 14;
const SQLITE_PROTOCOL: i64 = 15;

fn sqlx_is_transient(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        // A connection left inside a transaction by an earlier failure: the pool closes it
        // (see `sql::connect`), the next attempt gets a fresh one.
        | sqlx::Error::InvalidSavePointStatement
        | sqlx::Error::BeginFailed => true,
        sqlx::Error::Database(d) => match d.code().as_deref() {
            Some(code) => match code.parse::<i64>() {
                // SQLite: extended result codes keep the primary code in the low byte.
                Ok(n) => matches!(
                    n & 0xff,
                    SQLITE_BUSY
                        | SQLITE_LOCKED
                        | SQLITE_NOMEM
                        | SQLITE_READONLY
                        | SQLITE_IOERR
                        | SQLITE_FULL
                        | SQLITE_CANTOPEN
                        | SQLITE_PROTOCOL
                ),
                // PostgreSQL SQLSTATE: connection exceptions, insufficient resources
                // (disk full, too many connections), operator intervention (shutdown,
                // starting up), system errors, serialization failures and deadlocks,
                // a read-only transaction (a standby), a lock not available.
                Err(_) => {
                    matches!(&code[..code.len().min(2)], "08" | "53" | "57" | "58" | "40")
                        || code == "25006"
                        || code == "55P03"
                }
            },
            None => false,
        },
        _ => false,
    }
}

/// A blob store failure that can pass: everything but a missing blob, a refused key or bad
/// data. A full disk, a refused or reset connection, a timeout, and the object store's own
/// errors (5xx answers, which `object_store` reports as [`io::ErrorKind::Other`]) all wait.
pub fn is_transient_io(e: &io::Error) -> bool {
    !matches!(
        e.kind(),
        io::ErrorKind::NotFound
            | io::ErrorKind::InvalidInput
            | io::ErrorKind::InvalidData
            | io::ErrorKind::AlreadyExists
            | io::ErrorKind::Unsupported
    )
}

/// No space left on the device (or over a quota).
pub fn is_storage_full_io(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
    )
}

/// The dependency whose transient fault is somewhere in an error chain: `database`, `disk`
/// (no space left) or `blob_store`; `None` when the chain holds no transient fault.
pub fn transient_dependency<'a>(
    mut chain: impl Iterator<Item = &'a (dyn std::error::Error + 'static)>,
) -> Option<&'static str> {
    chain.find_map(|cause| {
        if let Some(e) = cause.downcast_ref::<StoreError>() {
            e.is_transient().then_some(if e.is_storage_full() {
                "disk"
            } else {
                "database"
            })
        } else if let Some(e) = cause.downcast_ref::<sqlx::Error>() {
            sqlx_is_transient(e).then_some("database")
        } else if let Some(e) = cause.downcast_ref::<io::Error>() {
            is_transient_io(e).then_some(if is_storage_full_io(e) {
                "disk"
            } else {
                "blob_store"
            })
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_and_a_refused_connection_are_transient_a_missing_blob_is_not() {
        assert!(is_transient_io(&io::Error::from(
            io::ErrorKind::StorageFull
        )));
        assert!(is_storage_full_io(&io::Error::from(
            io::ErrorKind::StorageFull
        )));
        assert!(is_transient_io(&io::Error::from(
            io::ErrorKind::ConnectionRefused
        )));
        assert!(is_transient_io(&io::Error::other(
            "503 Service Unavailable"
        )));
        assert!(!is_transient_io(&io::Error::from(io::ErrorKind::NotFound)));
        assert!(StoreError::Database(sqlx::Error::PoolTimedOut).is_transient());
        assert!(!StoreError::NotFound.is_transient());
        assert!(!StoreError::Corrupt("x".into()).is_transient());
    }

    #[test]
    fn a_chain_is_transient_when_any_cause_is() {
        let e = anyhow::Error::from(io::Error::from(io::ErrorKind::StorageFull))
            .context("writing a thumbnail");
        assert_eq!(transient_dependency(e.chain()), Some("disk"));
        let e = anyhow::Error::from(StoreError::Database(sqlx::Error::PoolTimedOut));
        assert_eq!(transient_dependency(e.chain()), Some("database"));
        let e = anyhow::anyhow!("page task without pages");
        assert_eq!(transient_dependency(e.chain()), None);
    }
}
