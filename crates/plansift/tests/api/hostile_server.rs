//! Nothing a client sends takes the server down (issue 18): hostile requests and documents, all
//! made here, against the real binary on the embedded default (SQLite and local disk). While
//! they run, `/healthz` is polled and the server's peak RSS read from `/proc`; every job must
//! end in a terminal state with its documented error code, and a normal job afterwards must
//! complete. A second test kills the server while hostile documents are being processed and
//! starts it again, more than once: no crash on restart, every job still ends.

use crate::common::process::{Process, free_port, wait_ready};
use crate::common::{corpus_bytes, encrypted_pdf, pdf};
use crate::helpers::*;
use axum::body::Bytes;
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

const GIB: u64 = 1 << 30;

fn start(data: &std::path::Path, port: u16) -> Process {
    let child = plansift_command(data)
        .args(["serve", "--data-dir"])
        .arg(data)
        .args([
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--task-lease-secs",
            "3",
            "--pages-per-task",
            "4",
            "--workers",
            "2",
        ])
        .env("PLANSIFT_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Process(child)
}

/// The peak resident set (`VmHWM`) of a process, in bytes.
fn peak_rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Polls `/healthz` every 100 ms while it runs, counting answers other than 200.
struct Watch {
    stop: Arc<AtomicBool>,
    failures: Arc<AtomicU64>,
    polls: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl Watch {
    fn start(port: u16) -> Watch {
        let stop = Arc::new(AtomicBool::new(false));
        let failures = Arc::new(AtomicU64::new(0));
        let polls = Arc::new(AtomicU64::new(0));
        let (s, f, p) = (stop.clone(), failures.clone(), polls.clone());
        let task = tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap();
            while !s.load(Ordering::Relaxed) {
                let ok = client
                    .get(format!("http://127.0.0.1:{port}/healthz"))
                    .send()
                    .await
                    .is_ok_and(|r| r.status() == 200);
                p.fetch_add(1, Ordering::Relaxed);
                if !ok {
                    f.fetch_add(1, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        Watch {
            stop,
            failures,
            polls,
            task,
        }
    }

    async fn finish(self) -> (u64, u64) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.task.await;
        (
            self.polls.load(Ordering::Relaxed),
            self.failures.load(Ordering::Relaxed),
        )
    }
}

// ---- documents ----

fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut v = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
    v.extend_from_slice(data);
    v.extend_from_slice(b"\nendstream");
    v
}

const GOOD_PAGE: &[u8] = b"BT /F1 12 Tf 72 700 Td (GENERAL NOTES) Tj ET";

/// Two pages: a normal one first, then one whose contents are `content` (a stream object with
/// its dictionary entries) and whose resources are `resources`; `extra` objects follow as 7, 8….
fn two_pages(content: Vec<u8>, resources: &str, extra: Vec<Vec<u8>>) -> Vec<u8> {
    let mut objs = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 7 0 R >> >> /Contents 5 0 R >>".to_vec(),
        format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources {resources} /Contents 6 0 R >>").into_bytes(),
        stream("", GOOD_PAGE),
        content,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
    ];
    objs.extend(extra);
    pdf(&objs, "")
}

/// A zlib stream of `mib` MiB of zeros, made without compressing them: one byte-aligned
/// deflate chunk of 1 MiB of zeros (which refers only to itself) repeated, then the final
/// block and the Adler-32 of that many zeros.
fn zlib_zeros(mib: u64) -> Vec<u8> {
    let mut c = flate2::Compress::new(flate2::Compression::best(), false);
    let mut chunk = Vec::with_capacity(4 << 10);
    c.compress_vec(&vec![0u8; 1 << 20], &mut chunk, flate2::FlushCompress::Sync)
        .unwrap();
    let mut out = Vec::with_capacity(2 + chunk.len() * mib as usize + 16);
    out.extend_from_slice(&[0x78, 0xda]);
    for _ in 0..mib {
        out.extend_from_slice(&chunk);
    }
    out.extend_from_slice(&[0x03, 0x00]); // a final, empty fixed-Huffman block
    let b = ((mib << 20) % 65521) as u32;
    out.extend_from_slice(&((b << 16) | 1).to_be_bytes());
    out
}

fn zlib(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// A page whose content stream inflates to `gib` GiB, through one or two `FlateDecode`s.
fn flate_bomb(gib: u64, filters: usize) -> Vec<u8> {
    let inner = zlib_zeros(gib << 10);
    let (data, filter) = match filters {
        1 => (inner, "/Filter /FlateDecode"),
        _ => (zlib(&inner), "/Filter [/FlateDecode /FlateDecode]"),
    };
    two_pages(stream(filter, &data), "<< >>", vec![])
}

fn huge_image() -> Vec<u8> {
    two_pages(
        stream("", b"q 612 0 0 792 0 0 cm /Im1 Do Q"),
        "<< /XObject << /Im1 8 0 R >> >>",
        vec![stream(
            "/Type /XObject /Subtype /Image /Width 40000 /Height 40000 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode",
            &zlib(&[0u8; 4096]),
        )],
    )
}

fn cyclic_xobjects() -> Vec<u8> {
    two_pages(
        stream("", b"/X1 Do"),
        "<< /XObject << /X1 8 0 R >> >>",
        vec![
            stream(
                "/Type /XObject /Subtype /Form /BBox [0 0 100 100] /Resources << /XObject << /X2 9 0 R >> >>",
                b"/X2 Do",
            ),
            stream(
                "/Type /XObject /Subtype /Form /BBox [0 0 100 100] /Resources << /XObject << /X1 8 0 R >> >>",
                b"/X1 Do",
            ),
        ],
    )
}

fn cyclic_page_tree() -> Vec<u8> {
    pdf(
        &[
            b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
            b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>".to_vec(),
            b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R 3 0 R] /Count 1 >>".to_vec(),
        ],
        "",
    )
}

fn deep_nesting() -> Vec<u8> {
    let mut c = b"BT /F1 12 Tf 100 100 Td ".to_vec();
    c.extend(std::iter::repeat_n(b'[', 100_000));
    c.extend(std::iter::repeat_n(b']', 100_000));
    c.extend_from_slice(b" TJ ");
    c.extend(std::iter::repeat_n(b"q ".as_slice(), 100_000).flatten());
    c.extend(std::iter::repeat_n(b"Q ".as_slice(), 100_000).flatten());
    c.extend_from_slice(b"ET");
    two_pages(stream("", &c), "<< >>", vec![])
}

/// 50,000 pages sharing one content stream.
fn many_pages(n: usize) -> Vec<u8> {
    let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", i + 5)).collect();
    let mut objs = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!("<< /Type /Pages /Kids [{}] /Count {n} >>", kids.join(" ")).into_bytes(),
        stream("", GOOD_PAGE),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
    ];
    for _ in 0..n {
        objs.push(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 3 0 R >>".to_vec(),
        );
    }
    pdf(&objs, "")
}

fn sample() -> Vec<u8> {
    corpus_bytes("opentakeoff/sample-finish-plan.pdf")
}

fn bit_flipped() -> Vec<u8> {
    let mut b = sample();
    let mut state = 0x2545_f491_u64;
    for _ in 0..2000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let i = (state % b.len() as u64) as usize;
        b[i] ^= 0x5a;
    }
    b
}

/// What a job's end must show.
enum Expect {
    /// The job ends `completed_with_errors` and page 2 failed with this code.
    PageError(&'static str),
    /// The job fails with this job error code.
    JobError(&'static str),
    /// The document fails with this code (and the job with it).
    DocumentError(&'static str),
    /// Any terminal state: the point is that nothing breaks.
    Terminal,
}

fn hostile_documents() -> Vec<(&'static str, Vec<u8>, Expect)> {
    use Expect::*;
    vec![
        (
            "flate bomb 1 GiB, one filter",
            flate_bomb(1, 1),
            PageError("page_resource_limit"),
        ),
        (
            "flate bomb 1 GiB, two filters",
            flate_bomb(1, 2),
            PageError("page_resource_limit"),
        ),
        (
            "flate bomb 4 GiB, one filter",
            flate_bomb(4, 1),
            PageError("page_resource_limit"),
        ),
        (
            "flate bomb 4 GiB, two filters",
            flate_bomb(4, 2),
            PageError("page_resource_limit"),
        ),
        (
            "flate bomb 10 GiB, one filter",
            flate_bomb(10, 1),
            PageError("page_resource_limit"),
        ),
        (
            "flate bomb 10 GiB, two filters",
            flate_bomb(10, 2),
            PageError("page_resource_limit"),
        ),
        (
            "40000x40000 image",
            huge_image(),
            PageError("page_resource_limit"),
        ),
        ("cyclic xobjects", cyclic_xobjects(), Terminal),
        ("cyclic page tree", cyclic_page_tree(), Terminal),
        ("100000-deep nesting", deep_nesting(), Terminal),
        (
            "50000 pages",
            many_pages(50_000),
            JobError("page_limit_exceeded"),
        ),
        (
            "truncated",
            sample()[..sample().len() / 3].to_vec(),
            Terminal,
        ),
        ("bit-flipped", bit_flipped(), Terminal),
        ("encrypted", encrypted_pdf(), DocumentError("encrypted_pdf")),
        (
            "not a pdf",
            b"<html><script>alert(1)</script></html>".to_vec(),
            DocumentError("unsupported_format"),
        ),
    ]
}

struct Server {
    client: reqwest::Client,
    base: String,
    key: String,
    project: String,
}

impl Server {
    async fn setup(client: &reqwest::Client, data: &std::path::Path, port: u16) -> Server {
        let out = plansift_command(data)
            .args(["keys", "create", "--data-dir"])
            .arg(data)
            .args([
                "--label",
                "hostile",
                "--scopes",
                "jobs:read,jobs:write,artifacts:read",
            ])
            .output()
            .unwrap();
        assert!(out.status.success());
        let key = String::from_utf8(out.stdout).unwrap().trim().to_string();
        let base = format!("http://127.0.0.1:{port}/api/open/v1");
        let (status, project) = post_json(
            client,
            &format!("{base}/projects"),
            &key,
            json!({ "name": "Hostile" }),
        )
        .await;
        assert_eq!(status, 202, "{project}");
        let project = project["project"]["id"].as_str().unwrap().to_string();
        let server = Server {
            client: client.clone(),
            base,
            key,
            project,
        };
        while server.get(&format!("/projects/{}", server.project)).await.1["project"]["status"]
            != "ready"
        {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        server
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        get_json(&self.client, &format!("{}{path}", self.base), &self.key).await
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        post_json(
            &self.client,
            &format!("{}{path}", self.base),
            &self.key,
            body,
        )
        .await
    }

    /// A job with one file (`content_type` declared), completed: its id.
    async fn submit(&self, name: &str, bytes: Vec<u8>, content_type: &str) -> String {
        let (status, job) = self
            .post(&format!("/projects/{}/jobs", self.project), json!({}))
            .await;
        assert_eq!(status, 202, "{job}");
        let job = job["job"]["id"].as_str().unwrap().to_string();
        let metadata = json!({ "files": [{ "partName": "file0", "fileName": format!("{name}.pdf"), "contentType": content_type }] });
        let form = reqwest::multipart::Form::new()
            .text("metadata", metadata.to_string())
            .part(
                "file0",
                reqwest::multipart::Part::bytes(bytes).file_name("file.pdf"),
            );
        let r = self
            .client
            .post(format!("{}/jobs/{job}/files", self.base))
            .bearer_auth(&self.key)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{name}: {:?}", r.text().await);
        let (status, body) = self
            .post(&format!("/jobs/{job}/uploads/complete"), json!({}))
            .await;
        assert_eq!(status, 202, "{name}: {body}");
        job
    }

    /// Polls until the job is terminal (the server may be down for a moment: a restart).
    async fn wait(&self, job: &str, limit: Duration) -> Value {
        wait_terminal(&self.client, &self.base, &self.key, job, limit).await
    }

    async fn check(&self, name: &str, job: &Value, expect: &Expect) {
        let id = job["id"].as_str().unwrap();
        let status = job["status"].as_str().unwrap();
        match expect {
            Expect::PageError(code) => {
                assert_eq!(status, "completed_with_errors", "{name}: {job}");
                let (s, result) = self.get(&format!("/jobs/{id}/result")).await;
                assert_eq!(s, 200, "{name}: {result}");
                let errors = result["errors"].as_array().unwrap();
                assert!(
                    errors
                        .iter()
                        .any(|e| e["code"] == *code && e["pageNumber"] == 2),
                    "{name}: {errors:?}"
                );
            }
            Expect::JobError(code) => {
                assert_eq!(status, "failed", "{name}: {job}");
                assert_eq!(job["error"]["code"], *code, "{name}: {job}");
            }
            Expect::DocumentError(code) => {
                assert_eq!(status, "failed", "{name}: {job}");
                let (_, body) = self.get(&format!("/jobs/{id}")).await;
                assert_eq!(
                    body["job"]["files"][0]["error"]["code"], *code,
                    "{name}: {body}"
                );
            }
            Expect::Terminal => {}
        }
    }
}

/// A body of `n` MiB of `byte`, streamed without a length.
fn streamed(n: usize, byte: u8) -> reqwest::Body {
    let chunk = Bytes::from(vec![byte; 1 << 20]);
    reqwest::Body::wrap_stream(
        futures_util::stream::repeat(chunk)
            .take(n)
            .map(Ok::<_, std::io::Error>),
    )
}

async fn hostile_requests(s: &Server) {
    // Two sizes that add up past i64::MAX: refused before anything is allocated.
    let (status, job) = s
        .post(&format!("/projects/{}/jobs", s.project), json!({}))
        .await;
    assert_eq!(status, 202);
    let job = job["job"]["id"].as_str().unwrap().to_string();
    let file = |size: i64| json!({ "fileName": "a.pdf", "contentType": "application/pdf", "fileSize": size, "sha256": "0".repeat(64) });
    let (status, body) = s
        .post(
            &format!("/jobs/{job}/uploads"),
            json!({ "files": [file(100_000_000), file(9_223_372_036_787_666_944)] }),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "limit_exceeded");

    // A 1 GiB metadata part: 413 at its 1 MiB limit.
    let form = reqwest::multipart::Form::new().part(
        "metadata",
        reqwest::multipart::Part::stream(streamed(1024, b' ')),
    );
    match s
        .client
        .post(format!("{}/jobs/{job}/files", s.base))
        .bearer_auth(&s.key)
        .multipart(form)
        .send()
        .await
    {
        Ok(r) => {
            assert_eq!(r.status(), 413);
            let body: Value = r.json().await.unwrap();
            assert_eq!(body["error"]["code"], "payload_too_large");
            assert_eq!(body["error"]["details"]["limit"], 1 << 20);
        }
        // The server may close the connection while the client is still sending.
        Err(e) => assert!(!e.is_timeout(), "{e}"),
    }

    // A 1 GiB JSON body: 413 at the JSON limit.
    match s
        .client
        .post(format!("{}/projects", s.base))
        .bearer_auth(&s.key)
        .header("content-type", "application/json")
        .body(streamed(1024, b' '))
        .send()
        .await
    {
        Ok(r) => {
            assert_eq!(r.status(), 413);
            let body: Value = r.json().await.unwrap();
            assert_eq!(body["error"]["code"], "payload_too_large");
        }
        Err(e) => assert!(!e.is_timeout(), "{e}"),
    }
}

#[tokio::test]
async fn hostile_inputs_do_not_take_the_server_down() {
    // The embedded default only: the suite takes minutes, and the backends change nothing here.
    if scale_out() {
        return;
    }
    let started = Instant::now();
    let data = tempfile::tempdir().unwrap();
    let client = reqwest::Client::new();
    let port = free_port();
    let server = start(data.path(), port);
    let pid = server.0.id();
    wait_ready(&client, port).await;
    let s = Server::setup(&client, data.path(), port).await;
    let watch = Watch::start(port);

    hostile_requests(&s).await;

    // Every hostile document at once, as an attacker would send them.
    let mut jobs = Vec::new();
    for (name, bytes, expect) in hostile_documents() {
        let job = s.submit(name, bytes, "application/pdf").await;
        jobs.push((name, job, expect));
    }
    // An HTML "original" declared as text/html, beside a real drawing.
    let html_job = s
        .submit(
            "html",
            b"<html><script>alert(document.domain)</script></html>".to_vec(),
            "text/html",
        )
        .await;
    for (name, job, expect) in &jobs {
        let job = s.wait(job, Duration::from_secs(300)).await;
        s.check(name, &job, expect).await;
    }
    let html = s.wait(&html_job, Duration::from_secs(60)).await;
    assert_eq!(html["status"], "failed", "{html}");

    // Grep for everything over what the project holds: one hit, every match counted.
    let normal = s.submit("normal", sample(), "application/pdf").await;
    let done = s.wait(&normal, Duration::from_secs(300)).await;
    assert_eq!(done["status"], "completed", "{done}");
    let (status, grep) = s
        .post(
            &format!("/projects/{}/grep", s.project),
            json!({ "pattern": ".", "regex": true, "maxHits": 1 }),
        )
        .await;
    assert_eq!(status, 200, "{grep}");
    assert_eq!(grep["hits"].as_array().unwrap().len(), 1);
    assert!(grep["total"].as_i64().unwrap() > 1, "{grep}");

    // The original of the normal job is an attachment, never sniffed.
    let (_, result) = s.get(&format!("/jobs/{normal}/result")).await;
    let original = result["documents"][0]["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["type"] == "original")
        .unwrap()["path"]
        .as_str()
        .unwrap()
        .to_string();
    let r = client
        .get(format!("{}/jobs/{normal}/artifact?path={original}", s.base))
        .bearer_auth(&s.key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );

    let (polls, failures) = watch.finish().await;
    let peak = peak_rss(pid).unwrap();
    eprintln!(
        "hostile suite: peak RSS {} MiB, {polls} health polls, {failures} failed, {:?}",
        peak >> 20,
        started.elapsed()
    );
    assert_eq!(failures, 0, "/healthz failed {failures} of {polls} times");
    assert!(polls > 0);
    assert!(peak < GIB, "peak RSS {} MiB", peak >> 20);
}

#[tokio::test]
async fn hostile_documents_do_not_crash_the_server_on_restart() {
    if scale_out() {
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let client = reqwest::Client::new();
    let port = free_port();
    let mut server = start(data.path(), port);
    wait_ready(&client, port).await;
    let s = Server::setup(&client, data.path(), port).await;
    let mut peak = 0;
    for (name, bytes, expect) in hostile_documents()
        .into_iter()
        .filter(|(name, ..)| name.starts_with("flate bomb 10") || name.contains("image"))
    {
        let job = s.submit(name, bytes, "application/pdf").await;
        // Killed while the document is being processed, and started again.
        tokio::time::sleep(Duration::from_millis(300)).await;
        peak = peak.max(peak_rss(server.0.id()).unwrap_or(0));
        server.kill();
        server = start(data.path(), port);
        wait_ready(&client, port).await;
        let ended = s.wait(&job, Duration::from_secs(120)).await;
        s.check(name, &ended, &expect).await;
        let health = client
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
            .unwrap();
        assert_eq!(health.status(), 200, "{name}");
        peak = peak.max(peak_rss(server.0.id()).unwrap_or(0));
        assert!(
            server.0.try_wait().unwrap().is_none(),
            "{name}: the server exited"
        );
    }
    let normal = s.submit("normal", sample(), "application/pdf").await;
    let done = s.wait(&normal, Duration::from_secs(300)).await;
    assert_eq!(done["status"], "completed", "{done}");
    eprintln!("restarts: peak RSS {} MiB", peak >> 20);
    assert!(peak < GIB, "peak RSS {} MiB", peak >> 20);
}
