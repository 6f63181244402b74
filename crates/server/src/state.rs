//! Shared server state and configuration.

use plansift_store::{BlobStore, MetaStore};
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Absolute base URL clients reach the server at, for `resultUrl` and artifact URLs.
    pub public_base_url: String,
    pub webhook_allow_http: bool,
    pub webhook_allow_private: bool,
    /// Days a job may stay non-terminal.
    pub job_ttl_days: i64,
    /// Registered files larger than this many bytes upload in parts (`PLANSIFT_MULTIPART_THRESHOLD`).
    pub multipart_threshold: u64,
    /// Bytes a part (`PLANSIFT_MULTIPART_PART_SIZE`, at least 256 KiB).
    pub multipart_part_size: u64,
    /// Hours a signed upload token stays valid.
    pub upload_ttl_hours: i64,
    /// Seconds an artifact download token stays valid.
    pub download_ttl_secs: i64,
    /// Requests a second a key may make on average (`PLANSIFT_RATE_LIMIT`).
    pub rate_limit: f64,
    /// Requests a key may make at once (`PLANSIFT_RATE_BURST`).
    pub rate_burst: f64,
    /// The admin token (API.md §10), from `PLANSIFT_ADMIN_TOKEN` or `<data-dir>/admin-token`.
    pub admin_token: Option<String>,
    /// Factor on the webhook retry schedule (`PLANSIFT_WEBHOOK_RETRY_SCALE`; tests use 0.001).
    pub webhook_retry_scale: f64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            public_base_url: "http://127.0.0.1:8080".into(),
            webhook_allow_http: false,
            webhook_allow_private: false,
            job_ttl_days: 7,
            multipart_threshold: 256 << 20,
            multipart_part_size: 64 << 20,
            upload_ttl_hours: 24,
            download_ttl_secs: 600,
            webhook_retry_scale: 1.0,
            admin_token: None,
            rate_limit: 50.0,
            rate_burst: 200.0,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub meta: Arc<dyn MetaStore>,
    pub blobs: Arc<dyn BlobStore>,
    pub config: Arc<ServerConfig>,
    pub limiter: Arc<crate::rate_limit::RateLimiter>,
    /// The key that signs upload tokens, loaded from the store on first use.
    pub upload_secret: Arc<tokio::sync::OnceCell<Vec<u8>>>,
    /// Page renders on request (zoomed page images) running at once: one per core.
    pub render_slots: Arc<tokio::sync::Semaphore>,
    /// The health of this process's task loops, for `/healthz`.
    pub task_loops: Arc<plansift_jobs::runner::LoopHealth>,
    /// The data directory's disk and its free-space floor: below it uploads answer 507.
    pub disk: Option<plansift_store::disk::DiskFloor>,
}
