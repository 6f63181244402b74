//! Persistence behind traits.
//!
//! - [`MetaStore`]: every row of Plansift (orgs, keys, ledger, projects, jobs, documents,
//!   pages, tasks with leases, idempotency records). Each method that changes a job's status
//!   writes the status, its event, its outbox row and its ledger rows in one transaction. A
//!   job's finalization also writes its [`project`] index: entities, search rows, page words.
//!   [`sql::SqlStore`] implements it once for SQLite (the embedded default, WAL mode) and
//!   PostgreSQL (scale-out: `FOR UPDATE SKIP LOCKED` claims, `tsvector` search), migrations
//!   embedded for each.
//! - [`BlobStore`]: bytes. Writes go to a temporary name while hashing and are published under
//!   their final key; [`local::LocalBlobStore`] keeps them on disk under the data directory,
//!   [`s3::S3BlobStore`] in an S3-compatible object store.
//!
//! [`open`] picks the backends from their URLs; [`faults`] says which failures are the
//! dependency's and pass (a full disk, an unreachable database or object store).

pub mod blob;
pub mod disk;
pub mod faults;
pub mod local;
pub mod meta;
pub mod open;
pub mod project;
pub mod rows;
pub mod s3;
pub mod sql;
#[doc(hidden)]
pub mod testing;

pub use blob::{BlobStore, BlobWriter, StagedBlob};
pub use meta::{MetaStore, StoreError};
pub use project::*;
pub use rows::*;
