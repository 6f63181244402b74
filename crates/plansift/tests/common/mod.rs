//! What the integration test binaries share: the corpus beside the checkout and a minimal PDF
//! writer for inputs the tests make themselves.

#![allow(dead_code)] // each test binary uses its own part

use std::path::{Path, PathBuf};

/// The corpus documents that have a text layer (every page is vector text).
pub const TEXT_LAYER_DOCUMENTS: [&str; 12] = [
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

pub fn corpus_path(rel: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus")
        .join(rel);
    assert!(p.exists(), "corpus file {} is missing", p.display());
    p
}

pub fn corpus_bytes(rel: &str) -> Vec<u8> {
    std::fs::read(corpus_path(rel)).unwrap()
}

/// A PDF from object bodies (object n is `objs[n-1]`) with a correct xref table; `trailer_extra`
/// goes into the trailer dictionary.
pub fn pdf(objs: &[Vec<u8>], trailer_extra: &str) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objs.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(o);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objs.len() + 1).as_bytes());
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R {trailer_extra} >>\nstartxref\n{xref}\n%%EOF\n",
            objs.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A one-page PDF whose Standard security handler has a non-empty user password.
pub fn encrypted_pdf() -> Vec<u8> {
    let objs = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>".to_vec(),
        format!(
            "<< /Filter /Standard /V 2 /R 3 /Length 128 /P -3904 /O <{}> /U <{}> >>",
            "a1".repeat(32),
            "b2".repeat(32)
        )
        .into_bytes(),
    ];
    pdf(
        &objs,
        "/Encrypt 4 0 R /ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>]",
    )
}
