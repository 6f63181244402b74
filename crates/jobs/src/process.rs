//! `plansift process`: one file through the same engine and result code as a job, no server.

use crate::result::{DocumentInput, build_document, usage};
use plansift_engine::{Document, Engine, kind_from_size};
use plansift_types::ids::{IdKind, new_id};
use plansift_types::result::{ResultJob, ResultV1};
use plansift_types::time;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// Default rates of API.md §5, for the usage block of a local run.
const DRAWING_RATE: i64 = 10;
const DOCUMENT_RATE: i64 = 1;

/// Processes one file's bytes into Result v1.
pub fn process_file(file_name: &str, bytes: Vec<u8>, classification: Option<&str>) -> ResultV1 {
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
    let size = bytes.len() as i64;
    let document_id = new_id(IdKind::Document);
    let mut pages = Vec::new();
    let error = match Document::open(Arc::new(bytes)) {
        Err(e) => Some((e.code().to_string(), e.to_string())),
        Ok(doc) => {
            let stop = AtomicBool::new(false);
            let mut n = 0u32;
            Engine::new()
                .with_ocr(plansift_engine::ocr::TesseractCli::detect().map(|o| {
                    std::sync::Arc::new(o) as std::sync::Arc<dyn plansift_engine::ocr::Ocr>
                }))
                .run(&doc, 1..=doc.page_count(), &stop, |outcome| {
                    n += 1;
                    let preflight = doc
                        .geometry(n as usize)
                        .map(|g| kind_from_size(&g).as_str())
                        .unwrap_or("document");
                    pages.push((
                        n,
                        preflight,
                        outcome.map_err(|e| (e.code().to_string(), e.to_string())),
                    ));
                });
            None
        }
    };
    let mut out = build_document(DocumentInput {
        document_id: &document_id,
        file_name,
        classification,
        content_type: "application/pdf",
        file_size: size,
        sha256: &sha,
        error,
        pages,
        project_id: None,
        artifacts: None,
        artifact_url_prefix: None,
    });
    let issued = crate::sheet_index::issued_sheets([&out.document]);
    out.document.sheet_index = crate::sheet_index::check(&out.analysed, &issued);
    let mut targets = crate::references::Targets::default();
    targets.add_document(&out.document, &out.analysed);
    crate::references::attach_references(
        &mut out.document,
        &out.analysed,
        &targets,
        None,
        &mut out.evidence,
    );
    let now = time::format(&time::now());
    crate::result::keep_documented_sections(&mut out.document);
    let debited = out.tally.credits(DRAWING_RATE, DOCUMENT_RATE);
    let failed = out.document.status == "failed";
    let documents = vec![out.document];
    ResultV1 {
        schema_version: "v1".into(),
        job: ResultJob {
            id: new_id(IdKind::Job),
            status: if failed {
                "failed".into()
            } else {
                "completed".into()
            },
            external_id: None,
            created_at: now.clone(),
            completed_at: Some(now.clone()),
            expires_at: None,
            result_url: None,
            error: None,
        },
        usage: usage(&[out.tally], DRAWING_RATE, DOCUMENT_RATE, debited),
        documents,
        evidence: out.evidence,
        warnings: out.warnings,
        errors: out.errors,
        generated_at: now,
    }
}
