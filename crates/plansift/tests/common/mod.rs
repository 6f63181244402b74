//! What the integration test binaries share: the corpus beside the checkout and a minimal PDF
//! writer for inputs the tests make themselves.

#![allow(dead_code)] // each test binary uses its own part

pub mod process;

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

/// Text drawn by [`drawing_sheet`]: `(x, y, size, text)` in PDF points (origin bottom-left).
pub type SheetText<'a> = (f32, f32, f32, &'a str);

/// A one-page 36×24 in drawing: a border, rooms of line work, a view title, and a title block
/// along the right edge with the project, `title` and `number` under their labels. `extra`
/// adds content-stream operators (a change between versions, callouts) and `texts` more text.
pub fn drawing_sheet(number: &str, title: &str, texts: &[SheetText<'_>], extra: &str) -> Vec<u8> {
    let (w, h) = (2592.0, 1728.0);
    let esc = |s: &str| {
        s.replace('\\', "\\\\")
            .replace('(', "\\(")
            .replace(')', "\\)")
    };
    let text = |x: f32, y: f32, size: f32, s: &str| {
        format!("BT /F1 {size} Tf {x} {y} Td ({}) Tj ET\n", esc(s))
    };
    let mut c = String::from("1 w 0 0 0 RG\n");
    c += &format!("36 36 {} {} re S\n", w - 72.0, h - 72.0);
    for i in 0..6 {
        for j in 0..4 {
            c += &format!("{} {} 280 280 re S\n", 150 + i * 300, 300 + j * 300);
        }
    }
    c += &text(700.0, 1550.0, 28.0, title);
    let tx = 2250.0;
    c += &format!("{tx} 36 m {tx} {} l S\n", h - 36.0);
    for y in [200, 320, 440, 700, 1000] {
        c += &format!("{tx} {y} m {} {y} l S\n", w - 36.0);
    }
    for (x, y, size, s) in [
        (tx + 15.0, 1600.0, 12.0, "ACME ARCHITECTS"),
        (tx + 15.0, 900.0, 10.0, "PROJECT"),
        (tx + 15.0, 860.0, 16.0, "MAIN STREET LIBRARY"),
        (tx + 15.0, 420.0, 10.0, "SHEET TITLE"),
        (tx + 15.0, 380.0, 18.0, title),
        (tx + 15.0, 300.0, 10.0, "DATE"),
        (tx + 15.0, 270.0, 12.0, "2026-11-01"),
        (tx + 15.0, 180.0, 10.0, "SHEET NUMBER"),
        (tx + 40.0, 90.0, 48.0, number),
    ]
    .into_iter()
    .chain(texts.iter().copied())
    {
        c += &text(x, y, size, s);
    }
    c += extra;
    let objs = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {w} {h}] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>").into_bytes(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
        [
            format!("<< /Length {} >>\nstream\n", c.len()).into_bytes(),
            c.into_bytes(),
            b"\nendstream".to_vec(),
        ]
        .concat(),
    ];
    pdf(&objs, "")
}

/// A spec book of letter pages: each page's lines in Helvetica 10 pt, one every 13 pt from the
/// top margin down, indented by their leading spaces (4 pt a space).
pub fn spec_book(pages: &[&[&str]]) -> Vec<u8> {
    let esc = |s: &str| {
        s.replace('\\', "\\\\")
            .replace('(', "\\(")
            .replace(')', "\\)")
    };
    let n = pages.len();
    let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", 4 + 2 * i)).collect();
    let mut objs = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!("<< /Type /Pages /Kids [{}] /Count {n} >>", kids.join(" ")).into_bytes(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
    ];
    for (i, lines) in pages.iter().enumerate() {
        let mut c = String::new();
        for (j, line) in lines.iter().enumerate() {
            let indent = line.len() - line.trim_start().len();
            let (x, y) = (72.0 + 4.0 * indent as f32, 720.0 - 13.0 * j as f32);
            c += &format!(
                "BT /F1 10 Tf {x} {y} Td ({}) Tj ET\n",
                esc(line.trim_start())
            );
        }
        objs.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
                5 + 2 * i
            )
            .into_bytes(),
        );
        objs.push(
            [
                format!("<< /Length {} >>\nstream\n", c.len()).into_bytes(),
                c.into_bytes(),
                b"\nendstream".to_vec(),
            ]
            .concat(),
        );
    }
    pdf(&objs, "")
}
