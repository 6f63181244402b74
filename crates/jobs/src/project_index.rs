//! What a finished job adds to its project (API.md §9): one entity per file, sheet, region,
//! specification section, part, document section and item, each with its API view, filter
//! columns and search text; and every page's words for grep. Ids are the ids of the job's
//! Result v1, so a sheet read from the project is the sheet of the result.

use plansift_engine::{BOX_SCALE, DocumentAnalysis, PageAnalysis};
use plansift_store::{EntityKind, NewEntity, NewPageText, ProjectIndex, SearchText};
use plansift_types::ids::{IdKind, new_id};
use plansift_types::keys::{section_key, sheet_key};
use plansift_types::result::{
    Box01, ResultArtifact, ResultDocument, ResultSpecSection, ResultSubmittal,
};
use serde_json::{Value, json};

/// One document of a finished job with what its pages came to.
pub struct IndexInput<'a> {
    pub job_id: &'a str,
    pub document: &'a ResultDocument,
    /// The document's analysed pages and their assembly, in the order Result v1 was built from.
    pub pages: &'a [PageAnalysis],
    pub analysis: &'a DocumentAnalysis,
    pub created_at: &'a str,
    /// The project's artifact URL prefix (`…/projects/{id}/artifact?path=`), when served.
    pub artifact_url_prefix: Option<&'a str>,
}

/// Adds one document's entities, pages and artifact paths to `out`.
pub fn index_document(input: &IndexInput<'_>, out: &mut ProjectIndex) {
    let d = input.document;
    let base = NewEntity {
        file_id: d.document_id.clone(),
        file_name: d.file_name.clone(),
        classification: d.classification.clone(),
        file_status: d.status.clone(),
        ..Default::default()
    };
    let artifacts = |list: &[ResultArtifact], out: &mut ProjectIndex| -> Value {
        let list: Vec<ResultArtifact> = list
            .iter()
            .map(|a| {
                out.artifacts.push((a.path.clone(), a.content_type.clone()));
                ResultArtifact {
                    url: input.artifact_url_prefix.map(|p| format!("{p}{}", a.path)),
                    ..a.clone()
                }
            })
            .collect();
        json!(list)
    };
    let file_refs =
        json!({ "fileId": d.document_id, "fileName": d.file_name, "jobId": input.job_id });

    let file_artifacts = artifacts(&d.artifacts, out);
    out.entities.push(NewEntity {
        id: d.document_id.clone(),
        kind: EntityKind::File,
        data: json!({
            "fileId": d.document_id, "jobId": input.job_id, "fileName": d.file_name,
            "classification": d.classification, "status": d.status, "pageCount": d.page_count,
            "sheetCount": d.sheets.len(), "sha256": d.sha256, "createdAt": input.created_at,
            "artifacts": file_artifacts, "sheetIndex": d.sheet_index,
        })
        .to_string(),
        ..base.clone()
    });

    for (sheet, engine_sheet) in d.sheets.iter().zip(&input.analysis.sheets) {
        let mut data = serde_json::to_value(sheet).unwrap_or_default();
        merge(&mut data, &file_refs);
        data["artifacts"] = artifacts(&sheet.artifacts, out);
        let number = sheet.sheet_number.clone().unwrap_or_default();
        out.entities.push(NewEntity {
            id: sheet.sheet_id.clone(),
            kind: EntityKind::Sheet,
            page_number: Some(sheet.page_number),
            sheet_id: Some(sheet.sheet_id.clone()),
            sheet_key: sheet.sheet_number.as_deref().map(sheet_key),
            discipline: sheet.discipline.clone(),
            drawing_type: sheet.drawing_type.clone(),
            data: data.to_string(),
            search: Some(SearchText {
                number: format!("{number} {}", sheet_key(&number)),
                title: sheet.sheet_name.clone().unwrap_or_default(),
                body: [&sheet.discipline, &sheet.drawing_type]
                    .into_iter()
                    .flatten()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" "),
            }),
            ..base.clone()
        });
        for r in &sheet.references {
            let mut data = serde_json::to_value(r).unwrap_or_default();
            merge(&mut data, &file_refs);
            data["sheetId"] = json!(sheet.sheet_id);
            data["sheetNumber"] = json!(sheet.sheet_number);
            data["pageNumber"] = json!(sheet.page_number);
            out.entities.push(NewEntity {
                id: r.reference_id.clone(),
                kind: EntityKind::Reference,
                page_number: Some(sheet.page_number),
                sheet_id: Some(sheet.sheet_id.clone()),
                sheet_key: r.target_sheet_number.as_deref().map(sheet_key),
                section_key: r.target_section.as_deref().map(section_key),
                ref_status: Some(r.status.clone()),
                data: data.to_string(),
                ..base.clone()
            });
        }
        for (index, (region, region_id)) in engine_sheet
            .regions
            .iter()
            .zip(&sheet.region_ids)
            .enumerate()
        {
            let crop_path =
                crate::artifacts::region_crop_path(&d.document_id, sheet.page_number as u32, index);
            let crops: Vec<ResultArtifact> = sheet
                .artifacts
                .iter()
                .filter(|a| a.path == crop_path)
                .cloned()
                .collect();
            let region_artifacts = artifacts(&crops, out);
            let drawing_type = match region.region_type.as_str() {
                t @ ("plan" | "elevation" | "section" | "detail") => Some(t.to_string()),
                _ => sheet.drawing_type.clone(),
            };
            let layout_type = layout_type(&region.region_type);
            let bbox = crate::result::box01(&region.bbox);
            out.entities.push(NewEntity {
                id: region_id.clone(),
                kind: EntityKind::Region,
                parent_id: Some(sheet.sheet_id.clone()),
                page_number: Some(sheet.page_number),
                sheet_id: Some(sheet.sheet_id.clone()),
                sheet_key: sheet.sheet_number.as_deref().map(sheet_key),
                discipline: sheet.discipline.clone(),
                drawing_type: drawing_type.clone(),
                region_type: Some(region.region_type.clone()),
                layout_type: Some(layout_type.into()),
                data: json!({
                    "regionId": region_id, "sheetId": sheet.sheet_id, "fileId": d.document_id,
                    "fileName": d.file_name, "jobId": input.job_id, "pageNumber": sheet.page_number,
                    "sheetNumber": sheet.sheet_number, "regionType": region.region_type,
                    "drawingType": drawing_type, "layoutType": layout_type, "label": region.label,
                    "text": region.text, "displayBox": bbox, "titleBox": Value::Null,
                    "artifacts": region_artifacts,
                })
                .to_string(),
                search: Some(SearchText {
                    number: number.clone(),
                    title: region.label.clone(),
                    body: region.text.clone(),
                }),
                ..base.clone()
            });
        }
    }

    for (spec, section) in d
        .specifications
        .iter()
        .flatten()
        .zip(&input.analysis.sections)
    {
        let mut facets = Vec::new();
        let mut full_text = String::new();
        for (part, engine_part) in spec.parts.iter().zip(&section.parts) {
            let facet_id = new_id(IdKind::Facet);
            let (facet_text, coverage_kind) = facet_text(&engine_part.text);
            facets.push(json!({
                "facetId": facet_id, "facetKey": facet_key(&part.label), "facetKind": "part",
                "facetLabel": format!("{} - {}", part.label, part.title),
                "coverageKind": coverage_kind, "facetText": facet_text,
                "requirements": requirements(&engine_part.text),
                "pageStart": part.page_start, "pageEnd": part.page_end,
            }));
            full_text.push_str(&format!(
                "{} - {}\n{}\n",
                part.label, part.title, engine_part.text
            ));
            out.entities.push(NewEntity {
                id: facet_id.clone(),
                kind: EntityKind::Part,
                parent_id: Some(spec.specification_id.clone()),
                page_number: Some(part.page_start),
                page_end: Some(part.page_end),
                section_key: Some(section_key(&spec.section_number)),
                data: json!({
                    "sectionId": facet_id, "specificationId": spec.specification_id,
                    "sectionNumber": spec.section_number, "label": part.label, "title": part.title,
                    "pageStart": part.page_start, "pageEnd": part.page_end,
                    "fileId": d.document_id, "fileName": d.file_name,
                    "textLength": engine_part.text.chars().count(), "text": engine_part.text,
                })
                .to_string(),
                ..base.clone()
            });
        }
        for submittal in &spec.submittals {
            out.entities.push(NewEntity {
                id: submittal.submittal_id.clone(),
                kind: EntityKind::Submittal,
                parent_id: Some(spec.specification_id.clone()),
                page_number: Some(submittal.page_number),
                section_key: Some(section_key(&spec.section_number)),
                // The register's filter columns: division and submittal type.
                discipline: Some(division(&spec.section_number)),
                doc_type: Some(submittal.kind.clone()),
                data: register_row(spec, submittal, &file_refs).to_string(),
                ..base.clone()
            });
        }
        let mut data = serde_json::to_value(spec).unwrap_or_default();
        merge(&mut data, &file_refs);
        data["facets"] = json!(facets);
        data["artifacts"] = artifacts(&section_artifacts(d, spec.page_start), out);
        out.entities.push(NewEntity {
            id: spec.specification_id.clone(),
            kind: EntityKind::Spec,
            page_number: Some(spec.page_start),
            page_end: Some(spec.page_end),
            section_key: Some(section_key(&spec.section_number)),
            data: data.to_string(),
            search: Some(SearchText {
                number: format!(
                    "{} {}",
                    spec.section_number,
                    section_key(&spec.section_number)
                ),
                title: spec.section_title.clone(),
                body: full_text,
            }),
            ..base.clone()
        });
    }

    for doc in d.docs.iter().flatten() {
        let mut data = serde_json::to_value(doc).unwrap_or_default();
        merge(&mut data, &file_refs);
        data["docId"] = json!(doc.doc_section_id);
        data["status"] = json!("complete");
        data["artifacts"] = artifacts(&section_artifacts(d, doc.page_start), out);
        out.entities.push(NewEntity {
            id: doc.doc_section_id.clone(),
            kind: EntityKind::Doc,
            page_number: Some(doc.page_start),
            page_end: Some(doc.page_end),
            doc_type: Some(doc.doc_type.clone()),
            data: data.to_string(),
            ..base.clone()
        });
        for (i, item) in doc.items.iter().enumerate() {
            out.entities.push(NewEntity {
                id: format!("{}#{}", doc.doc_section_id, i + 1),
                kind: EntityKind::Item,
                parent_id: Some(doc.doc_section_id.clone()),
                page_number: Some(item.page_number),
                doc_type: Some(doc.doc_type.clone()),
                data: json!({
                    "docSectionId": doc.doc_section_id, "docType": doc.doc_type, "title": doc.title,
                    "label": item.label, "text": item.text, "pageNumber": item.page_number,
                    "box": item.bbox, "fileId": d.document_id, "fileName": d.file_name,
                })
                .to_string(),
                search: Some(SearchText {
                    number: item.label.clone(),
                    title: doc.title.clone(),
                    body: item.text.clone(),
                }),
                ..base.clone()
            });
        }
    }

    for page in input.pages {
        let sheet = d
            .sheets
            .iter()
            .find(|s| s.page_number == page.page_number as i64);
        out.pages.push(NewPageText {
            file_id: d.document_id.clone(),
            file_name: d.file_name.clone(),
            classification: d.classification.clone(),
            page_number: page.page_number as i64,
            sheet_id: sheet.map(|s| s.sheet_id.clone()),
            sheet_number: sheet.and_then(|s| s.sheet_number.clone()),
            text: page.words.text.clone(),
            boxes: page
                .words
                .boxes
                .iter()
                .flat_map(|b| b.iter().flat_map(|v| v.to_le_bytes()))
                .collect(),
        });
    }
}

/// The artifacts of a spec or document section: its file's `extracted_json` and the thumbnail
/// of the page it starts on.
fn section_artifacts(d: &ResultDocument, page_start: i64) -> Vec<ResultArtifact> {
    let thumbnail = crate::artifacts::thumbnail_path(&d.document_id, page_start as u32);
    d.artifacts
        .iter()
        .filter(|a| a.kind == "extracted_json" || (a.kind == "thumbnail" && a.path == thumbnail))
        .cloned()
        .collect()
}

/// `PART 1` → `part_1`: a facet's stable key within its section.
fn facet_key(label: &str) -> String {
    let mut key = String::new();
    for c in label.trim().chars() {
        if c.is_ascii_alphanumeric() {
            key.push(c.to_ascii_lowercase());
        } else if !key.ends_with('_') {
            key.push('_');
        }
    }
    key.trim_end_matches('_').to_string()
}

/// The text a facet shows (at most `FACET_CHARS` characters) and how much of the part it
/// covers: `full` or `excerpt`. The whole text is at `…/sections/{facetId}`.
fn facet_text(text: &str) -> (String, &'static str) {
    const FACET_CHARS: usize = 2000;
    if text.chars().count() <= FACET_CHARS {
        (text.to_string(), "full")
    } else {
        (text.chars().take(FACET_CHARS).collect(), "excerpt")
    }
}

/// The requirement statements of a part: its lines that say `shall` or `must`, at most 50.
fn requirements(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| {
            let lower = l.to_lowercase();
            lower
                .split(|c: char| !c.is_alphanumeric())
                .any(|w| w == "shall" || w == "must")
        })
        .take(50)
        .map(str::to_string)
        .collect()
}

/// How a region is laid out on its sheet.
fn layout_type(region_type: &str) -> &'static str {
    match region_type {
        "title_block" => "title_block",
        "schedule" => "table",
        "note" | "legend" => "text_block",
        "plan" | "elevation" | "section" | "detail" => "viewport",
        _ => "other",
    }
}

/// The division of a section number: its first two digits (`09 91 23` → `09`).
pub fn division(section_number: &str) -> String {
    section_key(section_number).chars().take(2).collect()
}

/// A submittal's title for a log: its paragraph's lead-in (`Product Data`) when it has one,
/// else the start of its description.
pub fn submittal_title(description: &str) -> String {
    if let Some((lead, _)) = description.split_once(':')
        && (1..=10).contains(&lead.split_whitespace().count())
    {
        return lead.trim().to_string();
    }
    let words: Vec<&str> = description.split_whitespace().take(10).collect();
    words
        .join(" ")
        .trim_end_matches(['.', ',', ';'])
        .to_string()
}

/// A row of the submittal register: the submittal with its section, file and job.
fn register_row(spec: &ResultSpecSection, submittal: &ResultSubmittal, file_refs: &Value) -> Value {
    let mut row = serde_json::to_value(submittal).unwrap_or_default();
    merge(&mut row, file_refs);
    merge(
        &mut row,
        &json!({
            "specificationId": spec.specification_id,
            "sectionNumber": spec.section_number,
            "sectionTitle": spec.section_title,
            "division": division(&spec.section_number),
            "title": submittal_title(&submittal.description),
        }),
    );
    row
}

fn merge(into: &mut Value, from: &Value) {
    if let (Some(into), Some(from)) = (into.as_object_mut(), from.as_object()) {
        for (k, v) in from {
            into.insert(k.clone(), v.clone());
        }
    }
}

/// The word boxes stored for a page, back as page-normalized boxes.
pub fn decode_boxes(bytes: &[u8]) -> Vec<Box01> {
    bytes
        .chunks_exact(8)
        .map(|c| {
            let v = |i: usize| u16::from_le_bytes([c[i], c[i + 1]]) as f64 / BOX_SCALE as f64;
            Box01 {
                left: v(0),
                top: v(2),
                right: v(4),
                bottom: v(6),
            }
        })
        .collect()
}
