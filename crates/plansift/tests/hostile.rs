//! Hostile and damaged PDFs through the real binary: each gives a document or page error (or a
//! result), never a panic, an abort or a hang. A subprocess is the only way to see an abort or a
//! stack overflow, which no `catch_unwind` can catch.

mod common;

use common::{corpus_bytes as corpus, encrypted_pdf, pdf};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut v = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
    v.extend_from_slice(data);
    v.extend_from_slice(b"\nendstream");
    v
}

fn page_pdf(media_box: &str, resources: &str, content: &[u8], extra: Vec<Vec<u8>>) -> Vec<u8> {
    let mut objs = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        format!("<< /Type /Page /Parent 2 0 R /MediaBox {media_box} /Resources {resources} /Contents 4 0 R >>").into_bytes(),
        stream("", content),
    ];
    objs.extend(extra);
    pdf(&objs, "")
}

fn hostile_inputs() -> Vec<(&'static str, Vec<u8>)> {
    let good = corpus("opentakeoff/sample-finish-plan.pdf");
    let mut flipped = good.clone();
    let mut state = 0x2545_f491_u64; // a fixed xorshift seed: the same flips every run
    for _ in 0..2000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let i = (state % flipped.len() as u64) as usize;
        flipped[i] ^= 0x5a;
    }
    let deep_array = {
        let mut c = b"BT /F1 12 Tf 100 100 Td ".to_vec();
        c.extend(std::iter::repeat_n(b'[', 100_000));
        c.extend(std::iter::repeat_n(b']', 100_000));
        c.extend_from_slice(b" TJ ET");
        c
    };
    let deep_q = {
        let mut c = Vec::new();
        c.extend(std::iter::repeat_n(b"q ".as_slice(), 100_000).flatten());
        c.extend_from_slice(b"0 0 10 10 re f ");
        c.extend(std::iter::repeat_n(b"Q ".as_slice(), 100_000).flatten());
        c
    };
    vec![
        ("empty", Vec::new()),
        ("not a pdf", b"GIF89a this is not a PDF".to_vec()),
        ("header only", b"%PDF-1.7\n".to_vec()),
        ("truncated", good[..good.len() / 3].to_vec()),
        ("byte-flipped", flipped),
        (
            "cyclic page tree",
            pdf(
                &[
                    b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
                    b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>".to_vec(),
                    b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R 3 0 R] /Count 1 >>".to_vec(),
                ],
                "",
            ),
        ),
        (
            "self-referencing xobject",
            page_pdf(
                "[0 0 612 792]",
                "<< /XObject << /X1 5 0 R >> >>",
                b"/X1 Do",
                vec![stream(
                    "/Type /XObject /Subtype /Form /BBox [0 0 100 100] /Resources << /XObject << /X1 5 0 R >> >>",
                    b"/X1 Do",
                )],
            ),
        ),
        (
            "100000-deep array nesting",
            page_pdf("[0 0 612 792]", "<< >>", &deep_array, vec![]),
        ),
        (
            "100000-deep graphics state nesting",
            page_pdf("[0 0 612 792]", "<< >>", &deep_q, vec![]),
        ),
        ("100000-deep object nesting", {
            let mut o = Vec::new();
            o.extend(std::iter::repeat_n(b"<< /A ".as_slice(), 100_000).flatten());
            o.extend(std::iter::repeat_n(b">> ".as_slice(), 100_000).flatten());
            pdf(
                &[
                    b"<< /Type /Catalog /Pages 2 0 R /Deep 3 0 R >>".to_vec(),
                    b"<< /Type /Pages /Kids [] /Count 0 >>".to_vec(),
                    o,
                ],
                "",
            )
        }),
        (
            "huge mediabox",
            page_pdf(
                "[0 0 14400000 14400000]",
                "<< >>",
                b"0 0 14400000 14400000 re f",
                vec![],
            ),
        ),
        (
            "negative mediabox",
            page_pdf("[0 0 -500 -500]", "<< >>", b"0 0 10 10 re f", vec![]),
        ),
        ("encrypted", encrypted_pdf()),
    ]
}

#[test]
fn hostile_pdfs_fail_their_document_or_page_and_never_the_process() {
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for (name, bytes) in hostile_inputs() {
        let path = dir.path().join(format!("{}.pdf", name.replace(' ', "-")));
        std::fs::File::create(&path)
            .unwrap()
            .write_all(&bytes)
            .unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_plansift"))
            .arg("process")
            .arg(&path)
            .arg("--artifacts")
            .arg(dir.path().join(name.replace(' ', "-")))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if started.elapsed() > Duration::from_secs(60) {
                let _ = child.kill();
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let Some(status) = status else {
            failures.push(format!("{name}: hung"));
            continue;
        };
        if !status.success() {
            failures.push(format!("{name}: exited with {status}"));
            continue;
        }
        let mut out = String::new();
        std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut out).unwrap();
        let result: serde_json::Value = match serde_json::from_str(&out) {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!("{name}: output is not JSON: {e}"));
                continue;
            }
        };
        let doc = &result["documents"][0];
        let status = doc["status"].as_str().unwrap_or_default();
        // Either the document failed with a document error, or it was read and every page has
        // an outcome (analysed or failed with a page error).
        let ok = match status {
            "failed" => {
                doc["error"]["code"].is_string() || doc["failedPageCount"].as_i64() > Some(0)
            }
            "completed" | "completed_with_errors" => {
                doc["pages"].as_array().map(|p| p.len() as i64) == doc["pageCount"].as_i64()
            }
            _ => false,
        };
        if !ok {
            failures.push(format!("{name}: unexpected result {doc}"));
        }
        eprintln!(
            "{name}: {status} {} in {:?}",
            doc["error"]["code"],
            started.elapsed()
        );
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
