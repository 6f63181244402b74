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
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            public_base_url: "http://127.0.0.1:8080".into(),
            webhook_allow_http: false,
            webhook_allow_private: false,
            job_ttl_days: 7,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub meta: Arc<dyn MetaStore>,
    pub blobs: Arc<dyn BlobStore>,
    pub config: Arc<ServerConfig>,
}
