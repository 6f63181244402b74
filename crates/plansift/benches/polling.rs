//! 500 clients polling `GET /jobs/{id}` for 30 seconds on loopback, each with a key of its own
//! (so the per-key rate limit applies to each as it would in production): counts answers by
//! status, and prints p50 / p99 / max latency. Anything but 200 and 429 is an error.
//!
//!     cargo bench -p plansift --bench polling     # PLANSIFT_BENCH_CLIENTS, PLANSIFT_BENCH_SECS

use plansift_store::NewKey;
use plansift_types::Scope;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let clients = env_or("PLANSIFT_BENCH_CLIENTS", 500) as usize;
    let secs = env_or("PLANSIFT_BENCH_SECS", 30);
    let data = tempfile::tempdir().unwrap();
    let app = plansift_server::App::start(plansift_server::AppConfig {
        data_dir: data.path().to_path_buf(),
        backends: Default::default(),
        api: true,
        listen: "127.0.0.1:0".parse().unwrap(),
        server: Default::default(),
        runner: Default::default(),
        workers: false,
        admin_token: None,
    })
    .await
    .unwrap();
    let meta = app.state.meta.clone();
    let org = meta.org_by_name("default").await.unwrap().unwrap();
    let project = meta.create_project(&org.id, "poll", 0).await.unwrap();
    meta.set_project_ready(&project.id).await.unwrap();
    let job = meta
        .create_job(plansift_store::NewJob {
            org_id: org.id.clone(),
            project_id: project.id.clone(),
            external_id: None,
            webhook_url: None,
            webhook_secret: None,
            ttl_days: 7,
        })
        .await
        .unwrap();
    let mut keys = Vec::new();
    for i in 0..clients {
        let key = plansift_server::auth::generate_key();
        meta.create_key(NewKey {
            org_id: org.id.clone(),
            label: format!("poller {i}"),
            key_prefix: plansift_server::auth::key_prefix(&key),
            key_hash: plansift_server::auth::hash_key(&key),
            scopes: vec![Scope::JobsRead],
            expires_at: None,
        })
        .await
        .unwrap();
        keys.push(key);
    }
    let url = Arc::new(format!("http://{}/api/open/v1/jobs/{}", app.addr, job.id));
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for key in keys {
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut seen: Vec<(u16, Duration)> = Vec::new();
            while Instant::now() < deadline {
                let t = Instant::now();
                let status = match client.get(url.as_str()).bearer_auth(&key).send().await {
                    Ok(r) => {
                        let s = r.status().as_u16();
                        let _ = r.bytes().await;
                        s
                    }
                    Err(_) => 0,
                };
                seen.push((status, t.elapsed()));
            }
            seen
        }));
    }
    let mut latencies = Vec::new();
    let mut by_status: BTreeMap<u16, u64> = BTreeMap::new();
    for t in tasks {
        for (status, d) in t.await.unwrap() {
            *by_status.entry(status).or_default() += 1;
            latencies.push(d);
        }
    }
    latencies.sort();
    let pct =
        |p: f64| latencies[((latencies.len() - 1) as f64 * p) as usize].as_secs_f64() * 1000.0;
    let total: u64 = by_status.values().sum();
    let errors: u64 = by_status
        .iter()
        .filter(|(s, _)| **s != 200 && **s != 429)
        .map(|(_, n)| n)
        .sum();
    println!(
        "{clients} clients, {secs} s: {total} requests ({:.0}/s), by status {by_status:?}",
        total as f64 / secs as f64
    );
    println!(
        "latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; errors other than 429: {errors}",
        pct(0.5),
        pct(0.99),
        pct(1.0)
    );
    app.stop().await.unwrap();
    assert_eq!(errors, 0, "errors other than 429");
}
