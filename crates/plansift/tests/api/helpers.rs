//! `TestApp` and typed helpers over the HTTP API.

use plansift_store::{MetaStore, NewKey};
use plansift_types::Scope;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::time::{Duration, Instant};

pub use crate::common::{corpus_path as corpus, encrypted_pdf};

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// GET with a bearer key: the status and the JSON body (`null` when there is none).
pub async fn get_json(client: &reqwest::Client, url: &str, key: &str) -> (u16, Value) {
    let r = client.get(url).bearer_auth(key).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// POST a JSON body with a bearer key: the status and the JSON body.
pub async fn post_json(
    client: &reqwest::Client,
    url: &str,
    key: &str,
    body: Value,
) -> (u16, Value) {
    let r = client
        .post(url)
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

pub struct TestApp {
    pub base: String,
    pub key: String,
    pub client: reqwest::Client,
    pub app: Option<plansift_server::App>,
    pub data: tempfile::TempDir,
}

pub struct Upload<'a> {
    pub part: &'a str,
    pub name: String,
    pub bytes: Vec<u8>,
    pub classification: Option<&'a str>,
    /// The sha256 declared in metadata; `None` declares none.
    pub sha256: Option<String>,
}

impl<'a> Upload<'a> {
    /// Bytes the test made, with their sha256 declared.
    pub fn bytes(part: &'a str, name: &str, bytes: Vec<u8>, classification: &'a str) -> Upload<'a> {
        Upload {
            part,
            name: name.into(),
            sha256: Some(sha256_hex(&bytes)),
            bytes,
            classification: Some(classification),
        }
    }

    pub fn file(part: &'a str, path: &Path, classification: &'a str) -> Upload<'a> {
        let bytes = std::fs::read(path).unwrap();
        let sha = sha256_hex(&bytes);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        Upload {
            part,
            name,
            bytes,
            classification: Some(classification),
            sha256: Some(sha),
        }
    }
}

/// True when this run of the suite is on PostgreSQL + S3 (`PLANSIFT_TEST_BACKENDS=postgres-s3`,
/// as scripts/test.sh runs it the second time); the embedded default otherwise.
pub fn scale_out() -> bool {
    std::env::var("PLANSIFT_TEST_BACKENDS").is_ok_and(|v| v == "postgres-s3")
}

/// The backends of a test server over `data_dir`: on PostgreSQL + S3, a database and a blob
/// prefix named after the folder, so a server started again over it finds its data.
pub fn backends(data_dir: &Path) -> plansift_store::open::Backends {
    if !scale_out() {
        return Default::default();
    }
    let tag = &sha256_hex(data_dir.to_string_lossy().as_bytes())[..20];
    plansift_store::open::Backends {
        database_url: Some(plansift_store::testing::database_url(&format!("t_{tag}"))),
        blob_url: Some(plansift_store::testing::blob_url(&format!("t-{tag}"))),
    }
}

/// The real binary, on the same backends as a test server over `data_dir`.
pub fn plansift_command(data_dir: &Path) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_plansift"));
    let b = backends(data_dir);
    if let Some(url) = b.database_url {
        command.env("PLANSIFT_DATABASE_URL", url);
    }
    if let Some(url) = b.blob_url {
        command.env("PLANSIFT_BLOB_URL", url);
    }
    command
}

/// The stores of a test server over `data_dir`, opened from outside it.
pub async fn open_stores(
    data_dir: &Path,
) -> (
    std::sync::Arc<dyn MetaStore>,
    std::sync::Arc<dyn plansift_store::BlobStore>,
) {
    let b = backends(data_dir);
    (
        plansift_store::open::open_meta(&b, data_dir).await.unwrap(),
        plansift_store::open::open_blobs(&b, data_dir)
            .await
            .unwrap(),
    )
}

/// Runs one statement on a test server's database, `$1` bound to `id` (the same text on SQLite
/// and PostgreSQL).
pub async fn sql(data_dir: &Path, statement: &str, id: &str) {
    match backends(data_dir).database_url {
        Some(url) => {
            let db = sqlx::PgPool::connect(&url).await.unwrap();
            sqlx::query(statement).bind(id).execute(&db).await.unwrap();
            db.close().await;
        }
        None => {
            let db = sqlx::SqlitePool::connect(&format!(
                "sqlite://{}",
                data_dir.join("plansift.db").display()
            ))
            .await
            .unwrap();
            sqlx::query(statement).bind(id).execute(&db).await.unwrap();
            db.close().await;
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(true).await
}

/// The configuration of a test server on a free loopback port over `data_dir`.
pub fn app_config(data_dir: &Path, workers: bool) -> plansift_server::AppConfig {
    plansift_server::AppConfig {
        data_dir: data_dir.to_path_buf(),
        backends: backends(data_dir),
        api: true,
        listen: "127.0.0.1:0".parse().unwrap(),
        server: plansift_server::ServerConfig {
            public_base_url: String::new(),
            ..Default::default()
        },
        runner: plansift_jobs::RunnerConfig {
            workers: 2,
            pages_per_task: 8,
            poll: Duration::from_millis(50),
            ..Default::default()
        },
        workers,
        admin_token: None,
    }
}

pub async fn spawn_app_with(workers: bool) -> TestApp {
    spawn_app_configured(workers, |_| {}).await
}

/// A test server whose configuration `change` adjusts first.
pub async fn spawn_app_configured(
    workers: bool,
    change: impl FnOnce(&mut plansift_server::AppConfig),
) -> TestApp {
    let data = tempfile::tempdir().unwrap();
    let mut config = app_config(data.path(), workers);
    change(&mut config);
    let app = plansift_server::App::start(config).await.unwrap();
    let base = format!("http://{}/api/open/v1", app.addr);
    let org = app
        .state
        .meta
        .org_by_name("default")
        .await
        .unwrap()
        .unwrap();
    let key = new_key(
        app.state.meta.as_ref(),
        &org.id,
        &[Scope::JobsRead, Scope::JobsWrite, Scope::ArtifactsRead],
    )
    .await;
    TestApp {
        base,
        key,
        client: reqwest::Client::new(),
        app: Some(app),
        data,
    }
}

pub async fn new_key(meta: &dyn MetaStore, org_id: &str, scopes: &[Scope]) -> String {
    let key = plansift_server::auth::generate_key();
    meta.create_key(NewKey {
        org_id: org_id.into(),
        label: "test".into(),
        key_prefix: plansift_server::auth::key_prefix(&key),
        key_hash: plansift_server::auth::hash_key(&key),
        scopes: scopes.to_vec(),
        expires_at: None,
    })
    .await
    .unwrap();
    key
}

impl TestApp {
    pub fn meta(&self) -> &dyn MetaStore {
        self.app.as_ref().unwrap().state.meta.as_ref()
    }

    pub async fn get_as(&self, key: &str, path: &str) -> (u16, Value) {
        get_json(&self.client, &format!("{}{path}", self.base), key).await
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.get_as(&self.key, path).await
    }

    pub async fn post_as(&self, key: &str, path: &str, body: Value) -> (u16, Value) {
        post_json(&self.client, &format!("{}{path}", self.base), key, body).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.post_as(&self.key, path, body).await
    }

    pub async fn create_project(&self, name: &str) -> String {
        let (status, body) = self.post("/projects", json!({ "name": name })).await;
        assert_eq!(status, 202, "{body}");
        let id = body["project"]["id"].as_str().unwrap().to_string();
        let started = Instant::now();
        loop {
            let (_, p) = self.get(&format!("/projects/{id}")).await;
            if p["project"]["status"] == "ready" {
                return id;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "project never became ready"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn create_job(&self, project: &str) -> String {
        let (status, body) = self
            .post(
                &format!("/projects/{project}/jobs"),
                json!({ "externalId": "ext-1" }),
            )
            .await;
        assert_eq!(status, 202, "{body}");
        assert!(
            body["webhookSigningSecret"]
                .as_str()
                .unwrap()
                .starts_with("wss_")
        );
        body["job"]["id"].as_str().unwrap().to_string()
    }

    pub async fn upload_raw(
        &self,
        job: &str,
        metadata: Value,
        uploads: Vec<Upload<'_>>,
    ) -> (u16, Value) {
        let mut form = Form::new().text("metadata", metadata.to_string());
        for u in uploads {
            form = form.part(
                u.part.to_string(),
                Part::bytes(u.bytes)
                    .file_name(u.name.clone())
                    .mime_str("application/pdf")
                    .unwrap(),
            );
        }
        let r = self
            .client
            .post(format!("{}/jobs/{job}/files", self.base))
            .bearer_auth(&self.key)
            .multipart(form)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn upload(&self, job: &str, uploads: Vec<Upload<'_>>) -> (u16, Value) {
        let files: Vec<Value> = uploads
            .iter()
            .map(|u| {
                let mut f = json!({ "partName": u.part, "fileName": u.name, "contentType": "application/pdf" });
                if let Some(c) = u.classification {
                    f["classification"] = json!(c);
                }
                if let Some(s) = &u.sha256 {
                    f["sha256"] = json!(s);
                }
                f
            })
            .collect();
        self.upload_raw(job, json!({ "files": files }), uploads)
            .await
    }

    pub async fn complete(&self, job: &str) -> (u16, Value) {
        let r = self
            .client
            .post(format!("{}/jobs/{job}/uploads/complete", self.base))
            .bearer_auth(&self.key)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// A project, a job with `uploads`, complete, and the finished job and its result.
    pub async fn run_job(
        &self,
        project_name: &str,
        uploads: Vec<Upload<'_>>,
    ) -> (String, Value, Value) {
        let project = self.create_project(project_name).await;
        let job = self.create_job(&project).await;
        let (status, body) = self.upload(&job, uploads).await;
        assert_eq!(status, 200, "{body}");
        let (status, body) = self.complete(&job).await;
        assert_eq!(status, 202, "{body}");
        let done = self.wait_job(&job).await;
        let (_, result) = self.get(&format!("/jobs/{job}/result")).await;
        (job, done, result)
    }

    /// The statuses of a job's event history, in order.
    pub async fn event_statuses(&self, job: &str) -> Vec<String> {
        let (_, events) = self.get(&format!("/jobs/{job}/events")).await;
        events["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["status"].as_str().unwrap().to_string())
            .collect()
    }

    /// The server's origin (scheme, host and port).
    pub fn origin(&self) -> String {
        self.base.trim_end_matches("/api/open/v1").to_string()
    }

    /// The same server through another key (the returned value does not own the server).
    pub fn with_key(other: &TestApp, key: &str) -> TestApp {
        TestApp {
            base: other.base.clone(),
            key: key.to_string(),
            client: other.client.clone(),
            app: None,
            data: tempfile::tempdir().unwrap(),
        }
    }

    /// Polls the job until it reaches `status`.
    pub async fn wait_status(&self, job: &str, status: &str) -> Value {
        let started = Instant::now();
        loop {
            let (_, body) = self.get(&format!("/jobs/{job}")).await;
            if body["job"]["status"] == status {
                return body["job"].clone();
            }
            assert!(started.elapsed() < Duration::from_secs(60), "{body}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn wait_job(&self, job: &str) -> Value {
        wait_terminal(
            &self.client,
            &self.base,
            &self.key,
            job,
            Duration::from_secs(300),
        )
        .await
    }
}

pub async fn wait_terminal(
    client: &reqwest::Client,
    base: &str,
    key: &str,
    job: &str,
    limit: Duration,
) -> Value {
    let started = Instant::now();
    loop {
        if let Ok(r) = client
            .get(format!("{base}/jobs/{job}"))
            .bearer_auth(key)
            .send()
            .await
            && let Ok(body) = r.json::<Value>().await
        {
            let status = body["job"]["status"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            if [
                "completed",
                "completed_with_errors",
                "failed",
                "cancelled",
                "expired",
            ]
            .contains(&status.as_str())
            {
                return body["job"].clone();
            }
        }
        assert!(
            started.elapsed() < limit,
            "job {job} did not finish in {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
