//! The fault suite (issue 23): the disk, the database or the object store fails for a while
//! under a running job, on real services, and Plansift gets over it without a restart.
//!
//! 1. [`disk_full`]: the embedded default on a small tmpfs that fills during an upload and
//!    during processing, then grows (`mount -o remount,size=…`);
//! 2. [`postgres_down`]: PostgreSQL stopped for 30 s mid-job;
//! 3. [`s3_down`]: the S3 server (s3s-fs) stopped for 60 s mid-job;
//! 4. [`s3_errors`]: the S3 server answering 500 for 30 s (a proxy in front of it).
//!
//! After each: the job completes with every page processed and debited exactly once, every
//! upload that was acknowledged is there and processed, every API answer during the fault
//! was 2xx, 503 or 507 (never 500), and `/readyz` reported the fault and recovered. Each
//! prints a `faults:` line with its figures. The services are private instances on ports of
//! their own ([`services`]), so stopping them disturbs no other test.

#[path = "../common/mod.rs"]
mod common;
mod disk_full;
mod harness;
mod postgres_down;
mod proxy;
mod s3_down;
mod s3_errors;
mod services;
