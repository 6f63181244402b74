//! Scale-out on real services: one `serve --no-workers` process and three `plansift worker`
//! processes share PostgreSQL and an S3-compatible store (both started by scripts/services.sh).
//! A job of several documents and over 400 pages spreads over the workers; one worker is
//! SIGKILLed in the middle, then the API process is SIGKILLed and started again. The job still
//! completes with every page processed and debited exactly once and the ledger balanced.

mod common;

use common::corpus_path;
use common::process::{Process, free_port, wait_ready};
use plansift_store::MetaStore;
use plansift_store::open::Backends;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Slow pages first (scans read by OCR, drawings), then the fast spec pages: the job is still
/// young when the kills come.
const FILES: &[(&str, &str)] = &[
    (
        "derived_raster/M01-17-ITS-Tolling-2b_raster150.pdf",
        "plans",
    ),
    ("derived_raster/E201A_raster150.pdf", "plans"),
    (
        "wsdot_plansheet/Pages from M01-17-ITS-Tolling-2b.pdf",
        "plans",
    ),
    ("opentakeoff/sample-finish-plan.pdf", "plans"),
    (
        "spectAIchallenge/233000 HVAC Air Distribution (Long).pdf",
        "specifications",
    ),
    (
        "spec_test_suite/2024-09-11 Project Manual SC Justice Center Remodel.pdf",
        "specifications",
    ),
];
const TOTAL_PAGES: i64 = 4 + 1 + 4 + 2 + 30 + 380;

fn plansift(backends: &Backends, data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_plansift"));
    c.env(
        "PLANSIFT_DATABASE_URL",
        backends.database_url.as_ref().unwrap(),
    )
    .env("PLANSIFT_BLOB_URL", backends.blob_url.as_ref().unwrap())
    .env("PLANSIFT_DATA_DIR", data)
    .env("PLANSIFT_LOG", "warn");
    c
}

fn start_api(backends: &Backends, data: &Path, port: u16) -> Process {
    let child = plansift(backends, data)
        .args(["serve", "--no-workers", "--listen"])
        .arg(format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Process(child)
}

fn start_worker(backends: &Backends, data: &Path, port: u16, api_port: u16) -> Process {
    let child = plansift(backends, data)
        .args(["worker", "--workers", "1", "--task-lease-secs", "2"])
        .args(["--pages-per-task", "4", "--listen"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("--public-url")
        .arg(format!("http://127.0.0.1:{api_port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Process(child)
}

async fn call(
    client: &reqwest::Client,
    key: &str,
    method: reqwest::Method,
    url: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut r = client.request(method, url).bearer_auth(key);
    if let Some(body) = body {
        r = r.json(&body);
    }
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// Pages of the job committed so far, read from the database (works while the API is down).
async fn pages_done(meta: &dyn MetaStore, job: &str) -> i64 {
    meta.job_pages(job)
        .await
        .unwrap()
        .iter()
        .filter(|p| p.status != "pending")
        .count() as i64
}

async fn wait_pages(meta: &dyn MetaStore, job: &str, at_least: i64) -> i64 {
    let started = Instant::now();
    loop {
        let done = pages_done(meta, job).await;
        if done >= at_least {
            return done;
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "stuck at {done} pages"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `plansift_pages_processed_total{outcome="ok"}` of a worker.
async fn worker_pages(client: &reqwest::Client, port: u16) -> u64 {
    let text = client
        .get(format!("http://127.0.0.1:{port}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("plansift_pages_processed_total{outcome=\"ok\"} "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_and_the_api_die_and_the_job_still_ends_exactly_once() {
    let backends = Backends {
        database_url: Some(plansift_store::testing::fresh_database_url()),
        blob_url: Some(plansift_store::testing::fresh_blob_url()),
    };
    let dirs: Vec<tempfile::TempDir> = (0..4).map(|_| tempfile::tempdir().unwrap()).collect();
    let client = reqwest::Client::new();
    let api_port = free_port();
    let mut api = start_api(&backends, dirs[0].path(), api_port);
    wait_ready(&client, api_port).await;

    // The worker processes answer health and metrics, and nothing of the API.
    let worker_ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
    let mut workers: Vec<Process> = worker_ports
        .iter()
        .enumerate()
        .map(|(i, port)| start_worker(&backends, dirs[i + 1].path(), *port, api_port))
        .collect();
    for port in &worker_ports {
        wait_ready(&client, *port).await;
    }
    let r = client
        .get(format!(
            "http://127.0.0.1:{}/api/open/v1/projects",
            worker_ports[0]
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "a worker serves no API");

    let out = plansift(&backends, dirs[0].path())
        .args(["keys", "create", "--label", "scale-out"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let base = format!("http://127.0.0.1:{api_port}/api/open/v1");
    let post = reqwest::Method::POST;
    let (status, project) = call(
        &client,
        &key,
        post.clone(),
        &format!("{base}/projects"),
        Some(json!({ "name": "Scale-out" })),
    )
    .await;
    assert_eq!(status, 202, "{project}");
    let project = project["project"]["id"].as_str().unwrap().to_string();
    // Provisioning is a task: the workers, not the API process, make the project ready.
    let started = Instant::now();
    while call(
        &client,
        &key,
        reqwest::Method::GET,
        &format!("{base}/projects/{project}"),
        None,
    )
    .await
    .1["project"]["status"]
        != "ready"
    {
        assert!(started.elapsed() < Duration::from_secs(60));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (status, job) = call(
        &client,
        &key,
        post.clone(),
        &format!("{base}/projects/{project}/jobs"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 202, "{job}");
    let job = job["job"]["id"].as_str().unwrap().to_string();

    let mut files = Vec::new();
    let mut parts = Vec::new();
    let mut originals = Vec::new();
    for (i, (path, classification)) in FILES.iter().enumerate() {
        let bytes = std::fs::read(corpus_path(path)).unwrap();
        let name = format!("file{i}.pdf");
        files.push(json!({ "partName": format!("file{i}"), "fileName": name,
            "contentType": "application/pdf", "classification": classification,
            "sha256": hex::encode(Sha256::digest(&bytes)) }));
        originals.push(hex::encode(Sha256::digest(&bytes)));
        parts.push((
            format!("file{i}"),
            reqwest::multipart::Part::bytes(bytes).file_name(name),
        ));
    }
    let mut form =
        reqwest::multipart::Form::new().text("metadata", json!({ "files": files }).to_string());
    for (name, part) in parts {
        form = form.part(name, part);
    }
    let r = client
        .post(format!("{base}/jobs/{job}/files"))
        .bearer_auth(&key)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let (status, body) = call(
        &client,
        &key,
        post.clone(),
        &format!("{base}/jobs/{job}/uploads/complete"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 202, "{body}");

    let (meta, blobs) = {
        let d = dirs[0].path();
        let meta: Arc<dyn MetaStore> = plansift_store::open::open_meta(&backends, d).await.unwrap();
        (
            meta,
            plansift_store::open::open_blobs(&backends, d)
                .await
                .unwrap(),
        )
    };

    // A worker dies with its task half done: its lease lapses and another worker takes it.
    let killed_worker_at = wait_pages(meta.as_ref(), &job, 3).await;
    workers[0].kill();
    assert!(
        killed_worker_at < TOTAL_PAGES,
        "the job ended before the kill"
    );

    // The API process dies: the workers go on without it.
    let killed_api_at = wait_pages(meta.as_ref(), &job, killed_worker_at + 6).await;
    api.kill();
    assert!(killed_api_at < TOTAL_PAGES, "the job ended before the kill");
    wait_pages(meta.as_ref(), &job, killed_api_at + 4).await;
    let mut api = start_api(&backends, dirs[0].path(), api_port);
    wait_ready(&client, api_port).await;

    let started = Instant::now();
    let done = loop {
        let (_, body) = call(
            &client,
            &key,
            reqwest::Method::GET,
            &format!("{base}/jobs/{job}"),
            None,
        )
        .await;
        let status = body["job"]["status"].as_str().unwrap_or("").to_string();
        if ["completed", "completed_with_errors", "failed"].contains(&status.as_str()) {
            break body["job"].clone();
        }
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "the job never ended: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["pageCount"], TOTAL_PAGES);
    assert_eq!(done["successfulPageCount"], TOTAL_PAGES);
    assert_eq!(done["failedPageCount"], 0);

    // Every page processed once and debited once; the reservation fully settled.
    let org = meta.org_by_name("default").await.unwrap().unwrap();
    let ledger = meta.ledger(&org.id).await.unwrap();
    let of_job: Vec<_> = ledger
        .iter()
        .filter(|e| e.job_id.as_deref() == Some(job.as_str()))
        .collect();
    let debits: Vec<_> = of_job.iter().filter(|e| e.kind == "debit").collect();
    assert_eq!(debits.len() as i64, TOTAL_PAGES, "one debit a page");
    // A reserve moves credits from available to reserved, a debit takes them from reserved,
    // the release gives back what was not used: what left `available` is what was debited.
    let debited: i64 = -of_job.iter().map(|e| e.available_delta).sum::<i64>();
    assert_eq!(
        -debits.iter().map(|e| e.reserved_delta).sum::<i64>(),
        debited
    );
    assert_eq!(done["billing"]["creditsDebited"], debited);
    assert_eq!(of_job.iter().map(|e| e.reserved_delta).sum::<i64>(), 0);
    let balance = meta.balance(&org.id).await.unwrap();
    assert_eq!(balance.reserved, 0);
    assert_eq!(
        balance.available,
        ledger.iter().map(|e| e.available_delta).sum::<i64>(),
        "the balance is the sum of the ledger"
    );
    assert_eq!(
        balance.available,
        plansift_server::app::BOOTSTRAP_GRANT - debited
    );
    let pages = meta.job_pages(&job).await.unwrap();
    assert_eq!(pages.len() as i64, TOTAL_PAGES);
    assert!(
        pages
            .iter()
            .all(|p| p.status == "done" && p.analysis.is_some())
    );

    // The surviving workers both did part of the job.
    let mut by_worker = Vec::new();
    for port in &worker_ports[1..] {
        let n = worker_pages(&client, *port).await;
        assert!(n > 0, "worker on {port} processed no page");
        by_worker.push(n);
    }
    let db = sqlx::PgPool::connect(backends.database_url.as_ref().unwrap())
        .await
        .unwrap();
    let retried: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks WHERE attempts > 1")
        .fetch_one(&db)
        .await
        .unwrap();
    eprintln!(
        "scale-out: {TOTAL_PAGES} pages in {} documents; worker killed at {killed_worker_at} pages, \
         API killed at {killed_api_at} and restarted; surviving workers processed {by_worker:?} \
         pages; {retried} tasks claimed again after a lapsed lease; {} debits",
        FILES.len(),
        debits.len()
    );

    // The result is whole and the originals are intact in the object store.
    let (status, result) = call(
        &client,
        &key,
        reqwest::Method::GET,
        &format!("{base}/jobs/{job}/result"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{result}");
    let documents = result["documents"].as_array().unwrap();
    assert_eq!(documents.len(), FILES.len());
    let sheets: usize = documents
        .iter()
        .map(|d| d["sheets"].as_array().map_or(0, Vec::len))
        .sum();
    assert!(sheets >= 9, "{sheets} sheets");
    for (d, sha) in documents.iter().zip(&originals) {
        let id = d["documentId"].as_str().unwrap();
        let stored = blobs.get(&format!("documents/{id}")).await.unwrap();
        assert_eq!(&hex::encode(Sha256::digest(&stored)), sha);
    }
    api.kill();
    for w in &mut workers {
        w.kill();
    }
}
