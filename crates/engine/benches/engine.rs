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

    ocr_bench();
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// OCR'd pages: the image-only drawing sets (title-block path), and spec-book pages read as
/// if scanned (whole-page path). Tesseract runs with one thread.
fn ocr_bench() {
    use plansift_engine::ocr::{Ocr, TesseractCli};
    use plansift_engine::{PageKind, analyze_page_with, ocr_page};
    let Some(tesseract) = TesseractCli::detect() else {
        println!("OCR: tesseract is not installed; skipped");
        return;
    };
    let mut times = Vec::new();
    for rel in [
        "derived_raster/E201A_raster150.pdf",
        "derived_raster/M01-17-ITS-Tolling-2b_raster150.pdf",
    ] {
        let doc = Document::open(Arc::new(corpus(rel))).unwrap();
        for n in 1..=doc.page_count() {
            let t = Instant::now();
            std::hint::black_box(analyze_page_with(&doc, n, Some(&tesseract as &dyn Ocr)).unwrap());
            times.push(t.elapsed());
        }
    }
    let count = times.len();
    let slowest = *times.iter().max().unwrap();
    println!(
        "{:<48} {count:>4} pages  median {:.2} s, slowest {:.2} s   target <= 5 s",
        "OCR'd drawing page (title-block path)",
        median(times).as_secs_f64(),
        slowest.as_secs_f64()
    );

    let doc = Document::open(Arc::new(corpus(
        "spec_test_suite/2024-09-11 Project Manual SC Justice Center Remodel.pdf",
    )))
    .unwrap();
    let mut times = Vec::new();
    for n in [10, 32, 44, 94, 292] {
        let g = doc.geometry(n).unwrap();
        let t = Instant::now();
        let words = ocr_page::read_words(&doc, n, &g, PageKind::Document, 0.0, &tesseract).unwrap();
        times.push(t.elapsed());
        assert!(words.len() > 50, "page {n}: {} words", words.len());
    }
    println!(
        "{:<48} {:>4} pages  median {:.2} s   target <= 3 s",
        "OCR'd spec page (whole page, 200 dpi)",
        times.len(),
        median(times).as_secs_f64()
    );
}
