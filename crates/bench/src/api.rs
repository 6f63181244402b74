//! An end-to-end job through the HTTP API of real Plansift processes: `plansift serve` on the
//! embedded store in a fresh data directory, or `serve --no-workers` with N `plansift worker`
//! processes on PostgreSQL and S3. The set is uploaded with the multipart form and timed from
//! the first upload byte to the terminal status, with the API process's peak RSS and every
//! process's CPU time read from `/proc`.

use crate::measure::{Run, peak_rss_kib};
use anyhow::{Context, bail};
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub struct ApiRun {
    pub run: Run,
    pub status: String,
    pub pages: i64,
    /// CPU seconds (user + system) every process of the deployment spent on the job.
    pub cpu_seconds: f64,
    /// CPU seconds the whole machine spent meanwhile (every process: PostgreSQL, the object
    /// store, the client too).
    pub machine_cpu_seconds: f64,
}

/// Kills the server when dropped, whatever happened.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// PostgreSQL and S3 for a scale-out deployment: a database and a blob prefix of its own are
/// made under these for each run.
#[derive(Clone, Debug)]
pub struct ScaleOut {
    /// `postgres://user@host:port` (no database: each run gets a new one).
    pub database_server: String,
    /// `s3://bucket` (each run gets a new prefix).
    pub blob_bucket: String,
}

/// Running Plansift processes and an API key for them. The first process answers the API.
pub struct Deployment {
    servers: Vec<Server>,
    port: u16,
    key: String,
    _dirs: Vec<tempfile::TempDir>,
}

impl Deployment {
    /// `plansift serve` on the embedded store with `workers` task loops.
    pub fn embedded(plansift: &Path, workers: usize) -> anyhow::Result<Deployment> {
        let data = tempfile::tempdir()?;
        let key = create_key(plansift, data.path(), &[])?;
        let port = free_port()?;
        let server = Command::new(plansift)
            .arg("serve")
            .arg("--data-dir")
            .arg(data.path())
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .env("PLANSIFT_WORKERS", workers.to_string())
            .env("PLANSIFT_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("plansift serve")?;
        Ok(Deployment {
            servers: vec![Server(server)],
            port,
            key,
            _dirs: vec![data],
        })
    }

    /// `plansift serve --no-workers` and `workers` processes of `plansift worker` (one task
    /// loop each) on PostgreSQL and S3.
    pub fn scale_out(
        plansift: &Path,
        workers: usize,
        services: &ScaleOut,
    ) -> anyhow::Result<Deployment> {
        let tag = format!("bench_{}", std::process::id()) + &format!("_{}", unique());
        let env = [
            (
                "PLANSIFT_DATABASE_URL",
                format!("{}/{tag}", services.database_server.trim_end_matches('/')),
            ),
            (
                "PLANSIFT_BLOB_URL",
                format!(
                    "{}/{}",
                    services.blob_bucket.trim_end_matches('/'),
                    tag.replace('_', "-")
                ),
            ),
            ("PLANSIFT_LOG", "warn".to_string()),
        ];
        let dirs: Vec<tempfile::TempDir> = (0..=workers)
            .map(|_| tempfile::tempdir())
            .collect::<Result<_, _>>()?;
        let port = free_port()?;
        let spawn = |c: &mut Command, what: &str| -> anyhow::Result<Server> {
            Ok(Server(
                c.envs(env.iter().map(|(k, v)| (k, v)))
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .with_context(|| what.to_string())?,
            ))
        };
        let mut servers = vec![spawn(
            Command::new(plansift)
                .args(["serve", "--no-workers", "--data-dir"])
                .arg(dirs[0].path())
                .args(["--listen", &format!("127.0.0.1:{port}")]),
            "plansift serve --no-workers",
        )?];
        for dir in &dirs[1..] {
            servers.push(spawn(
                Command::new(plansift)
                    .args(["worker", "--workers", "1", "--data-dir"])
                    .arg(dir.path())
                    .args(["--listen", &format!("127.0.0.1:{}", free_port()?)])
                    .args(["--public-url", &format!("http://127.0.0.1:{port}")]),
                "plansift worker",
            )?);
        }
        let key = create_key(plansift, dirs[0].path(), &env)?;
        Ok(Deployment {
            servers,
            port,
            key,
            _dirs: dirs,
        })
    }

    fn pids(&self) -> Vec<String> {
        self.servers.iter().map(|s| s.0.id().to_string()).collect()
    }
}

fn unique() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

/// `plansift keys create` on the stores of `data` and `env`; the key.
fn create_key(plansift: &Path, data: &Path, env: &[(&str, String)]) -> anyhow::Result<String> {
    let out = Command::new(plansift)
        .args(["keys", "create", "--label", "bench", "--data-dir"])
        .arg(data)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .context("plansift keys create")?;
    if !out.status.success() {
        bail!("keys create: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8(out.stdout)?.trim().to_string())
}

/// User + system CPU seconds of a process so far (`/proc/<pid>/stat`, 100 ticks a second).
fn cpu_seconds(pid: &str) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // After the command name: state is field 0, utime 11, stime 12.
    (ticks(11) + ticks(12)) / 100.0
}

/// Busy CPU seconds of the whole machine since boot (`/proc/stat`: all but idle and iowait).
fn machine_cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/stat") else {
        return 0.0;
    };
    let ticks: Vec<f64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|t| t.parse().ok())
        .collect();
    let idle = ticks.get(3).copied().unwrap_or(0.0) + ticks.get(4).copied().unwrap_or(0.0);
    (ticks.iter().sum::<f64>() - idle) / 100.0
}

/// One job of the whole set through the deployment's API, timed from the first upload byte to
/// the terminal status; the API process's peak RSS is sampled throughout.
pub async fn job(deployment: &Deployment, set: &Path) -> anyhow::Result<ApiRun> {
    let (port, key) = (deployment.port, deployment.key.clone());
    let pids = deployment.pids();
    let pid = pids[0].clone();
    let base = format!("http://127.0.0.1:{port}/api/open/v1");
    let client = reqwest::Client::new();
    let started = Instant::now();
    while client
        .get(format!("http://127.0.0.1:{port}/readyz"))
        .send()
        .await
        .map(|r| !r.status().is_success())
        .unwrap_or(true)
    {
        if started.elapsed() > Duration::from_secs(30) {
            bail!("the server did not start");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let call = |method: reqwest::Method, path: String| {
        client
            .request(method, format!("{base}{path}"))
            .bearer_auth(&key)
    };
    let project: Value = call(reqwest::Method::POST, "/projects".into())
        .json(&json!({ "name": "bench" }))
        .send()
        .await?
        .json()
        .await?;
    let project = project["project"]["id"]
        .as_str()
        .context("project id")?
        .to_string();
    loop {
        let p: Value = call(reqwest::Method::GET, format!("/projects/{project}"))
            .send()
            .await?
            .json()
            .await?;
        if p["project"]["status"] == "ready" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let job: Value = call(reqwest::Method::POST, format!("/projects/{project}/jobs"))
        .json(&json!({}))
        .send()
        .await?
        .json()
        .await?;
    let job = job["job"]["id"].as_str().context("job id")?.to_string();

    let bytes = tokio::fs::read(set).await?;
    let cpu_before: f64 = pids.iter().map(|p| cpu_seconds(p)).sum();
    let machine_before = machine_cpu_seconds();
    let t = Instant::now();
    let metadata = json!({ "files": [{ "partName": "file0", "fileName": "set.pdf",
        "contentType": "application/pdf", "classification": "plans" }] });
    let form = reqwest::multipart::Form::new()
        .text("metadata", metadata.to_string())
        .part(
            "file0",
            reqwest::multipart::Part::bytes(bytes)
                .file_name("set.pdf")
                .mime_str("application/pdf")?,
        );
    let r = call(reqwest::Method::POST, format!("/jobs/{job}/files"))
        .multipart(form)
        .send()
        .await?;
    if !r.status().is_success() {
        bail!("upload: {} {}", r.status(), r.text().await?);
    }
    let r = call(
        reqwest::Method::POST,
        format!("/jobs/{job}/uploads/complete"),
    )
    .send()
    .await?;
    if !r.status().is_success() {
        bail!("complete: {}", r.status());
    }
    let mut peak = 0;
    let done = loop {
        if let Some(kib) = peak_rss_kib(&pid) {
            peak = peak.max(kib);
        }
        let j: Value = call(reqwest::Method::GET, format!("/jobs/{job}"))
            .send()
            .await?
            .json()
            .await?;
        let status = j["job"]["status"].as_str().unwrap_or_default();
        if [
            "completed",
            "completed_with_errors",
            "failed",
            "cancelled",
            "expired",
        ]
        .contains(&status)
        {
            break j["job"].clone();
        }
        if t.elapsed() > Duration::from_secs(1800) {
            bail!("the job did not finish in 30 minutes");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let seconds = t.elapsed().as_secs_f64();
    if let Some(kib) = peak_rss_kib(&pid) {
        peak = peak.max(kib);
    }
    let cpu_seconds = pids.iter().map(|p| cpu_seconds(p)).sum::<f64>() - cpu_before;
    let machine_cpu_seconds = machine_cpu_seconds() - machine_before;
    Ok(ApiRun {
        machine_cpu_seconds,
        cpu_seconds,
        run: Run {
            seconds,
            peak_rss_mib: peak as f64 / 1024.0,
        },
        status: done["status"].as_str().unwrap_or_default().to_string(),
        pages: done["progress"]["pagesDone"].as_i64().unwrap_or(0),
    })
}
