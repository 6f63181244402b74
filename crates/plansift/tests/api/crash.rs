//! Kill the real server with SIGKILL while a job is processing, start it again: the job
//! finishes with every page processed and debited once, the ledger balanced, the upload intact.
//! And while a multipart upload is half done: the parts already sent survive.

use crate::common::process::{Process, free_port, wait_ready};
use crate::helpers::*;
use serde_json::{Value, json};
use std::process::Stdio;
use std::time::{Duration, Instant};

fn start(data: &std::path::Path, port: u16) -> Process {
    let child = plansift_command(data)
        .args(["serve", "--data-dir"])
        .arg(data)
        .args([
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--task-lease-secs",
            "2",
            "--pages-per-task",
            "4",
            "--workers",
            "1",
        ])
        .env("PLANSIFT_LOG", "warn")
        // Files over 512 KiB register as multipart in 256 KiB parts.
        .env("PLANSIFT_MULTIPART_THRESHOLD", "524288")
        .env("PLANSIFT_MULTIPART_PART_SIZE", "262144")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Process(child)
}

/// A key made with the CLI, a ready project and a job on the server at `port`: (key, API base,
/// job id).
async fn key_project_job(
    client: &reqwest::Client,
    data: &std::path::Path,
    port: u16,
) -> (String, String, String) {
    let out = plansift_command(data)
        .args(["keys", "create", "--data-dir"])
        .arg(data)
        .args(["--label", "crash", "--scopes", "jobs:read,jobs:write"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let key = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(key.starts_with("pgk_live_"));

    let base = format!("http://127.0.0.1:{port}/api/open/v1");
    let (status, project) = post_json(
        client,
        &format!("{base}/projects"),
        &key,
        json!({ "name": "Crash" }),
    )
    .await;
    assert_eq!(status, 202, "{project}");
    let project = project["project"]["id"].as_str().unwrap().to_string();
    while get_json(client, &format!("{base}/projects/{project}"), &key)
        .await
        .1["project"]["status"]
        != "ready"
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (status, job) = post_json(
        client,
        &format!("{base}/projects/{project}/jobs"),
        &key,
        json!({}),
    )
    .await;
    assert_eq!(status, 202, "{job}");
    let job = job["job"]["id"].as_str().unwrap().to_string();
    (key, base, job)
}

#[tokio::test]
async fn sigkill_during_processing_loses_and_repeats_nothing() {
    let data = tempfile::tempdir().unwrap();
    let client = reqwest::Client::new();
    let port = free_port();
    let mut server = start(data.path(), port);
    wait_ready(&client, port).await;
    let (key, base, job) = key_project_job(&client, data.path(), port).await;
    let book = std::fs::read(corpus(
        "spec_test_suite/2024-09-11 Project Manual SC Justice Center Remodel.pdf",
    ))
    .unwrap();
    let metadata = json!({ "files": [{ "partName": "file0", "fileName": "manual.pdf", "contentType": "application/pdf", "sha256": sha256_hex(&book) }] });
    let form = reqwest::multipart::Form::new()
        .text("metadata", metadata.to_string())
        .part(
            "file0",
            reqwest::multipart::Part::bytes(book.clone()).file_name("manual.pdf"),
        );
    let up: Value = client
        .post(format!("{base}/jobs/{job}/files"))
        .bearer_auth(&key)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let doc_id = up["uploads"][0]["documentId"].as_str().unwrap().to_string();
    let (status, _) = post_json(
        &client,
        &format!("{base}/jobs/{job}/uploads/complete"),
        &key,
        json!({}),
    )
    .await;
    assert_eq!(status, 202);

    // Kill while pages are being committed.
    let started = Instant::now();
    let killed_at = loop {
        let (_, body) = get_json(&client, &format!("{base}/jobs/{job}"), &key).await;
        let done = body["job"]["progress"]["pagesDone"].as_i64().unwrap_or(0);
        if done >= 8 {
            server.kill();
            break done;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "processing never started"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert!(
        killed_at < 380,
        "the job finished before the kill ({killed_at} pages)"
    );

    let port = free_port();
    let mut server = start(data.path(), port);
    wait_ready(&client, port).await;
    let base = format!("http://127.0.0.1:{port}/api/open/v1");
    let done = wait_terminal(&client, &base, &key, &job, Duration::from_secs(300)).await;
    server.kill();

    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["pageCount"], 380);
    assert_eq!(done["successfulPageCount"], 380);
    assert_eq!(done["failedPageCount"], 0);
    assert_eq!(done["billing"]["creditsDebited"], 380);

    let (meta, blobs) = open_stores(data.path()).await;
    let org = meta.org_by_name("default").await.unwrap().unwrap();
    let ledger = meta.ledger(&org.id).await.unwrap();
    let entries: Vec<_> = ledger
        .iter()
        .filter(|e| e.job_id.as_deref() == Some(job.as_str()))
        .collect();
    assert_eq!(entries.iter().filter(|e| e.kind == "reserve").count(), 1);
    assert_eq!(
        entries.iter().filter(|e| e.kind == "debit").count(),
        380,
        "every page debited exactly once"
    );
    assert_eq!(
        entries.iter().map(|e| e.reserved_delta).sum::<i64>(),
        0,
        "reservation fully debited or released"
    );
    assert_eq!(entries.iter().map(|e| e.available_delta).sum::<i64>(), -380);
    let balance = meta.balance(&org.id).await.unwrap();
    assert_eq!(balance.reserved, 0);
    assert_eq!(
        balance.available,
        plansift_server::app::BOOTSTRAP_GRANT - 380
    );
    let pages = meta.job_pages(&job).await.unwrap();
    assert_eq!(pages.len(), 380);
    assert!(
        pages
            .iter()
            .all(|p| p.status == "done" && p.analysis.is_some())
    );

    let stored = blobs.get(&format!("documents/{doc_id}")).await.unwrap();
    assert_eq!(
        sha256_hex(&stored),
        sha256_hex(&book),
        "the upload is intact"
    );
}

/// SIGKILL in the middle of a multipart upload: the parts already uploaded survive the restart
/// and the client finishes the upload with the same registration.
#[tokio::test]
async fn sigkill_during_a_multipart_upload_keeps_the_parts_already_sent() {
    let data = tempfile::tempdir().unwrap();
    let client = reqwest::Client::new();
    let port = free_port();
    let mut server = start(data.path(), port);
    wait_ready(&client, port).await;
    let (key, base, job) = key_project_job(&client, data.path(), port).await;
    let book = std::fs::read(corpus(
        "spec_test_suite/2024-09-11 Project Manual SC Justice Center Remodel.pdf",
    ))
    .unwrap();
    let (status, reg) = post_json(
        &client,
        &format!("{base}/jobs/{job}/uploads"),
        &key,
        json!({ "files": [{ "fileName": "manual.pdf", "contentType": "application/pdf",
            "fileSize": book.len(), "sha256": sha256_hex(&book) }] }),
    )
    .await;
    assert_eq!(status, 200, "{reg}");
    let upload = reg["uploads"][0].clone();
    assert_eq!(upload["uploadMode"], "multipart");
    let parts = upload["parts"].as_array().unwrap().clone();
    assert_eq!(parts.len(), 5);
    let put = |p: &Value| {
        let (a, b) = (
            p["byteStart"].as_u64().unwrap() as usize,
            p["byteEnd"].as_u64().unwrap() as usize,
        );
        client
            .put(p["uploadUrl"].as_str().unwrap())
            .body(book[a..b].to_vec())
            .send()
    };
    let mut etags = Vec::new();
    for p in &parts[..3] {
        let r = put(p).await.unwrap();
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.unwrap();
        etags.push(json!({ "partNumber": p["partNumber"], "etag": body["etag"] }));
    }
    server.kill();

    let _server = start(data.path(), port);
    wait_ready(&client, port).await;
    // Complete now names what is missing; the parts sent before the kill are not asked again.
    let (status, body) = post_json(
        &client,
        &format!("{base}/jobs/{job}/uploads/complete"),
        &key,
        json!({ "multipartUploads": [{ "documentId": upload["documentId"], "uploadToken": upload["uploadToken"], "parts": etags }] }),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "upload_incomplete");
    for p in &parts[3..] {
        let r = put(p).await.unwrap();
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.unwrap();
        etags.push(json!({ "partNumber": p["partNumber"], "etag": body["etag"] }));
    }
    let (status, body) = post_json(
        &client,
        &format!("{base}/jobs/{job}/uploads/complete"),
        &key,
        json!({ "multipartUploads": [{ "documentId": upload["documentId"], "uploadToken": upload["uploadToken"], "parts": etags }] }),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    let done = wait_terminal(&client, &base, &key, &job, Duration::from_secs(300)).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["pageCount"], 380);
}
