//! Result v1 from engine output.

use crate::artifacts::{
    PageArtifacts, original_path, region_crop_path, thumbnail_path, vector_crop_path,
};
use plansift_engine::text::Rect;
use plansift_engine::{DocumentAnalysis, PageAnalysis, PageKind, assemble};
use plansift_types::ids::{IdKind, new_id};
use plansift_types::result::*;
use std::collections::HashMap;

/// A page's analysis, or its error code and message.
pub type PageOutcome = Result<PageAnalysis, (String, String)>;

/// What a document's pages came to: each page analysed, or failed with a code and message.
pub struct DocumentInput<'a> {
    pub document_id: &'a str,
    pub file_name: &'a str,
    pub classification: Option<&'a str>,
    pub content_type: &'a str,
    pub file_size: i64,
    pub sha256: &'a str,
    /// The document error, when the whole document failed.
    pub error: Option<(String, String)>,
    /// Page number, preflight kind, and the analysis or the page error.
    pub pages: Vec<(u32, &'static str, PageOutcome)>,
    /// The project the job belongs to, for `sourceCatalogUri`s.
    pub project_id: Option<&'a str>,
    /// What was written for each page; `None` when nothing is stored (a local run).
    pub artifacts: Option<&'a HashMap<u32, PageArtifacts>>,
    /// The URL an artifact path is served at: this prefix and the path.
    pub artifact_url_prefix: Option<&'a str>,
}

/// Page counts of one document by final kind, known where each page's outcome is known.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PageTally {
    pub drawing: i64,
    pub document: i64,
    pub successful_drawing: i64,
    pub successful_document: i64,
}

impl PageTally {
    fn add(&mut self, kind: &str, ok: bool) {
        if kind == "drawing" {
            self.drawing += 1;
            self.successful_drawing += ok as i64;
        } else {
            self.document += 1;
            self.successful_document += ok as i64;
        }
    }

    /// Credits for the successful pages at the given rates.
    pub fn credits(&self, drawing_rate: i64, document_rate: i64) -> i64 {
        self.successful_drawing * drawing_rate + self.successful_document * document_rate
    }
}

pub struct DocumentOutput {
    pub document: ResultDocument,
    pub tally: PageTally,
    pub evidence: Vec<ResultEvidence>,
    pub errors: Vec<ResultIssue>,
    pub warnings: Vec<ResultIssue>,
    pub detected_classification: Option<String>,
    /// The pages that were analysed and their assembly, for the project index.
    pub analysed: Vec<PageAnalysis>,
    pub analysis: DocumentAnalysis,
}

pub fn box01(r: &Rect) -> Box01 {
    box01_of([r.x0, r.y0, r.x1, r.y1])
}

/// A normalized box (left, top, right, bottom) as the API writes it: four decimals.
pub fn box01_of(b: [f32; 4]) -> Box01 {
    let round = |v: f32| (v as f64 * 10000.0).round() / 10000.0;
    Box01 {
        left: round(b[0]),
        top: round(b[1]),
        right: round(b[2]),
        bottom: round(b[3]),
    }
}

fn artifact(
    input: &DocumentInput<'_>,
    kind: &str,
    path: String,
    content_type: &str,
    size: Option<(u32, u32)>,
) -> ResultArtifact {
    ResultArtifact {
        kind: kind.into(),
        url: input.artifact_url_prefix.map(|p| format!("{p}{path}")),
        path,
        content_type: content_type.into(),
        width: size.map(|s| s.0),
        height: size.map(|s| s.1),
    }
}

/// The thumbnail and vector crop written for a page.
fn page_artifacts(input: &DocumentInput<'_>, page: u32) -> Vec<ResultArtifact> {
    let Some(a) = input.artifacts.and_then(|m| m.get(&page)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(size) = a.thumbnail {
        out.push(artifact(
            input,
            "thumbnail",
            thumbnail_path(input.document_id, page),
            "image/png",
            Some(size),
        ));
    }
    if a.vector_crop {
        out.push(artifact(
            input,
            "vector_crop",
            vector_crop_path(input.document_id, page),
            "application/pdf",
            None,
        ));
    }
    out
}

fn catalog_uri(project: Option<&str>, kind: &str, id: &str) -> Option<String> {
    project.map(|p| format!("pgcat://{p}/{kind}/{id}"))
}

/// Builds one document's part of Result v1.
pub fn build_document(mut input: DocumentInput<'_>) -> DocumentOutput {
    let mut errors = Vec::new();
    let mut evidence = Vec::new();
    if let Some((code, message)) = &input.error {
        errors.push(ResultIssue {
            code: code.clone(),
            message: message.clone(),
            document_id: Some(input.document_id.into()),
            page_number: None,
        });
    }
    let mut analysed: Vec<PageAnalysis> = Vec::new();
    let mut pages = Vec::new();
    let mut tally = PageTally::default();
    for (number, preflight_kind, outcome) in std::mem::take(&mut input.pages) {
        match outcome {
            Ok(a) => {
                tally.add(a.kind.as_str(), true);
                pages.push(ResultPage {
                    page_number: number as i64,
                    kind: a.kind.as_str().into(),
                    width: a.geometry.width as f64,
                    height: a.geometry.height as f64,
                    rotation: a.geometry.rotation as i64,
                    text_source: a.text_source.as_str().into(),
                });
                analysed.push(a);
            }
            Err((code, message)) => {
                tally.add(preflight_kind, false);
                pages.push(ResultPage {
                    page_number: number as i64,
                    kind: preflight_kind.into(),
                    width: 0.0,
                    height: 0.0,
                    rotation: 0,
                    text_source: "none".into(),
                });
                errors.push(ResultIssue {
                    code,
                    message,
                    document_id: Some(input.document_id.into()),
                    page_number: Some(number as i64),
                });
            }
        }
    }
    let analysis: DocumentAnalysis = assemble(&analysed);
    let detected =
        (!analysed.is_empty()).then(|| analysis.detected_classification(&analysed).to_string());

    let sheets: Vec<ResultSheet> = analysis
        .sheets
        .iter()
        .map(|s| {
            let sheet_id = new_id(IdKind::Sheet);
            let number = s.number.as_ref().map(|f| f.text.clone());
            let name = s.title.as_ref().map(|f| f.text.clone());
            for (label, field) in [("sheetNumber", &s.number), ("sheetName", &s.title)] {
                if let Some(f) = field {
                    evidence.push(ResultEvidence {
                        id: new_id(IdKind::Evidence),
                        kind: "sheet_field".into(),
                        region_type: None,
                        label: Some(label.into()),
                        text: Some(f.text.clone()),
                        document_id: input.document_id.into(),
                        page_number: s.page_number as i64,
                        sheet_number: number.clone(),
                        bbox: Some(box01(&f.bbox)),
                        source_catalog_uri: catalog_uri(input.project_id, "sheet", &sheet_id),
                    });
                }
            }
            let field = |f: &Option<plansift_engine::sheet::Field>| FieldRef {
                bbox: f.as_ref().map(|f| box01(&f.bbox)),
                confidence: f
                    .as_ref()
                    .map(|f| (f.confidence as f64 * 100.0).round() / 100.0)
                    .unwrap_or(0.0),
            };
            let mut region_ids = Vec::new();
            for r in &s.regions {
                let id = new_id(IdKind::Region);
                evidence.push(ResultEvidence {
                    id: new_id(IdKind::Evidence),
                    kind: "region".into(),
                    region_type: Some(r.region_type.clone()),
                    label: Some(r.label.clone()),
                    text: Some(r.text.clone()),
                    document_id: input.document_id.into(),
                    page_number: s.page_number as i64,
                    sheet_number: number.clone(),
                    bbox: Some(box01(&r.bbox)),
                    source_catalog_uri: catalog_uri(input.project_id, "region", &id),
                });
                region_ids.push(id);
            }
            let mut artifacts = page_artifacts(&input, s.page_number);
            let crops = input
                .artifacts
                .and_then(|m| m.get(&s.page_number))
                .map(|a| a.region_crops.clone())
                .unwrap_or_default();
            for (index, size) in crops {
                artifacts.push(artifact(
                    &input,
                    "region_crop",
                    region_crop_path(input.document_id, s.page_number, index),
                    "image/png",
                    Some(size),
                ));
            }
            let revisions = analysed
                .iter()
                .find(|p| p.page_number == s.page_number)
                .map(|p| plansift_engine::revision_block::revisions(&p.words))
                .unwrap_or_default()
                .into_iter()
                .map(|r| ResultRevision {
                    mark: r.mark,
                    date: r.date,
                    description: r.description,
                    bbox: box01_of(r.bbox),
                })
                .collect();
            ResultSheet {
                references: Vec::new(),
                revisions,
                artifacts,
                sheet_display_name: match (&number, &name) {
                    (Some(n), Some(t)) => Some(format!("{n} – {t}")),
                    (Some(n), None) => Some(n.clone()),
                    (None, Some(t)) => Some(t.clone()),
                    (None, None) => None,
                },
                sheet_id,
                page_number: s.page_number as i64,
                sheet_number: number,
                sheet_name: name,
                discipline: s.discipline.clone(),
                discipline_code: s.discipline_code.clone(),
                drawing_type: s.drawing_type.clone(),
                title_block: BoxRef {
                    bbox: s.title_block.as_ref().map(box01),
                },
                fields: SheetFields {
                    sheet_number: field(&s.number),
                    sheet_name: field(&s.title),
                },
                region_ids,
            }
        })
        .collect();

    // Every section read is built (the project index keeps them all, ids shared with evidence);
    // [`keep_documented_sections`] then leaves in the result what Plangrep documents.
    let classification = input
        .classification
        .map(str::to_string)
        .or_else(|| detected.clone())
        .unwrap_or_else(|| "other".into());
    let has_documents = analysed.iter().any(|p| p.kind == PageKind::Document);
    let specifications = has_documents.then(|| {
        analysis
            .sections
            .iter()
            .map(|s| {
                let id = new_id(IdKind::Spec);
                evidence.push(ResultEvidence {
                    id: new_id(IdKind::Evidence),
                    kind: "spec_section".into(),
                    region_type: None,
                    label: Some(format!("SECTION {}", s.number)),
                    text: Some(s.title.clone()),
                    document_id: input.document_id.into(),
                    page_number: s.page_start as i64,
                    sheet_number: None,
                    bbox: s.start_box.as_ref().map(box01),
                    source_catalog_uri: catalog_uri(input.project_id, "spec", &id),
                });
                ResultSpecSection {
                    specification_id: id,
                    section_number: s.number.clone(),
                    section_title: s.title.clone(),
                    page_start: s.page_start as i64,
                    page_end: s.page_end as i64,
                    start_box: s.start_box.as_ref().map(box01),
                    parts: s
                        .parts
                        .iter()
                        .map(|p| ResultSpecPart {
                            label: p.label.clone(),
                            title: p.title.clone(),
                            page_start: p.page_start as i64,
                            page_end: p.page_end as i64,
                        })
                        .collect(),
                    articles: s
                        .articles
                        .iter()
                        .map(|a| ResultSpecArticle {
                            number: a.number.clone(),
                            title: a.title.clone(),
                            page_number: a.page_number as i64,
                        })
                        .collect(),
                    submittals: s
                        .submittals
                        .iter()
                        .map(|it| ResultSubmittal {
                            submittal_id: new_id(IdKind::Submittal),
                            kind: it.kind.as_str().to_string(),
                            description: it.description.clone(),
                            text: it.text.clone(),
                            article: it.article.clone(),
                            source: it.source.as_str().to_string(),
                            page_number: it.page_number as i64,
                            bbox: box01(&it.bbox),
                        })
                        .collect(),
                    referenced_standards: s.referenced_standards.clone(),
                    related_sections: s.related_sections.clone(),
                    confidence: s.confidence as f64,
                }
            })
            .collect()
    });

    let docs = has_documents.then(|| {
        analysis
            .doc_sections
            .iter()
            .map(|d| {
                let id = new_id(IdKind::DocSection);
                let items = d
                    .items
                    .iter()
                    .map(|i| {
                        evidence.push(ResultEvidence {
                            id: new_id(IdKind::Evidence),
                            kind: "doc_item".into(),
                            region_type: None,
                            label: Some(i.label.clone()),
                            text: Some(i.text.clone()),
                            document_id: input.document_id.into(),
                            page_number: i.page_number as i64,
                            sheet_number: None,
                            bbox: Some(box01(&i.bbox)),
                            source_catalog_uri: catalog_uri(input.project_id, "doc", &id),
                        });
                        ResultDocItem {
                            label: i.label.clone(),
                            text: i.text.clone(),
                            references: i.references.clone(),
                            page_number: i.page_number as i64,
                            bbox: Some(box01(&i.bbox)),
                        }
                    })
                    .collect();
                ResultDocSection {
                    doc_section_id: id,
                    doc_type: d.doc_type.clone(),
                    title: d.title.clone(),
                    page_start: d.page_start as i64,
                    page_end: d.page_end as i64,
                    items,
                }
            })
            .collect()
    });

    let mut document_artifacts = Vec::new();
    let mut warnings = Vec::new();
    if input.artifacts.is_some() {
        document_artifacts.push(artifact(
            &input,
            "original",
            original_path(input.document_id),
            input.content_type,
            None,
        ));
    }
    for a in &analysed {
        if a.kind == PageKind::Document {
            document_artifacts.extend(page_artifacts(&input, a.page_number));
        }
        let artifact_warnings = input
            .artifacts
            .and_then(|m| m.get(&a.page_number))
            .map(|p| p.warnings.as_slice())
            .unwrap_or_default();
        for w in a.warnings.iter().chain(artifact_warnings) {
            let (code, message) = w.split_once(": ").unwrap_or(("artifact_failed", w));
            warnings.push(ResultIssue {
                code: code.into(),
                message: message.into(),
                document_id: Some(input.document_id.into()),
                page_number: Some(a.page_number as i64),
            });
        }
    }

    let page_count = pages.len() as i64;
    let successful = tally.successful_drawing + tally.successful_document;
    let failed = page_count - successful;
    let status = if input.error.is_some() || (page_count > 0 && successful == 0) {
        "failed"
    } else if failed > 0 {
        "completed_with_errors"
    } else {
        "completed"
    };
    let document = ResultDocument {
        document_id: input.document_id.into(),
        file_name: input.file_name.into(),
        classification,
        detected_classification: detected.clone(),
        content_type: input.content_type.into(),
        file_size: input.file_size,
        sha256: input.sha256.into(),
        status: status.into(),
        page_count,
        successful_page_count: successful,
        failed_page_count: failed,
        error: input
            .error
            .map(|(code, message)| plansift_types::api::ErrorView { code, message }),
        artifacts: document_artifacts,
        pages,
        sheets,
        sheet_index: None,
        specifications,
        docs,
    };
    DocumentOutput {
        document,
        tally,
        evidence,
        errors,
        warnings,
        detected_classification: detected,
        analysed,
        analysis,
    }
}

/// Plangrep's rule for a document of Result v1: `specifications` only for `specifications` and
/// `mixed` files, `docs` only for `documents`, `addenda` and `mixed` files (a list, possibly
/// empty), null otherwise. Applied after the project index has taken every section read.
pub fn keep_documented_sections(document: &mut ResultDocument) {
    let class = document.classification.as_str();
    if matches!(class, "specifications" | "mixed") {
        document.specifications.get_or_insert_with(Vec::new);
    } else {
        document.specifications = None;
    }
    if matches!(class, "documents" | "addenda" | "mixed") {
        document.docs.get_or_insert_with(Vec::new);
    } else {
        document.docs = None;
    }
}

/// Usage totals over the documents of a result.
pub fn usage(
    tallies: &[PageTally],
    drawing_rate: i64,
    document_rate: i64,
    debited: i64,
) -> ResultUsage {
    let mut u = ResultUsage {
        drawing_credits_per_page: drawing_rate,
        document_credits_per_page: document_rate,
        credits_debited: debited,
        ..Default::default()
    };
    for t in tallies {
        u.drawing_page_count += t.drawing;
        u.document_page_count += t.document;
        u.successful_drawing_page_count += t.successful_drawing;
        u.successful_document_page_count += t.successful_document;
    }
    u.page_count = u.drawing_page_count + u.document_page_count;
    u.successful_page_count = u.successful_drawing_page_count + u.successful_document_page_count;
    u.failed_page_count = u.page_count - u.successful_page_count;
    u
}
