//! Wire types of Plansift: what clients see.
//!
//! - [`ids`]: prefixed ULID identifiers (`job_01h…`) and their parsing.
//! - [`error`]: the one table of public error codes with their HTTP status.
//! - [`api`]: API views of projects, jobs and uploads, and the job status machine.
//! - [`keys`]: match keys of sheet and section numbers (`E-201A` = `E201A`).
//! - [`result`]: Result v1, the immutable output of a job.
//! - [`time`]: RFC 3339 timestamps with milliseconds.
//!
//! Stored rows never go to clients as they are: the store maps rows into these views.

pub mod api;
pub mod error;
pub mod ids;
pub mod keys;
pub mod result;
pub mod time;

pub use api::{JobStatus, Scope};
pub use error::ErrorCode;
