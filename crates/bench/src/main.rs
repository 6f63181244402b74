//! `plansift-bench`: Plansift next to poppler-utils on the same pages.
//!
//! Builds a ≥ 500-page set from the corpus (spec books, then drawing sheets repeated) and measures,
//! in one run on that one file:
//!
//! - Plansift text + analysis (no thumbnails), one thread, against `pdftotext -bbox`;
//! - Plansift thumbnails at 50 dpi, one thread, against `pdftoppm -r 50 -png`, and the 1024-px
//!   thumbnails a job serves;
//! - `plansift process --artifacts` (analysis, thumbnails and vector crops: the engine-only
//!   work of a job) against an end-to-end job through the HTTP API of `plansift serve` on the
//!   embedded store with the same one worker, and with one worker per core.
//!
//! Prints pages/s, ratios and peak RSS, and writes a JSON report.
//!
//!     cargo build --release -p plansift -p plansift-bench
//!     target/release/plansift-bench [--min-pages 500] [--out bench-report.json]
//!                                   [--corpus ../shared/corpus] [--plansift target/release/plansift]
//!
//! With `--scale-out 1,2,4` it measures instead one job over that many `plansift worker`
//! processes on PostgreSQL and S3 ([`scale_out`]; `scripts/bench-scale-out.sh` starts the
//! services and passes `--database-server` and `--blob-bucket`).

mod api;
mod measure;
mod scale_out;
mod workload;

use anyhow::Context;
use measure::{Run, best, child, in_process};
use plansift_engine::render::{THUMBNAIL_LONGEST_SIDE, render_page};
use plansift_engine::{Document, analyze_page, assemble};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

struct Args {
    corpus: PathBuf,
    plansift: PathBuf,
    out: PathBuf,
    min_pages: usize,
    scale_out: Option<Vec<usize>>,
    services: api::ScaleOut,
}

fn args() -> anyhow::Result<Args> {
    let exe = std::env::current_exe()?;
    let mut a = Args {
        corpus: Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
        plansift: exe.with_file_name("plansift"),
        out: PathBuf::from("bench-report.json"),
        min_pages: 500,
        scale_out: None,
        services: api::ScaleOut {
            database_server: std::env::var("PLANSIFT_TEST_DATABASE_URL")
                .ok()
                .and_then(|u| u.rsplit_once('/').map(|(s, _)| s.to_string()))
                .unwrap_or_default(),
            blob_bucket: std::env::var("PLANSIFT_TEST_S3_BUCKET")
                .map(|b| format!("s3://{b}"))
                .unwrap_or_default(),
        },
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--corpus" => a.corpus = value.into(),
            "--plansift" => a.plansift = value.into(),
            "--out" => a.out = value.into(),
            "--min-pages" => a.min_pages = value.parse()?,
            "--scale-out" => {
                a.scale_out = Some(
                    value
                        .split(',')
                        .map(|n| n.trim().parse())
                        .collect::<Result<_, _>>()?,
                )
            }
            "--database-server" => a.services.database_server = value,
            "--blob-bucket" => a.services.blob_bucket = value,
            _ => anyhow::bail!("unknown flag {flag}"),
        }
    }
    Ok(a)
}

fn analyse(doc: &Document) -> usize {
    let pages: Vec<_> = (1..=doc.page_count())
        .filter_map(|n| analyze_page(doc, n).ok())
        .collect();
    std::hint::black_box(assemble(&pages));
    pages.len()
}

/// Renders every page so that it has `dpi` dots per inch, or `longest` pixels on its longest side.
fn thumbnails(doc: &Document, dpi: Option<f32>) -> usize {
    (1..=doc.page_count())
        .filter(|&n| {
            let longest = match (dpi, doc.geometry(n)) {
                (Some(dpi), Ok(g)) => (g.width.max(g.height) * dpi / 72.0).round() as u32,
                _ => THUMBNAIL_LONGEST_SIDE,
            };
            std::hint::black_box(render_page(doc, n, longest)).is_ok()
        })
        .count()
}

struct Row {
    name: &'static str,
    run: Run,
    pages: usize,
}

impl Row {
    fn rate(&self) -> f64 {
        self.pages as f64 / self.run.seconds
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = args()?;
    let dir = tempfile::tempdir()?;
    let set = workload::build(&args.corpus, dir.path(), args.min_pages)?;
    let n = set.pages;
    println!(
        "workload: {} pages, {:.1} MB ({})\n",
        n,
        set.bytes as f64 / 1e6,
        set.path.display()
    );
    if let Some(workers) = &args.scale_out {
        anyhow::ensure!(
            !args.services.database_server.is_empty() && !args.services.blob_bucket.is_empty(),
            "--scale-out needs --database-server postgres://… and --blob-bucket s3://…"
        );
        return scale_out::run(
            &args.plansift,
            &set.path,
            n,
            workers,
            &args.services,
            &args.out,
        )
        .await;
    }
    let bytes = Arc::new(std::fs::read(&set.path)?);
    let doc = Document::open(bytes.clone()).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut rows = Vec::new();

    let text = best(3, || {
        let (pages, run) = in_process(|| analyse(&doc));
        anyhow::ensure!(pages == n, "{pages} of {n} pages analysed");
        Ok(run)
    })?;
    rows.push(Row {
        name: "plansift text + analysis (1 thread)",
        run: text,
        pages: n,
    });
    let html = dir.path().join("bbox.html");
    let pdftotext = best(3, || {
        child(
            Command::new("pdftotext")
                .arg("-bbox")
                .arg(&set.path)
                .arg(&html),
        )
    })?;
    rows.push(Row {
        name: "pdftotext -bbox",
        run: pdftotext,
        pages: n,
    });

    let thumbs50 = best(1, || Ok(in_process(|| thumbnails(&doc, Some(50.0))).1))?;
    rows.push(Row {
        name: "plansift thumbnails 50 dpi (1 thread)",
        run: thumbs50,
        pages: n,
    });
    let ppm = dir.path().join("ppm");
    std::fs::create_dir_all(&ppm)?;
    let pdftoppm = best(1, || {
        child(
            Command::new("pdftoppm")
                .args(["-r", "50", "-png"])
                .arg(&set.path)
                .arg(ppm.join("p")),
        )
    })?;
    rows.push(Row {
        name: "pdftoppm -r 50 -png",
        run: pdftoppm,
        pages: n,
    });
    let thumbs = best(1, || Ok(in_process(|| thumbnails(&doc, None)).1))?;
    rows.push(Row {
        name: "plansift thumbnails 1024 px (1 thread)",
        run: thumbs,
        pages: n,
    });

    let artifacts = dir.path().join("artifacts");
    let process = best(1, || {
        child(
            Command::new(&args.plansift)
                .arg("process")
                .arg("--artifacts")
                .arg(&artifacts)
                .arg(&set.path),
        )
    })?;
    rows.push(Row {
        name: "plansift process --artifacts (1 thread)",
        run: process,
        pages: n,
    });

    let cores = std::thread::available_parallelism()
        .map(|c| c.get())
        .unwrap_or(1);
    let mut jobs = Vec::new();
    for workers in [1, cores] {
        let deployment = api::Deployment::embedded(&args.plansift, workers)?;
        let job = api::job(&deployment, &set.path).await?;
        anyhow::ensure!(
            job.status == "completed" && job.pages == n as i64,
            "API job ended {} with {} of {n} pages",
            job.status,
            job.pages
        );
        jobs.push((workers, job.run));
    }
    let job_names = [
        "API job, embedded store (1 worker)",
        "API job, embedded store (1 worker a core)",
    ];
    for ((_, run), name) in jobs.iter().zip(job_names) {
        rows.push(Row {
            name,
            run: run.clone(),
            pages: n,
        });
    }

    println!(
        "{:<44} {:>9} {:>11} {:>13}",
        "", "seconds", "pages/s", "peak RSS MiB"
    );
    for r in &rows {
        println!(
            "{:<44} {:>9.2} {:>11.1} {:>13.0}",
            r.name,
            r.run.seconds,
            r.rate(),
            r.run.peak_rss_mib
        );
    }
    let text_ratio = rows[0].run.seconds / rows[1].run.seconds;
    let thumb_ratio = rows[2].run.seconds / rows[3].run.seconds;
    let job_ratio = jobs[0].1.seconds / rows[5].run.seconds;
    let server_peak = jobs.iter().map(|j| j.1.peak_rss_mib).fold(0.0, f64::max);
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    println!();
    println!(
        "text + analysis / pdftotext -bbox      {text_ratio:.2}x  (target <= 1.0: {})",
        verdict(text_ratio <= 1.0)
    );
    println!(
        "thumbnails 50 dpi / pdftoppm -r 50     {thumb_ratio:.2}x  (target <= 1.0: {})",
        verdict(thumb_ratio <= 1.0)
    );
    println!(
        "API job / engine-only, 1 worker        {job_ratio:.2}x  (target <= 1.3: {})",
        verdict(job_ratio <= 1.3)
    );
    println!(
        "server peak RSS during the jobs        {server_peak:.0} MiB  (target <= 400: {})",
        verdict(server_peak <= 400.0)
    );

    let report = json!({
        "workload": { "pages": n, "bytes": set.bytes },
        "cores": cores,
        "rows": rows.iter().map(|r| json!({
            "name": r.name, "seconds": r.run.seconds, "pagesPerSecond": r.rate(),
            "peakRssMiB": r.run.peak_rss_mib,
        })).collect::<Vec<_>>(),
        "ratios": {
            "textVsPdftotext": text_ratio,
            "thumbnailsVsPdftoppm": thumb_ratio,
            "apiJobVsEngineOnly": job_ratio,
        },
        "serverPeakRssMiB": server_peak,
    });
    std::fs::write(&args.out, serde_json::to_string_pretty(&report)?)?;
    println!("\nreport: {}", args.out.display());
    Ok(())
}
