//! OCR goes where there is no text layer and nowhere else.

use plansift_engine::ocr::{Ocr, TesseractCli, ocr_calls};
use plansift_engine::{Document, Engine, TextSource};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

fn corpus(rel: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/corpus")
            .join(rel),
    )
    .unwrap()
}

const VECTOR: [&str; 12] = [
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

fn analyse(engine: &Engine, rel: &str) -> Vec<plansift_engine::PageAnalysis> {
    let doc = Document::open(Arc::new(corpus(rel))).unwrap();
    let mut pages = Vec::new();
    engine.run(&doc, 1..=doc.page_count(), &AtomicBool::new(false), |p| {
        pages.push(p.unwrap())
    });
    pages
}

/// One test, so no other test of this binary makes OCR calls while it counts.
#[test]
fn text_layer_pages_never_go_through_ocr_and_scans_do() {
    let tesseract = TesseractCli::detect().expect("tesseract is installed by scripts/setup.sh");
    let engine = Engine::new().with_ocr(Some(Arc::new(tesseract) as Arc<dyn Ocr>));
    let before = ocr_calls();
    let mut pages = 0;
    for rel in VECTOR {
        for p in analyse(&engine, rel) {
            assert_eq!(
                p.text_source,
                TextSource::Vector,
                "{rel} p{}",
                p.page_number
            );
            pages += 1;
        }
    }
    assert_eq!(
        ocr_calls() - before,
        0,
        "OCR calls on {pages} text-layer pages"
    );
    assert!(pages > 400);

    let scanned = analyse(&engine, "derived_raster/E201A_raster150.pdf");
    assert!(ocr_calls() > before, "the counter counts");
    assert_eq!(scanned[0].text_source, TextSource::Ocr);
    let sheet = scanned[0].sheet.as_ref().unwrap();
    assert_eq!(sheet.number.as_ref().unwrap().text, "E201A");
    assert!(
        sheet.number.as_ref().unwrap().confidence < 0.99,
        "OCR confidence is carried"
    );
}

#[test]
fn without_an_ocr_engine_scans_end_with_a_warning() {
    let pages = analyse(&Engine::new(), "derived_raster/E201A_raster150.pdf");
    assert_eq!(pages[0].text_source, TextSource::None);
    assert!(
        pages[0].warnings[0].starts_with("ocr_unavailable"),
        "{:?}",
        pages[0].warnings
    );
}
