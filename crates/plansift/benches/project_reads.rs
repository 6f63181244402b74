//! Project reads at scale: a project of ≥ 20,000 pages made of the corpus documents added over
//! and over (each copy a job of its own with fresh ids, indexed exactly as finalize indexes a
//! job), then timed through the HTTP API on loopback:
//!
//! - `source-search` over a set of queries: p50 / p95 (target p95 ≤ 50 ms);
//! - `grep` for a literal over every page (target ≤ 1 s);
//! - `GET …/sheets?limit=500`, walking every page of sheets (target p95 ≤ 50 ms).
//!
//! Drawing documents are added six times for each copy of the rest so that a page of 500
//! sheets is full. Run with `cargo bench -p plansift --bench project_reads` (`PLANSIFT_BENCH_PAGES` sets the
//! page count). The engine runs once per document; the copies reuse its analyses, so building
//! the project measures the index writes, not the engine.

use plansift_engine::{Document, Engine, PageAnalysis, PageKind};
use plansift_jobs::project_index::{IndexInput, index_document};
use plansift_jobs::result::{DocumentInput, build_document};
use plansift_store::{MetaStore, NewJob, NewKey, ProjectIndex};
use plansift_types::Scope;
use plansift_types::ids::{IdKind, new_id};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

const DOCUMENTS: [&str; 12] = [
    "opentakeoff/sample-finish-plan.pdf",
    "wsdot_plansheet/Pages from M01-17-ITS-Tolling-2b.pdf",
    "wsdot_plansheet/test_smaller.pdf",
    "wsdot_plansheet/FiberCables_Conformed2-SR167_2b_Technical_Requirements.pdf",
    "ranjantx_ocr_parser/E201A-FLOOR-PLAN- P&S.pdf",
    "spec_test_suite/DOT_OCR_Stress_Test.pdf",
    "spec_test_suite/2024-09-11 Project Manual SC Justice Center Remodel.pdf",
    "spec_test_suite/NYC_OGS_Addendum_01.pdf",
    "spec_test_suite/NYC_HPD_Table_of_Contents.pdf",
    "spectAIchallenge/22 08 00 - COMMISSIONING OF PLUMBING (Short).pdf",
    "spectAIchallenge/233000 HVAC Air Distribution (Long).pdf",
    "spectAIchallenge/271500 (Medium).pdf",
];

const QUERIES: [&str; 12] = [
    "sprinkler",
    "fire alarm",
    "conduit",
    "concrete",
    "E201A",
    "21 13 00",
    "painting",
    "door hardware",
    "submittals product data",
    "grounding",
    "duct insulation",
    "floor plan",
];

struct Analysed {
    name: String,
    size: i64,
    pages: Vec<PageAnalysis>,
}

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
}

fn analyse(rel: &str) -> Analysed {
    let path = corpus().join(rel);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let size = bytes.len() as i64;
    let doc = Document::open(Arc::new(bytes)).expect("corpus document opens");
    let stop = AtomicBool::new(false);
    let mut pages = Vec::new();
    Engine::new().run(&doc, 1..=doc.page_count(), &stop, |p| {
        if let Ok(p) = p {
            pages.push(p)
        }
    });
    Analysed {
        name: path.file_name().unwrap().to_string_lossy().into_owned(),
        size,
        pages,
    }
}

/// One more copy of a document as a finished job of the project.
async fn add_copy(meta: &dyn MetaStore, org: &str, project: &str, doc: &Analysed) {
    let job = meta
        .create_job(NewJob {
            org_id: org.into(),
            project_id: project.into(),
            external_id: None,
            webhook_url: None,
            webhook_secret: None,
            ttl_days: 30,
        })
        .await
        .unwrap();
    let document_id = new_id(IdKind::Document);
    let out = build_document(DocumentInput {
        document_id: &document_id,
        file_name: &doc.name,
        classification: None,
        content_type: "application/pdf",
        file_size: doc.size,
        sha256: "",
        error: None,
        pages: doc
            .pages
            .iter()
            .map(|p| {
                let kind = if p.kind == PageKind::Drawing {
                    "drawing"
                } else {
                    "document"
                };
                (p.page_number, kind, Ok(p.clone()))
            })
            .collect(),
        project_id: Some(project),
        artifacts: None,
        artifact_url_prefix: None,
    });
    let mut index = ProjectIndex::default();
    index_document(
        &IndexInput {
            job_id: &job.id,
            document: &out.document,
            pages: &out.analysed,
            analysis: &out.analysis,
            created_at: "2026-11-28T00:00:00.000Z",
            artifact_url_prefix: None,
        },
        &mut index,
    );
    meta.index_job(&job.id, index).await.unwrap();
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn post(client: &reqwest::Client, url: &str, key: &str, body: Value) -> (Duration, Value) {
    let t = Instant::now();
    let r = client
        .post(url)
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{url}");
    let v: Value = r.json().await.unwrap();
    (t.elapsed(), v)
}

#[tokio::main]
async fn main() {
    let target_pages: usize = std::env::var("PLANSIFT_BENCH_PAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let t = Instant::now();
    let docs: Vec<Analysed> = DOCUMENTS.iter().map(|d| analyse(d)).collect();
    let set_pages: usize = docs.iter().map(|d| d.pages.len()).sum();
    println!(
        "engine: {} documents, {set_pages} pages analysed in {:.1} s",
        docs.len(),
        t.elapsed().as_secs_f64()
    );

    let data = tempfile::tempdir().unwrap();
    let app = plansift_server::App::start(plansift_server::AppConfig {
        backends: Default::default(),
        api: true,
        data_dir: data.path().to_path_buf(),
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
    let key = plansift_server::auth::generate_key();
    meta.create_key(NewKey {
        org_id: org.id.clone(),
        label: "bench".into(),
        key_prefix: plansift_server::auth::key_prefix(&key),
        key_hash: plansift_server::auth::hash_key(&key),
        scopes: vec![Scope::JobsRead],
        expires_at: None,
    })
    .await
    .unwrap();
    let project = meta.create_project(&org.id, "bench", 0).await.unwrap();
    meta.set_project_ready(&project.id).await.unwrap();

    let t = Instant::now();
    let mut pages = 0;
    let mut copies = 0;
    // Drawing sets are added six times a round so that sheet pages hold 500 sheets.
    while pages < target_pages {
        for d in &docs {
            let drawings = d.pages.iter().any(|p| p.kind == PageKind::Drawing);
            for _ in 0..if drawings { 6 } else { 1 } {
                add_copy(meta.as_ref(), &org.id, &project.id, d).await;
                pages += d.pages.len();
            }
        }
        copies += 1;
    }
    println!(
        "project: {pages} pages ({copies} copies of the set) indexed in {:.1} s ({:.0} pages/s)",
        t.elapsed().as_secs_f64(),
        pages as f64 / t.elapsed().as_secs_f64()
    );

    let client = reqwest::Client::new();
    let base = format!("http://{}/api/open/v1/projects/{}", app.addr, project.id);

    // Source search: every query ten times.
    let mut times = Vec::new();
    let mut hits = 0;
    for _ in 0..10 {
        for q in QUERIES {
            let (d, v) = post(
                &client,
                &format!("{base}/source-search"),
                &key,
                json!({ "query": q, "maxHits": 10 }),
            )
            .await;
            hits += v["hitCount"].as_i64().unwrap_or(0);
            times.push(d);
        }
    }
    times.sort();
    let search_p95 = percentile(&times, 0.95);
    println!(
        "source-search: {} requests, {hits} hits, p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms (target p95 ≤ 50 ms)",
        times.len(),
        ms(percentile(&times, 0.5)),
        ms(search_p95),
        ms(*times.last().unwrap())
    );

    // Grep for literals over every page.
    let mut grep_times = Vec::new();
    for pattern in ["sprinkler", "CONDUIT", "E201A", "ASTM", "xyzzy-no-match"] {
        let (d, v) = post(
            &client,
            &format!("{base}/grep"),
            &key,
            json!({ "pattern": pattern, "maxHits": 100 }),
        )
        .await;
        println!(
            "grep {pattern:?}: {} matches in {:.0} ms",
            v["total"],
            ms(d)
        );
        grep_times.push(d);
    }
    let grep_max = *grep_times.iter().max().unwrap();
    println!(
        "grep: slowest literal over {pages} pages {:.0} ms (target ≤ 1000 ms)",
        ms(grep_max)
    );

    // Sheets, 500 a page, walked to the end twice.
    let mut list_times = Vec::new();
    let mut sheets = 0;
    for _ in 0..2 {
        sheets = 0;
        let mut cursor: Option<String> = None;
        loop {
            let mut url = format!("{base}/sheets?limit=500");
            if let Some(c) = &cursor {
                url.push_str(&format!("&cursor={c}"));
            }
            let t = Instant::now();
            let r = client.get(&url).bearer_auth(&key).send().await.unwrap();
            assert_eq!(r.status(), 200);
            let v: Value = r.json().await.unwrap();
            list_times.push(t.elapsed());
            sheets += v["returnedCount"].as_i64().unwrap();
            match v["nextCursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
        }
    }
    list_times.sort();
    let list_p95 = percentile(&list_times, 0.95);
    println!(
        "list sheets (500 a page): {} pages over {sheets} sheets, p50 {:.1} ms, p95 {:.1} ms (target p95 ≤ 50 ms)",
        list_times.len(),
        ms(percentile(&list_times, 0.5)),
        ms(list_p95)
    );
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    println!(
        "targets: source-search {}, grep {}, list sheets {}",
        verdict(search_p95 <= Duration::from_millis(50)),
        verdict(grep_max <= Duration::from_secs(1)),
        verdict(list_p95 <= Duration::from_millis(50))
    );
    app.stop().await.unwrap();
}
