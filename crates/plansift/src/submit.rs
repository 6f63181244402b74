//! `plansift submit` and `plansift jobs watch`: the seed flow of API.md from the terminal
//! against any Plansift (or Plangrep) server — project, job, uploads (the form for small files,
//! a signed registration in parts for large ones), complete, follow, result.
//!
//! Exit codes: 0 completed, 4 completed with errors, 3 failed / cancelled / expired,
//! 2 bad arguments or refused input, 1 anything else (network, server error).

use anyhow::{Context, bail};
use futures_util::StreamExt;
use reqwest::{Client, Method};
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// Files up to this size go through the multipart form by default; larger ones are registered.
pub const FORM_LIMIT: u64 = 64 << 20;

pub struct Submit {
    pub server: String,
    pub key: String,
    pub project: String,
    pub files: Vec<PathBuf>,
    pub out: PathBuf,
    pub json: bool,
    /// Files larger than this many bytes are registered and uploaded in parts.
    pub form_limit: u64,
    /// Also download every artifact the result references.
    pub artifacts: bool,
}

struct Api {
    client: Client,
    base: String,
    key: String,
}

impl Api {
    fn new(server: &str, key: &str) -> Api {
        Api {
            client: Client::new(),
            base: format!("{}/api/open/v1", server.trim_end_matches('/')),
            key: key.to_string(),
        }
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> anyhow::Result<Value> {
        let mut r = self
            .client
            .request(method.clone(), format!("{}{path}", self.base))
            .bearer_auth(&self.key);
        if let Some(b) = body {
            r = r.json(&b);
        }
        let r = r.send().await.with_context(|| format!("{method} {path}"))?;
        let status = r.status();
        let v: Value = r.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            bail!(
                "{method} {path}: {status} {} {}",
                v["error"]["code"].as_str().unwrap_or(""),
                v["error"]["message"].as_str().unwrap_or("")
            );
        }
        Ok(v)
    }
}

/// A progress line on stderr, redrawn in place on a terminal; elsewhere (logs, CI) only the
/// lines that [`progress_done`] ends are written.
fn progress(line: &str) {
    use std::io::IsTerminal;
    let mut err = std::io::stderr();
    if err.is_terminal() {
        let _ = write!(err, "\r\x1b[2K{line}");
        let _ = err.flush();
    }
}

/// The last state of a progress line, kept.
fn progress_done(line: &str) {
    use std::io::IsTerminal;
    let mut err = std::io::stderr();
    let _ = if err.is_terminal() {
        writeln!(err, "\r\x1b[2K{line}")
    } else {
        writeln!(err, "{line}")
    };
}

/// `[#######-----------]  38%`.
fn bar(done: u64, total: u64) -> String {
    const WIDTH: u64 = 24;
    let total = total.max(1);
    let done = done.min(total);
    let filled = (done * WIDTH / total) as usize;
    format!(
        "[{}{}] {:>3}%",
        "#".repeat(filled),
        "-".repeat(WIDTH as usize - filled),
        done * 100 / total
    )
}

fn sha256_file(path: &Path) -> anyhow::Result<String> {
    use sha2::Digest;
    let mut f = std::fs::File::open(path)?;
    let mut h = sha2::Sha256::new();
    std::io::copy(&mut f, &mut h)?;
    Ok(hex::encode(h.finalize()))
}

/// A file's bytes from `start` for `len`, as a request body that reports progress.
async fn body_of(
    path: &Path,
    start: u64,
    len: u64,
    label: String,
    total: u64,
    done: u64,
) -> anyhow::Result<reqwest::Body> {
    use tokio::io::{AsyncReadExt, AsyncSeekExt};
    let mut f = tokio::fs::File::open(path).await?;
    f.seek(std::io::SeekFrom::Start(start)).await?;
    let mut sent = done;
    let mut shown = u64::MAX;
    let stream = tokio_util::io::ReaderStream::new(f.take(len)).map(move |chunk| {
        if let Ok(c) = &chunk {
            sent += c.len() as u64;
            // Redraw when the bar moves, not on every chunk.
            let step = sent * 200 / total.max(1);
            if step != shown {
                shown = step;
                progress(&format!("{label} {}", bar(sent, total)));
            }
        }
        chunk
    });
    Ok(reqwest::Body::wrap_stream(stream))
}

async fn upload(api: &Api, job: &str, path: &Path, form_limit: u64) -> anyhow::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file.pdf".into());
    let size = std::fs::metadata(path)?.len();
    let sha = sha256_file(path)?;
    if size <= form_limit {
        let meta = json!({ "files": [{ "partName": "file0", "fileName": name,
            "contentType": "application/pdf", "sha256": sha }] });
        let part = reqwest::multipart::Part::stream_with_length(
            body_of(path, 0, size, name.clone(), size, 0).await?,
            size,
        )
        .file_name(name.clone())
        .mime_str("application/pdf")?;
        let form = reqwest::multipart::Form::new()
            .text("metadata", meta.to_string())
            .part("file0", part);
        let r = api
            .client
            .post(format!("{}/jobs/{job}/files", api.base))
            .bearer_auth(&api.key)
            .multipart(form)
            .send()
            .await?;
        if !r.status().is_success() {
            bail!(
                "uploading {name}: {} {}",
                r.status(),
                r.text().await.unwrap_or_default()
            );
        }
    } else {
        let reg = api
            .call(
                Method::POST,
                &format!("/jobs/{job}/uploads"),
                Some(
                    json!({ "files": [{ "fileName": name, "contentType": "application/pdf",
                    "fileSize": size, "sha256": sha }] }),
                ),
            )
            .await?;
        let u = &reg["uploads"][0];
        let targets: Vec<(String, u64, u64)> = match u["uploadMode"].as_str() {
            Some("direct_put") => {
                vec![(u["uploadUrl"].as_str().unwrap_or_default().into(), 0, size)]
            }
            _ => u["parts"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| {
                    (
                        p["uploadUrl"].as_str().unwrap_or_default().to_string(),
                        p["byteStart"].as_u64().unwrap_or(0),
                        p["byteEnd"].as_u64().unwrap_or(0),
                    )
                })
                .collect(),
        };
        for (url, start, end) in targets {
            let r = api
                .client
                .put(&url)
                .body(body_of(path, start, end - start, name.clone(), size, start).await?)
                .send()
                .await?;
            if !r.status().is_success() {
                bail!(
                    "uploading {name}: {} {}",
                    r.status(),
                    r.text().await.unwrap_or_default()
                );
            }
        }
    }
    progress_done(&format!("{name} {} uploaded", bar(1, 1)));
    Ok(())
}

/// Follows a job to a terminal status with a progress line; the job.
async fn follow(api: &Api, job: &str) -> anyhow::Result<Value> {
    loop {
        let j = api.call(Method::GET, &format!("/jobs/{job}"), None).await?["job"].clone();
        let status = j["status"].as_str().unwrap_or_default().to_string();
        let (done, total) = (
            j["progress"]["pagesDone"].as_u64().unwrap_or(0),
            j["progress"]["pagesTotal"].as_u64().unwrap_or(0),
        );
        progress(&format!(
            "{job}: {status} {} {done}/{total} pages",
            bar(done, total)
        ));
        if [
            "completed",
            "completed_with_errors",
            "failed",
            "cancelled",
            "expired",
        ]
        .contains(&status.as_str())
        {
            progress_done(&format!(
                "{job}: {status} {} {done}/{total} pages",
                bar(done, total)
            ));
            return Ok(j);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

fn exit_for(status: &str) -> ExitCode {
    match status {
        "completed" => ExitCode::SUCCESS,
        "completed_with_errors" => ExitCode::from(4),
        _ => ExitCode::from(3),
    }
}

async fn project_id(api: &Api, name: &str) -> anyhow::Result<String> {
    let list = api.call(Method::GET, "/projects", None).await?;
    let found = list["projects"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == name)
        .and_then(|p| p["id"].as_str().map(str::to_string));
    let id = match found {
        Some(id) => id,
        None => api
            .call(Method::POST, "/projects", Some(json!({ "name": name })))
            .await?["project"]["id"]
            .as_str()
            .context("project id")?
            .to_string(),
    };
    while api
        .call(Method::GET, &format!("/projects/{id}"), None)
        .await?["project"]["status"]
        != "ready"
    {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok(id)
}

pub async fn submit(args: Submit) -> anyhow::Result<ExitCode> {
    for f in &args.files {
        if !f.is_file() {
            eprintln!("error: {} is not a file", f.display());
            return Ok(ExitCode::from(2));
        }
    }
    let api = Api::new(&args.server, &args.key);
    let project = project_id(&api, &args.project).await?;
    let job = api
        .call(
            Method::POST,
            &format!("/projects/{project}/jobs"),
            Some(json!({})),
        )
        .await?["job"]["id"]
        .as_str()
        .context("job id")?
        .to_string();
    for f in &args.files {
        upload(&api, &job, f, args.form_limit).await?;
    }
    api.call(Method::POST, &format!("/jobs/{job}/uploads/complete"), None)
        .await?;
    let done = follow(&api, &job).await?;
    let status = done["status"].as_str().unwrap_or_default().to_string();
    let mut summary = json!({ "jobId": job, "projectId": project, "status": status,
        "pages": done["pageCount"], "credits": done["billing"]["creditsDebited"] });
    if matches!(status.as_str(), "completed" | "completed_with_errors") {
        let result = api
            .call(Method::GET, &format!("/jobs/{job}/result"), None)
            .await?;
        let dir = args.out.join(&job);
        std::fs::create_dir_all(&dir)?;
        let path = dir.join("result.json");
        std::fs::write(&path, serde_json::to_vec_pretty(&result)?)?;
        let docs: Vec<Value> = result["documents"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|d| {
                json!({ "fileName": d["fileName"], "status": d["status"], "pages": d["pageCount"],
                    "sheets": d["sheets"].as_array().map_or(0, Vec::len),
                    "sections": d["specifications"].as_array().map_or(0, Vec::len) })
            })
            .collect();
        summary["documents"] = json!(docs);
        if args.artifacts {
            summary["artifacts"] =
                json!(download_artifacts(&api, &job, &result, &dir.join("artifacts")).await?);
        }
        summary["result"] = json!(path.display().to_string());
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        println!(
            "{:<48} {:<21} {:>6} {:>6} {:>8}",
            "document", "status", "pages", "sheets", "sections"
        );
        // serde_json's Display ignores widths: format numbers and names as strings.
        let text = |v: &Value| match v {
            Value::String(s) => s.chars().take(48).collect::<String>(),
            Value::Null => "-".to_string(),
            other => other.to_string(),
        };
        for d in summary["documents"].as_array().into_iter().flatten() {
            println!(
                "{:<48} {:<21} {:>6} {:>6} {:>8}",
                text(&d["fileName"]),
                text(&d["status"]),
                text(&d["pages"]),
                text(&d["sheets"]),
                text(&d["sections"])
            );
        }
        println!(
            "job {job}: {status}, {} pages, {} credits{}",
            summary["pages"],
            summary["credits"],
            summary["result"]
                .as_str()
                .map(|p| format!(", result in {p}"))
                .unwrap_or_default()
        );
    }
    Ok(exit_for(&status))
}

/// Every artifact path of the result (documents' and sheets'), saved under `dir`; how many.
async fn download_artifacts(
    api: &Api,
    job: &str,
    result: &Value,
    dir: &Path,
) -> anyhow::Result<usize> {
    std::fs::create_dir_all(dir)?;
    let mut paths: Vec<&str> = Vec::new();
    for d in result["documents"].as_array().into_iter().flatten() {
        let lists = std::iter::once(&d["artifacts"]).chain(
            d["sheets"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| &s["artifacts"]),
        );
        for list in lists {
            paths.extend(
                list.as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|a| a["path"].as_str()),
            );
        }
    }
    paths.sort();
    paths.dedup();
    for (i, path) in paths.iter().enumerate() {
        progress(&format!("artifacts: {}/{}", i + 1, paths.len()));
        let r = api
            .client
            .get(format!("{}/jobs/{job}/artifact", api.base))
            .query(&[("path", path)])
            .bearer_auth(&api.key)
            .send()
            .await?;
        if !r.status().is_success() {
            bail!("artifact {path}: {}", r.status());
        }
        // Paths are server-made (`doc_…/page-1.png`): flattened, they are safe file names.
        let name: String = path
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        std::fs::write(dir.join(name), r.bytes().await?)?;
    }
    progress_done(&format!("artifacts: {} saved", paths.len()));
    Ok(paths.len())
}

pub async fn watch(server: String, key: String, job: String) -> anyhow::Result<ExitCode> {
    let api = Api::new(&server, &key);
    let done = follow(&api, &job).await?;
    Ok(exit_for(done["status"].as_str().unwrap_or_default()))
}
