//! One running Plansift process: data directory, stores, runner and HTTP listener. The API
//! process (`serve`) answers the whole API and delivers webhooks, with task loops unless
//! `--no-workers`; a worker process (`worker`) runs task loops and answers only health and
//! metrics.

use crate::state::{AppState, ServerConfig};
use plansift_jobs::{Runner, RunnerConfig};
use plansift_store::open::{Backends, open_blobs, open_meta};
use plansift_store::{BlobStore, MetaStore};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::watch;
use tower::Layer;

/// The opening grant of the bootstrap organization: large enough that a single-node install
/// never blocks on credits unless an operator sets up billing.
pub const BOOTSTRAP_GRANT: i64 = 1_000_000_000;
pub const DEFAULT_ORG: &str = "default";

#[derive(Clone, Debug)]
pub struct AppConfig {
    pub data_dir: PathBuf,
    /// PostgreSQL and S3 instead of the files under `data_dir`.
    pub backends: Backends,
    /// Answer the API and deliver webhooks (`serve`); false for `worker`, which answers only
    /// `/healthz`, `/readyz` and `/metrics`.
    pub api: bool,
    pub listen: SocketAddr,
    pub server: ServerConfig,
    pub runner: RunnerConfig,
    /// Run task loops in this process (the embedded default).
    pub workers: bool,
    /// `PLANSIFT_ADMIN_TOKEN`; when unset the first start writes one to `<data-dir>/admin-token`.
    pub admin_token: Option<String>,
}

pub struct App {
    pub addr: SocketAddr,
    pub state: AppState,
    shutdown: watch::Sender<bool>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    runner: Option<tokio::task::JoinHandle<()>>,
}

/// Opens the stores (under a data directory, or PostgreSQL and S3), creating the directory,
/// applying migrations, and creating the bootstrap organization and admin token on first start.
pub async fn bootstrap(
    data_dir: &Path,
    backends: &Backends,
    admin_token: Option<&str>,
) -> anyhow::Result<(Arc<dyn MetaStore>, Arc<dyn BlobStore>)> {
    tokio::fs::create_dir_all(data_dir).await?;
    // The directory holds the database and the admin token: its owner's only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(data_dir, std::fs::Permissions::from_mode(0o700))?;
    }
    let meta = open_meta(backends, data_dir).await?;
    let blobs = open_blobs(backends, data_dir).await?;
    let (org, created) = meta.ensure_org(DEFAULT_ORG, BOOTSTRAP_GRANT).await?;
    if created {
        tracing::info!(org = %org.id, data_dir = %data_dir.display(), "first start: created the default organization");
    }
    if admin_token.is_none() {
        let path = data_dir.join("admin-token");
        if !path.exists() {
            let token = format!(
                "pga_{}",
                crate::auth::generate_key().trim_start_matches(crate::auth::KEY_PREFIX)
            );
            write_private(&path, &token)?;
            tracing::info!(path = %path.display(), "wrote the admin token");
        }
    }
    Ok((meta, blobs))
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(path)?;
    f.write_all(contents.as_bytes())?;
    f.sync_all()
}

impl App {
    pub async fn start(config: AppConfig) -> anyhow::Result<App> {
        let (meta, blobs) = bootstrap(
            &config.data_dir,
            &config.backends,
            config.admin_token.as_deref(),
        )
        .await?;
        let listener = tokio::net::TcpListener::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        let mut server_config = config.server.clone();
        if server_config.public_base_url.is_empty() {
            server_config.public_base_url = format!("http://{addr}");
        }
        server_config.admin_token = match &config.admin_token {
            Some(t) => Some(t.clone()),
            None => std::fs::read_to_string(config.data_dir.join("admin-token"))
                .ok()
                .map(|t| t.trim().to_string()),
        };
        let state = AppState {
            meta: meta.clone(),
            blobs: blobs.clone(),
            config: Arc::new(server_config.clone()),
            limiter: Arc::new(crate::rate_limit::RateLimiter::new(
                server_config.rate_limit,
                server_config.rate_burst,
            )),
            upload_secret: Default::default(),
            render_slots: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            )),
            task_loops: Default::default(),
            disk: config.runner.disk.clone(),
        };
        // Cursors are signed with a key derived from the stored signing secret.
        crate::pagination::set_cursor_key(crate::upload_token::signing_key(&state).await?);
        let (shutdown, rx) = watch::channel(false);
        let mut background = Vec::new();
        if config.workers {
            let mut rc = config.runner.clone();
            rc.public_base_url = server_config.public_base_url.clone();
            let runner =
                Runner::new(meta.clone(), blobs.clone(), rc).with_health(state.task_loops.clone());
            background.push(tokio::spawn(runner.run(rx.clone())));
        }
        if config.api {
            background.push(tokio::spawn(crate::webhooks::run(
                state.clone(),
                rx.clone(),
            )));
        }
        let runner = (!background.is_empty()).then(|| {
            tokio::spawn(async move {
                for task in background {
                    let _ = task.await;
                }
            })
        });
        let router = if config.api {
            crate::router(state.clone())
        } else {
            crate::operational_router(state.clone())
        };
        // A trailing slash is tolerated: the path is trimmed before the router sees it.
        let app = axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<
            SocketAddr,
        >(
            tower::util::MapRequestLayer::new(crate::trim_trailing_slash).layer(router)
        );
        let mut server_rx = rx.clone();
        let server = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = server_rx.wait_for(|stop| *stop).await;
                })
                .await
        });
        tracing::info!(%addr, backends = %config.backends.describe(), role = if config.api { "api" } else { "worker" }, "listening");
        Ok(App {
            addr,
            state,
            shutdown,
            server,
            runner,
        })
    }

    /// Stops accepting requests, lets in-flight requests and the current page of each task
    /// finish, and returns once everything committed is on disk.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.shutdown.send(true);
        self.server.await??;
        if let Some(r) = self.runner {
            r.await?;
        }
        Ok(())
    }
}
