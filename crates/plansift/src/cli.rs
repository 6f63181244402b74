//! Command-line interface: every setting is a flag with a `PLANSIFT_*` variable behind it.

use clap::{Args, Parser, Subcommand};
use plansift_store::MetaStore;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "plansift",
    version,
    about = "Construction documents in, citable sheets and spec sections out"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the API server, with task loops unless --no-workers (embedded store by default;
    /// PostgreSQL and S3 with --database-url and --blob-url).
    Serve(ServeArgs),
    /// Run task loops only, sharing PostgreSQL and S3 with a `serve --no-workers` process;
    /// answers /healthz, /readyz and /metrics on --listen.
    Worker(WorkerArgs),
    /// Process one PDF and print its Result v1 JSON on stdout (no server, no data directory).
    Process {
        file: PathBuf,
        /// plans, specifications, documents, addenda, mixed or other
        #[arg(long)]
        classification: Option<String>,
        /// Also write each page's thumbnail and each drawing's vector crop into this folder.
        #[arg(long)]
        artifacts: Option<PathBuf>,
        /// Print on stderr why each page got its kind and each field its value.
        #[arg(long)]
        explain: bool,
    },
    /// Manage API keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Submit PDFs to a server as one job, follow it, and write the result to a folder.
    /// Exit code: 0 completed, 4 completed with errors, 3 failed, 2 bad input, 1 other errors.
    Submit {
        #[command(flatten)]
        client: ClientArgs,
        /// Project to add the job to (created when missing).
        #[arg(long, default_value = "plansift-submit")]
        project: String,
        /// Where to write `<job>/result.json`.
        #[arg(long, default_value = "plansift-out")]
        out: PathBuf,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
        /// Files larger than this many bytes are registered and sent in parts.
        #[arg(long, default_value_t = crate::submit::FORM_LIMIT)]
        form_limit: u64,
        /// Also download every artifact (originals, thumbnails, crops) next to the result.
        #[arg(long)]
        artifacts: bool,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Jobs on a server.
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Manage organizations.
    #[command(subcommand)]
    Orgs(OrgsCommand),
    /// Grant credits.
    #[command(subcommand)]
    Credits(CreditsCommand),
}

#[derive(Args)]
struct ClientArgs {
    /// Server base URL, e.g. http://127.0.0.1:8080
    #[arg(long, env = "PLANSIFT_SERVER", default_value = "http://127.0.0.1:8080")]
    server: String,
    /// API key (pgk_live_…).
    #[arg(long, env = "PLANSIFT_KEY", hide_env_values = true)]
    key: String,
}

#[derive(Subcommand)]
enum JobsCommand {
    /// Follow a job until it ends; the exit code says how (as for submit).
    Watch {
        #[command(flatten)]
        client: ClientArgs,
        job: String,
    },
}

#[derive(Subcommand)]
enum OrgsCommand {
    /// Create an organization (no credits, default profile) and print its id.
    Create {
        #[command(flatten)]
        data: DataDir,
        name: String,
    },
}

#[derive(Subcommand)]
enum CreditsCommand {
    /// Append a grant to an organization's ledger (negative to take credits back).
    Grant {
        #[command(flatten)]
        data: DataDir,
        #[arg(long, default_value = plansift_server::app::DEFAULT_ORG)]
        org: String,
        #[arg(allow_negative_numbers = true)]
        amount: i64,
        #[arg(long)]
        note: Option<String>,
    },
}

#[derive(Args)]
pub(crate) struct DataDir {
    /// Where the database and blobs live (and the admin token is written).
    #[arg(long, env = "PLANSIFT_DATA_DIR", default_value = "./plansift-data")]
    data_dir: PathBuf,
    /// PostgreSQL instead of the SQLite file: postgres://user:password@host/database
    /// (the database is created when missing).
    #[arg(long, env = "PLANSIFT_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// An S3-compatible store instead of the blobs folder: s3://bucket/prefix, with the
    /// endpoint, region and credentials in the AWS_* variables (AWS_ENDPOINT_URL, …).
    #[arg(long, env = "PLANSIFT_BLOB_URL")]
    blob_url: Option<String>,
}

impl DataDir {
    fn backends(&self) -> plansift_store::open::Backends {
        plansift_store::open::Backends {
            database_url: self.database_url.clone(),
            blob_url: self.blob_url.clone(),
        }
    }

    /// The metadata store, migrated, with the bootstrap organization.
    pub(crate) async fn meta(&self) -> anyhow::Result<std::sync::Arc<dyn MetaStore>> {
        Ok(
            plansift_server::bootstrap(&self.data_dir, &self.backends(), None)
                .await?
                .0,
        )
    }
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    data: DataDir,
    /// Address to listen on.
    #[arg(long, env = "PLANSIFT_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Base URL clients reach this server at (default: http://<listen address>).
    #[arg(long, env = "PLANSIFT_PUBLIC_URL")]
    public_url: Option<String>,
    #[command(flatten)]
    tasks: TaskArgs,
    /// Run no task loops here (scale-out: `plansift worker` processes run them).
    #[arg(long, env = "PLANSIFT_NO_WORKERS")]
    no_workers: bool,
    /// Days a job may stay unfinished before it expires.
    #[arg(long, env = "PLANSIFT_JOB_TTL_DAYS", default_value_t = 7)]
    job_ttl_days: i64,
    /// Registered files larger than this many bytes upload in parts.
    #[arg(long, env = "PLANSIFT_MULTIPART_THRESHOLD", default_value_t = 256 << 20)]
    multipart_threshold: u64,
    /// Bytes a part of a multipart upload (at least 262144).
    #[arg(long, env = "PLANSIFT_MULTIPART_PART_SIZE", default_value_t = 64 << 20)]
    multipart_part_size: u64,
    /// Requests a second each API key may make on average.
    #[arg(long, env = "PLANSIFT_RATE_LIMIT", default_value_t = 50.0)]
    rate_limit: f64,
    /// Requests each API key may make at once.
    #[arg(long, env = "PLANSIFT_RATE_BURST", default_value_t = 200.0)]
    rate_burst: f64,
    /// Factor on the webhook retry schedule (5 s, 30 s, 2 min, … 12 h).
    #[arg(long, env = "PLANSIFT_WEBHOOK_RETRY_SCALE", default_value_t = 1.0)]
    webhook_retry_scale: f64,
    /// Allow http:// webhook targets (https only by default).
    #[arg(long, env = "PLANSIFT_WEBHOOK_ALLOW_HTTP")]
    webhook_allow_http: bool,
    /// Allow webhook targets on loopback and private addresses.
    #[arg(long, env = "PLANSIFT_WEBHOOK_ALLOW_PRIVATE")]
    webhook_allow_private: bool,
    /// Admin token for /api/open-api and /api/admin (default: generated into <data-dir>/admin-token).
    #[arg(long, env = "PLANSIFT_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
}

#[derive(Args)]
struct WorkerArgs {
    #[command(flatten)]
    data: DataDir,
    /// Address of the health and metrics endpoints.
    #[arg(long, env = "PLANSIFT_WORKER_LISTEN", default_value = "127.0.0.1:8081")]
    listen: SocketAddr,
    /// Base URL clients reach the API process at: results link their artifacts under it.
    #[arg(long, env = "PLANSIFT_PUBLIC_URL")]
    public_url: String,
    #[command(flatten)]
    tasks: TaskArgs,
}

/// How a process runs tasks.
#[derive(Args)]
struct TaskArgs {
    /// Task loops in this process (default: the number of cores).
    #[arg(long, env = "PLANSIFT_WORKERS")]
    workers: Option<usize>,
    /// Seconds a claimed task is leased before another worker may take it.
    #[arg(long, env = "PLANSIFT_TASK_LEASE_SECS", default_value_t = 30)]
    task_lease_secs: u64,
    /// Pages per page task.
    #[arg(long, env = "PLANSIFT_PAGES_PER_TASK", default_value_t = 16)]
    pages_per_task: i64,
    /// Free MiB to keep on the data directory's disk (when the database or the blobs are
    /// there): below it uploads answer 507 and the task loops pause. 0 turns the check off.
    #[arg(long, env = "PLANSIFT_MIN_FREE_DISK_MB", default_value_t = 128)]
    min_free_disk_mb: u64,
    /// Longest wait, in seconds, between two tries of a task that met a transient fault of
    /// the disk, the database or the object store.
    #[arg(long, env = "PLANSIFT_RETRY_BACKOFF_MAX_SECS", default_value_t = 10)]
    retry_backoff_max_secs: u64,
}

impl TaskArgs {
    /// The runner's settings; `data` decides whether the disk floor applies (it does when the
    /// database or the blobs live in the data directory).
    fn runner(&self, data: &DataDir) -> plansift_jobs::RunnerConfig {
        let backends = data.backends();
        let local = backends.database_url.is_none() || backends.blob_url.is_none();
        let mut runner = plansift_jobs::RunnerConfig {
            lease: Duration::from_secs(self.task_lease_secs.max(1)),
            pages_per_task: self.pages_per_task.max(1),
            retry_backoff_max: Duration::from_secs(self.retry_backoff_max_secs.max(1)),
            disk: local.then(|| {
                plansift_store::disk::DiskFloor::new(&data.data_dir, self.min_free_disk_mb << 20)
            }),
            ..Default::default()
        };
        if let Some(w) = self.workers {
            runner.workers = w.max(1);
        }
        runner
    }
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Create an API key and print it, alone, on stdout. Works while the server runs.
    Create {
        #[command(flatten)]
        data: DataDir,
        /// Organization name (default: the bootstrap organization).
        #[arg(long, default_value = plansift_server::app::DEFAULT_ORG)]
        org: String,
        #[arg(long)]
        label: String,
        /// Comma-separated: jobs:read, jobs:write, artifacts:read
        #[arg(long, default_value = "jobs:read,jobs:write,artifacts:read")]
        scopes: String,
    },
    /// List an organization's keys (never the keys themselves, only their prefixes).
    List {
        #[command(flatten)]
        data: DataDir,
        #[arg(long, default_value = plansift_server::app::DEFAULT_ORG)]
        org: String,
    },
    /// Revoke a key by its id.
    Revoke {
        #[command(flatten)]
        data: DataDir,
        key_id: String,
    },
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Process {
            file,
            classification,
            artifacts,
            explain,
        } => {
            if explain {
                explain_file(&file);
            }
            process(&file, classification.as_deref(), artifacts.as_deref())
        }
        Command::Serve(args) => runtime(serve(args)),
        Command::Worker(args) => runtime(worker(args)),
        Command::Keys(KeysCommand::Create {
            data,
            org,
            label,
            scopes,
        }) => runtime(create_key(data, org, label, scopes)),
        Command::Keys(KeysCommand::List { data, org }) => {
            runtime(crate::admin_cli::list_keys(data, org))
        }
        Command::Keys(KeysCommand::Revoke { data, key_id }) => {
            runtime(crate::admin_cli::revoke_key(data, key_id))
        }
        Command::Submit {
            client,
            project,
            out,
            json,
            form_limit,
            artifacts,
            files,
        } => runtime_code(crate::submit::submit(crate::submit::Submit {
            form_limit,
            artifacts,
            server: client.server,
            key: client.key,
            project,
            files,
            out,
            json,
        })),
        Command::Jobs(JobsCommand::Watch { client, job }) => {
            runtime_code(crate::submit::watch(client.server, client.key, job))
        }
        Command::Orgs(OrgsCommand::Create { data, name }) => {
            runtime(crate::admin_cli::create_org(data, name))
        }
        Command::Credits(CreditsCommand::Grant {
            data,
            org,
            amount,
            note,
        }) => runtime(crate::admin_cli::grant(data, org, amount, note)),
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PLANSIFT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr)
        .init();
}

fn runtime(fut: impl std::future::Future<Output = anyhow::Result<()>>) -> ExitCode {
    runtime_code(async { fut.await.map(|()| ExitCode::SUCCESS) })
}

/// Runs a command that chooses its own exit code; an error is exit code 1.
fn runtime_code(fut: impl std::future::Future<Output = anyhow::Result<ExitCode>>) -> ExitCode {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(fut) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    init_tracing();
    let runner = args.tasks.runner(&args.data);
    let config = plansift_server::AppConfig {
        backends: args.data.backends(),
        api: true,
        data_dir: args.data.data_dir,
        listen: args.listen,
        server: plansift_server::ServerConfig {
            public_base_url: args.public_url.unwrap_or_default(),
            webhook_allow_http: args.webhook_allow_http,
            webhook_allow_private: args.webhook_allow_private,
            job_ttl_days: args.job_ttl_days.max(1),
            multipart_threshold: args.multipart_threshold,
            webhook_retry_scale: args.webhook_retry_scale,
            rate_limit: args.rate_limit,
            rate_burst: args.rate_burst,
            multipart_part_size: args
                .multipart_part_size
                .max(plansift_server::routes::signed_uploads::MIN_PART_SIZE),
            ..Default::default()
        },
        runner,
        workers: !args.no_workers,
        admin_token: args.admin_token,
    };
    run_app(config).await
}

async fn worker(args: WorkerArgs) -> anyhow::Result<()> {
    init_tracing();
    let runner = args.tasks.runner(&args.data);
    let config = plansift_server::AppConfig {
        backends: args.data.backends(),
        api: false,
        data_dir: args.data.data_dir,
        listen: args.listen,
        server: plansift_server::ServerConfig {
            public_base_url: args.public_url,
            ..Default::default()
        },
        runner,
        workers: true,
        admin_token: None,
    };
    run_app(config).await
}

async fn run_app(config: plansift_server::AppConfig) -> anyhow::Result<()> {
    let app = plansift_server::App::start(config).await?;
    shutdown_signal().await;
    tracing::info!("shutting down");
    app.stop().await?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

async fn create_key(
    data: DataDir,
    org: String,
    label: String,
    scopes: String,
) -> anyhow::Result<()> {
    let scopes = plansift_types::Scope::parse_list(&scopes).map_err(anyhow::Error::msg)?;
    if label.trim().is_empty() || label.chars().count() > 120 {
        anyhow::bail!("--label must be 1-120 characters");
    }
    let meta = data.meta().await?;
    let org_row = meta
        .org_by_name(&org)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no organization named {org:?}"))?;
    let key = plansift_server::auth::generate_key();
    meta.create_key(plansift_store::NewKey {
        org_id: org_row.id,
        label,
        key_prefix: plansift_server::auth::key_prefix(&key),
        key_hash: plansift_server::auth::hash_key(&key),
        scopes,
        expires_at: None,
    })
    .await?;
    println!("{key}");
    Ok(())
}

fn process(
    file: &std::path::Path,
    classification: Option<&str>,
    artifacts: Option<&std::path::Path>,
) -> ExitCode {
    if let Some(c) = classification
        && !plansift_types::api::is_classification(c)
    {
        eprintln!("error: unknown classification {c:?}");
        return ExitCode::from(2);
    }
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", file.display());
            return ExitCode::from(2);
        }
    };
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let result = match artifacts {
        Some(dir) => {
            let result = plansift_jobs::process_file(&name, bytes.clone(), classification);
            if let Err(e) = write_artifacts(&bytes, &result, dir) {
                eprintln!("error: cannot write artifacts to {}: {e}", dir.display());
                return ExitCode::FAILURE;
            }
            result
        }
        None => plansift_jobs::process_file(&name, bytes, classification),
    };
    println!(
        "{}",
        serde_json::to_string_pretty(&result).expect("result serializes")
    );
    ExitCode::SUCCESS
}

/// Thumbnails of every page and vector crops of drawings; pages that cannot be drawn are
/// reported on stderr and skipped, as a job would record a warning.
fn write_artifacts(
    bytes: &[u8],
    result: &plansift_types::result::ResultV1,
    dir: &std::path::Path,
) -> std::io::Result<()> {
    use plansift_engine::{Document, crop::CropSource, render};
    std::fs::create_dir_all(dir)?;
    let Ok(doc) = Document::open(std::sync::Arc::new(bytes.to_vec())) else {
        return Ok(());
    };
    let mut crops = None;
    for n in 1..=doc.page_count() {
        match render::render_page(&doc, n, render::THUMBNAIL_LONGEST_SIDE) {
            Ok(image) => std::fs::write(dir.join(format!("page-{n}.png")), &image.png)?,
            Err(e) => eprintln!("warning: page {n}: no thumbnail: {e}"),
        }
        // The page kinds the analysis found: pages are not analysed twice.
        let drawing = result
            .documents
            .iter()
            .flat_map(|d| &d.pages)
            .any(|p| p.page_number == n as i64 && p.kind == "drawing");
        if !drawing {
            continue;
        }
        if let Ok(source) = crops.get_or_insert_with(|| CropSource::parse(bytes)) {
            match source.page_pdf(n as u32) {
                Ok(pdf) => std::fs::write(dir.join(format!("page-{n}.pdf")), pdf)?,
                Err(e) => eprintln!("warning: page {n}: no vector crop: {e}"),
            }
        }
    }
    Ok(())
}

/// `process --explain`: the features behind each page's kind and the reasons behind each field.
fn explain_file(file: &std::path::Path) {
    use plansift_engine::{Document, PageKind, analyze_page_with, assemble};
    // The same OCR engine `process` reads scans and outlined title blocks with, so the reasons
    // shown are those of the fields returned.
    let ocr = plansift_engine::ocr::TesseractCli::detect();
    let ocr = ocr.as_ref().map(|o| o as &dyn plansift_engine::ocr::Ocr);
    let Ok(bytes) = std::fs::read(file) else {
        return;
    };
    let doc = match Document::open(std::sync::Arc::new(bytes)) {
        Ok(doc) => doc,
        Err(e) => return eprintln!("document: {} ({})", e.code(), e),
    };
    let mut pages = Vec::new();
    for n in 1..=doc.page_count() {
        match analyze_page_with(&doc, n, ocr) {
            Ok(a) => {
                let g = a.geometry;
                eprintln!(
                    "page {n}: {} — {:.0}x{:.0} pt, rotation {}, {} words ({:?}), {} glyphs ({} unmapped), {} paths / {} segments, images {:.0}% of the page",
                    a.kind.as_str(),
                    g.width,
                    g.height,
                    g.rotation,
                    a.word_count,
                    a.text_source,
                    a.stats.glyphs,
                    a.stats.unmapped_glyphs,
                    a.stats.paths,
                    a.stats.path_segments,
                    100.0 * a.stats.image_coverage
                );
                if a.kind == PageKind::Drawing {
                    for reason in a.sheet.iter().flat_map(|s| &s.reasons) {
                        eprintln!("    {reason}");
                    }
                    for r in &a.regions {
                        eprintln!("    region {} {:?}", r.region_type, r.label);
                    }
                }
                pages.push(a);
            }
            Err(e) => eprintln!("page {n}: {} ({e})", e.code()),
        }
    }
    let analysis = assemble(&pages);
    for s in &analysis.sheets {
        eprintln!(
            "sheet p{}: {:?} {:?} ({:?}, {:?})",
            s.page_number,
            s.number.as_ref().map(|f| &f.text),
            s.title.as_ref().map(|f| &f.text),
            s.discipline,
            s.drawing_type
        );
    }
    for s in &analysis.sections {
        eprintln!(
            "section {} {:?} pp. {}-{}, {} parts, {} articles",
            s.number,
            s.title,
            s.page_start,
            s.page_end,
            s.parts.len(),
            s.articles.len()
        );
    }
    for d in &analysis.doc_sections {
        eprintln!(
            "{} {:?} pp. {}-{}: {} items",
            d.doc_type,
            d.title,
            d.page_start,
            d.page_end,
            d.items.len()
        );
    }
}
