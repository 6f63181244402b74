//! Fuzzes the engine's entry points: open any bytes as a PDF, analyse and render each page,
//! assemble the document. Every outcome must be a value or an error, never a panic or an abort.
//!
//!     cargo +nightly fuzz run page_analysis

#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = plansift_engine::Document::open(Arc::new(data.to_vec())) else { return };
    let mut pages = Vec::new();
    for n in 1..=doc.page_count().min(8) {
        if let Ok(page) = plansift_engine::analyze_page(&doc, n) {
            pages.push(page);
        }
        let _ = plansift_engine::render::render_page(&doc, n, 64);
    }
    let _ = plansift_engine::assemble(&pages);
});
