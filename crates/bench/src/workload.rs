//! The workload: one PDF of at least N pages made of the corpus documents with a text layer —
//! the spec books once, then the drawing sheets again until the page count is reached — joined
//! with poppler's `pdfunite`.

use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Spec books and other documents, each once.
const BOOKS: [&str; 7] = [
    "spec_test_suite/2024-09-11 Project Manual SC Justice Center Remodel.pdf",
    "spec_test_suite/NYC_OGS_Addendum_01.pdf",
    "spec_test_suite/NYC_HPD_Table_of_Contents.pdf",
    "spectAIchallenge/22 08 00 - COMMISSIONING OF PLUMBING (Short).pdf",
    "spectAIchallenge/233000 HVAC Air Distribution (Long).pdf",
    "spectAIchallenge/271500 (Medium).pdf",
    "spec_test_suite/DOT_OCR_Stress_Test.pdf",
];

/// Drawing sheets, repeated until the set is large enough.
const SHEETS: [&str; 5] = [
    "opentakeoff/sample-finish-plan.pdf",
    "wsdot_plansheet/Pages from M01-17-ITS-Tolling-2b.pdf",
    "wsdot_plansheet/test_smaller.pdf",
    "wsdot_plansheet/FiberCables_Conformed2-SR167_2b_Technical_Requirements.pdf",
    "ranjantx_ocr_parser/E201A-FLOOR-PLAN- P&S.pdf",
];

pub struct Workload {
    pub path: PathBuf,
    pub pages: usize,
    pub bytes: u64,
}

fn page_count(path: &Path) -> anyhow::Result<usize> {
    let bytes = std::fs::read(path)?;
    let doc = plansift_engine::Document::open(std::sync::Arc::new(bytes))
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(doc.page_count())
}

/// Builds the set in `dir`.
pub fn build(corpus: &Path, dir: &Path, min_pages: usize) -> anyhow::Result<Workload> {
    let mut parts: Vec<PathBuf> = Vec::new();
    let mut pages = 0;
    for rel in BOOKS {
        let p = corpus.join(rel);
        pages += page_count(&p)?;
        parts.push(p);
    }
    while pages < min_pages {
        for rel in SHEETS {
            let p = corpus.join(rel);
            pages += page_count(&p)?;
            parts.push(p);
        }
    }
    let path = dir.join("set.pdf");
    let status = Command::new("pdfunite")
        .args(&parts)
        .arg(&path)
        .stderr(std::process::Stdio::null())
        .status()
        .context("pdfunite (poppler-utils) is installed by scripts/setup.sh --test")?;
    if !status.success() {
        bail!("pdfunite failed: {status}");
    }
    let joined = page_count(&path)?;
    if joined != pages {
        bail!("the joined set has {joined} pages, expected {pages}");
    }
    Ok(Workload {
        bytes: std::fs::metadata(&path)?.len(),
        path,
        pages,
    })
}
