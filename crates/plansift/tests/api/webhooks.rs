//! Webhooks (API.md §7) to a receiver on loopback: every event delivered in sequence order,
//! exactly once answered 2xx per event id, through failures, and every signature verified by
//! the Standard Webhooks reference library (Python, installed by scripts/setup.sh --test).

use crate::helpers::*;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the receiver saw: headers, body and the status it answered.
#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<(HeaderMap, String, u16)>>>);

/// A receiver on a free loopback port that answers `answer(n)` to its n-th request (0-based).
async fn receiver(answer: fn(usize) -> u16) -> (String, Received) {
    let received = Received::default();
    let log = received.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let log = log.clone();
            async move {
                let mut seen = log.0.lock().unwrap();
                let status = answer(seen.len());
                seen.push((headers, body, status));
                StatusCode::from_u16(status).unwrap()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}

async fn webhook_app() -> TestApp {
    spawn_app_configured(true, |c| {
        c.server.webhook_allow_http = true;
        c.server.webhook_allow_private = true;
        c.server.webhook_retry_scale = 0.001;
    })
    .await
}

/// A job with a webhook run to the end: (job id, signing secret).
async fn job_with_webhook(app: &TestApp, url: &str) -> (String, String) {
    let project = app
        .create_project(&format!("Hooks {}", ulid::Ulid::new()))
        .await;
    let (status, body) = app
        .post(
            &format!("/projects/{project}/jobs"),
            json!({ "webhookUrl": url }),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    let job = body["job"]["id"].as_str().unwrap().to_string();
    let secret = body["webhookSigningSecret"].as_str().unwrap().to_string();
    let spec = corpus("spectAIchallenge/271500 (Medium).pdf");
    let (status, _) = app
        .upload(&job, vec![Upload::file("file0", &spec, "specifications")])
        .await;
    assert_eq!(status, 200);
    app.complete(&job).await;
    assert_eq!(app.wait_job(&job).await["status"], "completed");
    (job, secret)
}

/// Polls the deliveries until none is pending.
async fn settled(app: &TestApp, job: &str) -> Vec<Value> {
    let started = Instant::now();
    loop {
        let (_, body) = app.get(&format!("/jobs/{job}/webhook-deliveries")).await;
        let list = body["deliveries"].as_array().unwrap().clone();
        if !list.is_empty() && list.iter().all(|d| d["status"] != "pending") {
            return list;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "{body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn every_event_arrives_once_in_order_signed_through_failures() {
    let app = webhook_app().await;
    let (url, received) = receiver(|n| if n < 3 { 500 } else { 204 }).await;
    let (job, secret) = job_with_webhook(&app, &url).await;
    let deliveries = settled(&app, &job).await;
    let statuses: Vec<&str> = deliveries
        .iter()
        .map(|d| d["status"].as_str().unwrap())
        .collect();
    assert!(statuses.iter().all(|s| *s == "delivered"), "{deliveries:?}");

    let seen = received.0.lock().unwrap().clone();
    assert_eq!(
        seen.len(),
        deliveries.len() + 3,
        "three failures, then one each"
    );
    let accepted: Vec<&(HeaderMap, String, u16)> = seen.iter().filter(|r| r.2 == 204).collect();
    let ids: Vec<&str> = accepted
        .iter()
        .map(|r| r.0["webhook-id"].to_str().unwrap())
        .collect();
    let unique: std::collections::HashSet<&&str> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "an event was accepted twice");
    let sequences: Vec<i64> = accepted
        .iter()
        .map(|r| {
            serde_json::from_str::<Value>(&r.1).unwrap()["data"]["sequence"]
                .as_i64()
                .unwrap()
        })
        .collect();
    assert_eq!(sequences, (1..=deliveries.len() as i64).collect::<Vec<_>>());
    let last: Value = serde_json::from_str(&accepted.last().unwrap().1).unwrap();
    assert_eq!(last["type"], "job.status_changed");
    assert_eq!(last["data"]["job"]["id"], job);
    assert_eq!(last["data"]["job"]["status"], "completed");
    assert_eq!(last["data"]["previousStatus"], "processing");
    // The first event was tried four times.
    assert_eq!(deliveries[0]["attempt"], 4);

    // Every request, failed or not, verifies with the reference library.
    let dump: Vec<Value> = seen
        .iter()
        .map(|(h, body, _)| {
            let headers: serde_json::Map<String, Value> =
                ["webhook-id", "webhook-timestamp", "webhook-signature"]
                    .iter()
                    .map(|k| (k.to_string(), json!(h[*k].to_str().unwrap())))
                    .collect();
            json!({ "headers": headers, "body": body })
        })
        .collect();
    let file = app.data.path().join("deliveries.json");
    std::fs::write(&file, serde_json::to_vec(&dump).unwrap()).unwrap();
    let py_path = std::path::Path::new(&std::env::var("HOME").unwrap()).join(".cache/plansift-py");
    let out = std::process::Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/support/verify_webhooks.py"
        ))
        .arg(&file)
        .arg(&secret)
        .env("PYTHONPATH", py_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "standardwebhooks refused a delivery (is scripts/setup.sh --test run?): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        seen.len().to_string()
    );
}

#[tokio::test]
async fn a_410_stops_the_jobs_deliveries() {
    let app = webhook_app().await;
    let (url, received) = receiver(|_| 410).await;
    let (job, _) = job_with_webhook(&app, &url).await;
    let deliveries = settled(&app, &job).await;
    assert!(
        deliveries.iter().all(|d| d["status"] == "failed"),
        "{deliveries:?}"
    );
    assert_eq!(deliveries[0]["responseStatus"], 410);
    // Only the first event was ever sent.
    assert_eq!(received.0.lock().unwrap().len(), 1);
}

/// Events not yet delivered when the server stops are delivered after it starts again.
#[tokio::test]
async fn deliveries_survive_a_restart() {
    use std::sync::atomic::{AtomicBool, Ordering};
    static UP: AtomicBool = AtomicBool::new(false);
    let mut app = webhook_app().await;
    let (url, received) = receiver(|_| if UP.load(Ordering::SeqCst) { 200 } else { 503 }).await;
    let (job, _) = job_with_webhook(&app, &url).await;
    // While the receiver is down, nothing is delivered.
    let (_, body) = app.get(&format!("/jobs/{job}/webhook-deliveries")).await;
    assert!(
        body["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["status"] == "pending")
    );
    app.app.take().unwrap().stop().await.unwrap();

    UP.store(true, Ordering::SeqCst);
    let mut config = app_config(app.data.path(), true);
    config.server.webhook_allow_http = true;
    config.server.webhook_allow_private = true;
    config.server.webhook_retry_scale = 0.001;
    let restarted = plansift_server::App::start(config).await.unwrap();
    app.base = format!("http://{}/api/open/v1", restarted.addr);
    let deliveries = settled(&app, &job).await;
    assert!(
        deliveries.iter().all(|d| d["status"] == "delivered"),
        "{deliveries:?}"
    );
    let accepted = received
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.2 == 200)
        .count();
    assert_eq!(accepted, deliveries.len());
    restarted.stop().await.unwrap();
}
