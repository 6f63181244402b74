//! What every fault scenario does: run the real binary, drive a job through the API, probe the
//! API and `/readyz` while the fault lasts, and check afterwards that nothing was lost or
//! repeated.

use crate::common::corpus_bytes;
use crate::common::process::{Process, free_port, wait_ready};
use plansift_store::MetaStore;
use plansift_store::open::Backends;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The document every scenario processes: a 380-page specification book.
pub const BOOK: &str = "spec_test_suite/2024-09-11 Project Manual SC Justice Center Remodel.pdf";
pub const BOOK_PAGES: i64 = 380;
/// Pages done before the fault starts: the job is well under way, far from its end.
pub const PAGES_BEFORE_FAULT: i64 = 8;

/// A running `plansift serve` with a key and a ready project.
pub struct Server {
    /// The server, killed when the scenario ends.
    _process: Process,
    pub api: Api,
    /// Holds the server's log (outside the data directory, which may be the full disk).
    _log_dir: tempfile::TempDir,
}

impl std::ops::Deref for Server {
    type Target = Api;
    fn deref(&self) -> &Api {
        &self.api
    }
}

/// The API of a running server, as a client with a key sees it.
#[derive(Clone)]
pub struct Api {
    pub port: u16,
    pub data: PathBuf,
    pub backends: Backends,
    pub client: reqwest::Client,
    pub base: String,
    pub key: String,
    pub project: String,
    log: PathBuf,
}

impl Server {
    /// Starts the binary on `data` with the environment `configure` adds (database and blob
    /// URLs, S3 credentials), creates a key with the CLI and a project.
    pub async fn start(
        data: &Path,
        backends: Backends,
        min_free_disk_mb: u64,
        configure: impl Fn(&mut Command),
    ) -> Server {
        let port = free_port();
        let log_dir = tempfile::tempdir().unwrap();
        let log = std::fs::File::create(log_dir.path().join("plansift.log")).unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_plansift"));
        configure(&mut command);
        command
            .args(["serve", "--data-dir"])
            .arg(data)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--workers", "2", "--pages-per-task", "4"])
            .args(["--min-free-disk-mb", &min_free_disk_mb.to_string()])
            .env("PLANSIFT_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(log);
        let process = Process(command.spawn().unwrap());
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        wait_ready(&client, port).await;
        let mut keys = Command::new(env!("CARGO_BIN_EXE_plansift"));
        configure(&mut keys);
        let out = keys
            .args(["keys", "create", "--data-dir"])
            .arg(data)
            .args(["--label", "faults", "--scopes", "jobs:read,jobs:write"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let key = String::from_utf8(out.stdout).unwrap().trim().to_string();
        let base = format!("http://127.0.0.1:{port}/api/open/v1");
        let mut api = Api {
            port,
            data: data.to_path_buf(),
            backends,
            client,
            base,
            key,
            project: String::new(),
            log: log_dir.path().join("plansift.log"),
        };
        let (status, project) = api
            .call(
                reqwest::Method::POST,
                "/projects",
                Some(json!({ "name": "Faults" })),
            )
            .await;
        assert_eq!(status, 202, "{project}");
        api.project = project["project"]["id"].as_str().unwrap().to_string();
        let started = Instant::now();
        while api
            .call(
                reqwest::Method::GET,
                &format!("/projects/{}", api.project),
                None,
            )
            .await
            .1["project"]["status"]
            != "ready"
        {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the project never got ready"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Server {
            _process: process,
            api,
            _log_dir: log_dir,
        }
    }
}

impl Api {
    /// The last lines of the server's log, for assertion messages.
    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut r = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.key);
        if let Some(body) = body {
            r = r.json(&body);
        }
        match r.send().await {
            Ok(r) => (r.status().as_u16(), r.json().await.unwrap_or(Value::Null)),
            // No answer at all (a timeout, a refused connection) is recorded as 0.
            Err(_) => (0, Value::Null),
        }
    }

    pub async fn create_job(&self) -> String {
        let (status, job) = self
            .call(
                reqwest::Method::POST,
                &format!("/projects/{}/jobs", self.project),
                Some(json!({})),
            )
            .await;
        assert_eq!(status, 202, "{job}");
        job["job"]["id"].as_str().unwrap().to_string()
    }

    /// A multipart upload of `files` (name, bytes); the status and the body.
    pub async fn upload(&self, job: &str, files: &[(String, Vec<u8>)]) -> (u16, Value) {
        let mut described = Vec::new();
        let mut form = reqwest::multipart::Form::new();
        for (i, (name, _)) in files.iter().enumerate() {
            described.push(json!({ "partName": format!("file{i}"), "fileName": name,
                "contentType": "application/pdf", "classification": "specifications" }));
        }
        form = form.text("metadata", json!({ "files": described }).to_string());
        for (i, (name, bytes)) in files.iter().enumerate() {
            form = form.part(
                format!("file{i}"),
                reqwest::multipart::Part::bytes(bytes.clone()).file_name(name.clone()),
            );
        }
        let r = self
            .client
            .post(format!("{}/jobs/{job}/files", self.base))
            .bearer_auth(&self.key)
            .multipart(form)
            .send()
            .await;
        match r {
            Ok(r) => (r.status().as_u16(), r.json().await.unwrap_or(Value::Null)),
            Err(_) => (0, Value::Null),
        }
    }

    /// Creates a job with the book, completes it, and waits until it is under way.
    pub async fn start_book_job(&self) -> String {
        let job = self.create_job().await;
        let (status, body) = self
            .upload(&job, &[("book.pdf".into(), corpus_bytes(BOOK))])
            .await;
        assert_eq!(status, 200, "{body}");
        self.complete(&job).await;
        self.wait_pages(&job, PAGES_BEFORE_FAULT).await;
        job
    }

    pub async fn complete(&self, job: &str) {
        let (status, body) = self
            .call(
                reqwest::Method::POST,
                &format!("/jobs/{job}/uploads/complete"),
                Some(json!({})),
            )
            .await;
        assert_eq!(status, 202, "{body}");
    }

    /// Pages done (processed or failed) of a job, when the API answers.
    pub async fn pages_done(&self, job: &str) -> Option<i64> {
        let (status, body) = self
            .call(reqwest::Method::GET, &format!("/jobs/{job}"), None)
            .await;
        (status == 200).then(|| body["job"]["progress"]["pagesDone"].as_i64().unwrap_or(0))
    }

    pub async fn wait_pages(&self, job: &str, at_least: i64) -> i64 {
        let started = Instant::now();
        loop {
            let done = self.pages_done(job).await.unwrap_or(0);
            if done >= at_least {
                assert!(done < BOOK_PAGES, "the job ended before the fault");
                return done;
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "stuck at {done} pages\n{}",
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Seconds from `since` until the job's pages done exceed `before` (the job moves again).
    pub async fn seconds_until_moving(&self, job: &str, before: i64, since: Instant) -> f64 {
        loop {
            if self.pages_done(job).await.is_some_and(|n| n > before) {
                return since.elapsed().as_secs_f64();
            }
            assert!(
                since.elapsed() < Duration::from_secs(90),
                "the job did not move again\n{}",
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn wait_terminal(&self, job: &str, limit: Duration) -> Value {
        let started = Instant::now();
        loop {
            let (_, body) = self
                .call(reqwest::Method::GET, &format!("/jobs/{job}"), None)
                .await;
            let status = body["job"]["status"].as_str().unwrap_or("");
            if ["completed", "completed_with_errors", "failed"].contains(&status) {
                return body["job"].clone();
            }
            assert!(
                started.elapsed() < limit,
                "the job never ended: {body}\n{}",
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Seconds until `/readyz` answers 200 again.
    pub async fn seconds_until_ready(&self, since: Instant) -> f64 {
        loop {
            let r = self
                .client
                .get(format!("http://127.0.0.1:{}/readyz", self.port))
                .send()
                .await;
            if r.is_ok_and(|r| r.status() == 200) {
                return since.elapsed().as_secs_f64();
            }
            assert!(
                since.elapsed() < Duration::from_secs(60),
                "never ready again\n{}",
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Checks the job ended `completed` with every page processed and debited once, and
    /// returns (pages failed, double debits) for the figures.
    pub async fn check_exactly_once(&self, job: &str) -> (i64, i64) {
        let done = self.wait_terminal(job, Duration::from_secs(240)).await;
        let meta: Arc<dyn MetaStore> = plansift_store::open::open_meta(&self.backends, &self.data)
            .await
            .unwrap();
        let org = meta.org_by_name("default").await.unwrap().unwrap();
        let ledger = meta.ledger(&org.id).await.unwrap();
        let debits = ledger
            .iter()
            .filter(|e| e.job_id.as_deref() == Some(job) && e.kind == "debit")
            .count() as i64;
        let pages = meta.job_pages(job).await.unwrap();
        let failed = done["failedPageCount"].as_i64().unwrap();
        assert_eq!(done["status"], "completed", "{done}\n{}", self.log_tail());
        assert_eq!(done["pageCount"], BOOK_PAGES);
        assert_eq!(done["successfulPageCount"], BOOK_PAGES);
        assert_eq!(failed, 0);
        assert_eq!(debits, BOOK_PAGES, "one debit a page");
        assert!(
            pages
                .iter()
                .all(|p| p.status == "done" && p.analysis.is_some())
        );
        assert_eq!(meta.balance(&org.id).await.unwrap().reserved, 0);
        (failed, debits - BOOK_PAGES)
    }
}

/// A small one-page PDF whose text makes it unique.
pub fn small_pdf(text: &str) -> Vec<u8> {
    let content = format!("BT /F1 24 Tf 72 700 Td ({text}) Tj ET");
    crate::common::pdf(
        &[
            b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>".to_vec(),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
            format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()).into_bytes(),
        ],
        "",
    )
}

/// What the probes saw while a fault lasted.
#[derive(Default)]
pub struct Observed {
    /// (what, status) of every API answer.
    pub answers: Vec<(&'static str, u16)>,
    /// Statuses of `/readyz`.
    pub readiness: Vec<u16>,
    /// Uploads answered 200: (document id, sha256 of the bytes sent).
    pub acknowledged: Vec<(String, String)>,
}

impl Observed {
    /// Every answer was 2xx, 503 or 507; the fault showed (a 503 or 507 answer and a
    /// readiness 503); a one-line summary for the figures.
    pub fn check(&self, scenario: &str) -> String {
        let bad: Vec<_> = self
            .answers
            .iter()
            .filter(|(_, s)| !((200..300).contains(s) || *s == 503 || *s == 507))
            .collect();
        assert!(
            bad.is_empty(),
            "{scenario}: answers other than 2xx/503/507 during the fault: {bad:?}"
        );
        assert!(
            self.answers.iter().any(|(_, s)| *s == 503 || *s == 507),
            "{scenario}: no answer showed the fault: {:?}",
            self.answers
        );
        assert!(
            self.readiness.contains(&503),
            "{scenario}: readiness never reported the fault: {:?}",
            self.readiness
        );
        assert!(
            self.readiness.iter().all(|s| *s == 200 || *s == 503),
            "{scenario}: readiness answered {:?}",
            self.readiness
        );
        let count = |f: &dyn Fn(u16) -> bool| self.answers.iter().filter(|(_, s)| f(*s)).count();
        format!(
            "{} API answers during the fault: {} 2xx, {} 503, {} 507; readiness 503 {} of {} times; {} uploads acknowledged",
            self.answers.len(),
            count(&|s| (200..300).contains(&s)),
            count(&|s| s == 503),
            count(&|s| s == 507),
            self.readiness.iter().filter(|s| **s == 503).count(),
            self.readiness.len(),
            self.acknowledged.len()
        )
    }
}

/// Probes the API while a fault lasts: reads of the job and the project, creating a project,
/// an upload of a small unique PDF to `upload_job` every other round, and `/readyz`.
pub struct Probe {
    stop: Arc<std::sync::atomic::AtomicBool>,
    task: tokio::task::JoinHandle<()>,
    observed: Arc<Mutex<Observed>>,
}

impl Probe {
    pub fn start(api: &Api, job: &str, upload_job: &str) -> Probe {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let observed: Arc<Mutex<Observed>> = Default::default();
        let s = api.clone();
        let (job, upload_job) = (job.to_string(), upload_job.to_string());
        let (stop2, observed2) = (stop.clone(), observed.clone());
        let task = tokio::spawn(async move {
            let mut round = 0u32;
            while !stop2.load(std::sync::atomic::Ordering::Relaxed) {
                round += 1;
                let (a, _) = s
                    .call(reqwest::Method::GET, &format!("/jobs/{job}"), None)
                    .await;
                let (b, _) = s
                    .call(
                        reqwest::Method::GET,
                        &format!("/projects/{}", s.project),
                        None,
                    )
                    .await;
                let (c, _) = s
                    .call(
                        reqwest::Method::POST,
                        "/projects",
                        Some(json!({ "name": format!("probe {round}") })),
                    )
                    .await;
                let ready = s
                    .client
                    .get(format!("http://127.0.0.1:{}/readyz", s.port))
                    .send()
                    .await
                    .map_or(0, |r| r.status().as_u16());
                let mut upload = None;
                if round % 2 == 1 && round < 60 {
                    let bytes = small_pdf(&format!("PROBE {round} {}", ulid::Ulid::new()));
                    let sha = hex::encode(Sha256::digest(&bytes));
                    let (status, body) = s
                        .upload(&upload_job, &[(format!("probe-{round}.pdf"), bytes)])
                        .await;
                    let id = body["uploads"][0]["documentId"]
                        .as_str()
                        .map(str::to_string);
                    upload = Some((status, id.map(|id| (id, sha))));
                }
                {
                    let mut o = observed2.lock().unwrap();
                    o.answers
                        .extend([("GET job", a), ("GET project", b), ("POST project", c)]);
                    o.readiness.push(ready);
                    if let Some((status, ack)) = upload {
                        o.answers.push(("POST files", status));
                        if status == 200 {
                            o.acknowledged.extend(ack);
                        }
                    }
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        });
        Probe {
            stop,
            task,
            observed,
        }
    }

    pub async fn finish(self) -> Observed {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.task.await.unwrap();
        std::mem::take(&mut *self.observed.lock().unwrap())
    }
}

/// Completes the probes' job and checks every acknowledged upload is in its result, with the
/// bytes that were sent, and processed.
pub async fn check_acknowledged(server: &Api, upload_job: &str, acknowledged: &[(String, String)]) {
    // An outage long enough refuses every upload of the probes: there is nothing to check.
    if acknowledged.is_empty() {
        return;
    }
    server.complete(upload_job).await;
    let done = server
        .wait_terminal(upload_job, Duration::from_secs(120))
        .await;
    assert_eq!(done["status"], "completed", "{done}");
    let (status, result) = server
        .call(
            reqwest::Method::GET,
            &format!("/jobs/{upload_job}/result"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{result}");
    let documents = result["documents"].as_array().unwrap();
    for (id, sha) in acknowledged {
        let d = documents
            .iter()
            .find(|d| d["documentId"] == id.as_str())
            .unwrap_or_else(|| panic!("acknowledged upload {id} is lost"));
        assert_eq!(d["sha256"], sha.as_str());
        assert_eq!(d["status"], "completed", "{d}");
    }
}

/// Prints a scenario's figures as a `faults:` line on the test's stderr, past the test
/// harness's capture (which takes only `eprintln!`), so scripts/test.sh's log keeps them.
pub fn report(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "faults: {line}");
}
