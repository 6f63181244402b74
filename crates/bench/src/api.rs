//! An end-to-end job through the HTTP API: the real `plansift serve` on the embedded store in a
//! fresh data directory, the set uploaded with the multipart form, timed from the first upload
//! byte to the terminal status, with the server's peak RSS sampled from `/proc` throughout.

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

pub async fn job(plansift: &Path, set: &Path, workers: usize) -> anyhow::Result<ApiRun> {
    let data = tempfile::tempdir()?;
    let key = Command::new(plansift)
        .args(["keys", "create", "--label", "bench", "--data-dir"])
        .arg(data.path())
        .output()
        .context("plansift keys create")?;
    if !key.status.success() {
        bail!("keys create: {}", String::from_utf8_lossy(&key.stderr));
    }
    let key = String::from_utf8(key.stdout)?.trim().to_string();
    let port = free_port()?;
    let server = Server(
        Command::new(plansift)
            .arg("serve")
            .arg("--data-dir")
            .arg(data.path())
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .env("PLANSIFT_WORKERS", workers.to_string())
            .env("PLANSIFT_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("plansift serve")?,
    );
    let pid = server.0.id().to_string();
    let base = format!("http://127.0.0.1:{port}/api/open/v1");
    let client = reqwest::Client::new();
    let started = Instant::now();
    while client
        .get(format!("http://127.0.0.1:{port}/readyz"))
        .send()
        .await
        .is_err()
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
    drop(server);
    Ok(ApiRun {
        run: Run {
            seconds,
            peak_rss_mib: peak as f64 / 1024.0,
        },
        status: done["status"].as_str().unwrap_or_default().to_string(),
        pages: done["progress"]["pagesDone"].as_i64().unwrap_or(0),
    })
}
