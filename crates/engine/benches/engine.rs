//! Engine speed on one core, on the corpus beside the checkout:
//! text + analysis of a 380-page spec book and of 42×30-in sheets, thumbnails and vector crops
//! of 42×30-in sheets. Prints pages per second (best of five runs) and the targets.
//!
//!     cargo bench -p plansift-engine

use plansift_engine::crop::CropSource;
use plansift_engine::render::{THUMBNAIL_LONGEST_SIDE, render_page};
use plansift_engine::{Document, analyze_page, assemble};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn corpus(rel: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus")
        .join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Best of `runs` timings of `f`.
fn best(runs: usize, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap()
}

fn analyse_all(bytes: &[u8]) -> usize {
    let doc = Document::open(Arc::new(bytes.to_vec())).unwrap();
    let pages: Vec<_> = (1..=doc.page_count())
        .filter_map(|n| analyze_page(&doc, n).ok())
        .collect();
    let n = pages.len();
    std::hint::black_box(assemble(&pages));
    n
}

fn report(what: &str, pages: usize, took: Duration, target: &str) {
    let rate = pages as f64 / took.as_secs_f64();
    println!(
        "{what:<48} {pages:>4} pages {:>9.3} s {rate:>9.1} pages/s   target {target}",
        took.as_secs_f64()
    );
}

fn main() {
    let book = corpus("spec_test_suite/2024-09-11 Project Manual SC Justice Center Remodel.pdf");
    let mut pages = 0;
    let took = best(5, || pages = analyse_all(&book));
    report(
        "text + analysis, 380-page spec book",
        pages,
        took,
        ">= 150 pages/s",
    );

    let sheets = [
        corpus("opentakeoff/sample-finish-plan.pdf"),
        corpus("ranjantx_ocr_parser/E201A-FLOOR-PLAN- P&S.pdf"),
    ];
    let mut pages = 0;
    let took = best(5, || pages = sheets.iter().map(|s| analyse_all(s)).sum());
    report(
        "text + analysis, 42x30-in sheets",
        pages,
        took,
        ">= 10 pages/s",
    );

    let docs: Vec<Document> = sheets
        .iter()
        .map(|s| Document::open(Arc::new(s.clone())).unwrap())
        .collect();
    let mut worst = Duration::ZERO;
    let mut total = Duration::ZERO;
    let mut count = 0;
    for doc in &docs {
        for n in 1..=doc.page_count() {
            let took = best(3, || {
                std::hint::black_box(render_page(doc, n, THUMBNAIL_LONGEST_SIDE).unwrap());
            });
            worst = worst.max(took);
            total += took;
            count += 1;
        }
    }
    report(
        "thumbnails (1024 px PNG), 42x30-in sheets",
        count,
        total,
        "<= 0.5 s each",
    );
    println!("{:<48} slowest sheet {:.3} s", "", worst.as_secs_f64());

    let mut count = 0;
    let took = best(3, || {
        count = 0;
        for s in &sheets {
            let src = CropSource::parse(s).unwrap();
            let doc = Document::open(Arc::new(s.clone())).unwrap();
            for n in 1..=doc.page_count() {
                std::hint::black_box(src.page_pdf(n as u32).unwrap());
                count += 1;
            }
        }
    });
    report("vector crops, 42x30-in sheets", count, took, "-");
}
