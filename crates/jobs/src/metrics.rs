//! Counters of the work, read by the server's `GET /metrics`: pages processed and how long
//! each took (a histogram with Prometheus' cumulative buckets).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the page latency buckets, in seconds.
pub const PAGE_BUCKETS: [f64; 10] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

static PAGES_OK: AtomicU64 = AtomicU64::new(0);
static PAGES_FAILED: AtomicU64 = AtomicU64::new(0);
static BUCKETS: [AtomicU64; 10] = [const { AtomicU64::new(0) }; 10];
static SUM_MICROS: AtomicU64 = AtomicU64::new(0);

/// Records one page: whether it succeeded and how long its analysis and artifacts took.
pub fn record_page(ok: bool, took: Duration) {
    if ok { &PAGES_OK } else { &PAGES_FAILED }.fetch_add(1, Ordering::Relaxed);
    let secs = took.as_secs_f64();
    for (i, bound) in PAGE_BUCKETS.iter().enumerate() {
        if secs <= *bound {
            BUCKETS[i].fetch_add(1, Ordering::Relaxed);
        }
    }
    SUM_MICROS.fetch_add(took.as_micros() as u64, Ordering::Relaxed);
}

/// Pages succeeded, pages failed, cumulative bucket counts, and the sum of seconds.
pub fn pages() -> (u64, u64, [u64; 10], f64) {
    let buckets = std::array::from_fn(|i| BUCKETS[i].load(Ordering::Relaxed));
    (
        PAGES_OK.load(Ordering::Relaxed),
        PAGES_FAILED.load(Ordering::Relaxed),
        buckets,
        SUM_MICROS.load(Ordering::Relaxed) as f64 / 1e6,
    )
}

/// The dependencies whose transient faults are counted.
pub const DEPENDENCIES: [&str; 3] = ["database", "blob_store", "disk"];
static RETRIES: AtomicU64 = AtomicU64::new(0);
static DEPENDENCY_ERRORS: [AtomicU64; 3] = [const { AtomicU64::new(0) }; 3];

/// Records a transient fault of `dependency` (one of [`DEPENDENCIES`]) that work waits out.
pub fn record_dependency_error(dependency: &str) {
    if let Some(i) = DEPENDENCIES.iter().position(|d| *d == dependency) {
        DEPENDENCY_ERRORS[i].fetch_add(1, Ordering::Relaxed);
    }
}

/// Records one more try of a task after a transient fault.
pub fn record_retry() {
    RETRIES.fetch_add(1, Ordering::Relaxed);
}

/// Task retries after transient faults, and the faults by dependency (as [`DEPENDENCIES`]).
pub fn faults() -> (u64, [u64; 3]) {
    (
        RETRIES.load(Ordering::Relaxed),
        std::array::from_fn(|i| DEPENDENCY_ERRORS[i].load(Ordering::Relaxed)),
    )
}
