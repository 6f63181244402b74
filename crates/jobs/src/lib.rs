//! The work of Plansift: everything between "uploads complete" and a terminal job.
//!
//! - [`runner::Runner`] claims tasks from the [`MetaStore`](plansift_store::MetaStore) with a
//!   lease that it renews while working; a crashed process's tasks become claimable again when
//!   their lease lapses. Tasks: provision a project, preflight a job (open every document, count
//!   and classify pages, reserve credits), analyse a batch of pages (engine on the blocking pool,
//!   one transaction per page with its debit), finalize (assemble, write Result v1, release).
//! - [`janitor`] expires stale jobs, deletes the blobs of jobs past `expiresAt`, drops expired
//!   registrations and never-published temporaries; the runner sweeps on an interval.
//! - [`project_index`] turns a finished job into the rows its project accumulates (entities,
//!   search text, page words); finalize writes them in the transaction that ends the job.
//! - [`references`] resolves the callouts and references printed on sheets against the job and
//!   its project.
//! - [`sheet_index`] checks a set's drawing list against the sheets its job issued.
//! - [`revisions`] pictures what changed when a job brings a new version of a project's sheet.
//! - [`signed`] signs and checks the expiring capabilities (upload targets, `resultUrl`) every
//!   process shares.
//! - [`result`] turns engine output into Result v1; `plansift process` and finalize share it, so
//!   the CLI and the server give the same answer for the same file.

pub mod artifacts;
pub mod backoff;
pub mod document_cache;
pub mod janitor;
pub mod metrics;
pub mod process;
pub mod project_index;
pub mod references;
pub mod result;
pub mod revisions;
pub mod runner;
pub mod sheet_index;
pub mod signed;

pub use process::process_file;
pub use runner::{Runner, RunnerConfig};
