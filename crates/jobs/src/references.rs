//! Resolving the references printed on a job's sheets ([`plansift_engine::references`]) against
//! what the job and its project hold: sheet targets by normalized number (`A100` = `A-100` =
//! `A.100` = `A 100`), detail targets by the view marks found on the target sheet, section
//! targets by section number. Each reference becomes `sheets[].references` and a `reference`
//! evidence with its box.
//!
//! A detail callout whose sheet is missing and whose discipline letters no known sheet has
//! (`1/PT-2` is a paint tag on a finish plan, not sheet PT-2) is not a reference into this set
//! and is left out. A target sheet on which no view marks were found is taken as resolving its
//! details; with marks, a detail that is not among them is `missing_detail`.
//!
//! A job's result keeps the resolution as it was when the job finished; the project's
//! references follow the project: a job that brings a missing sheet or section resolves the
//! earlier references to it ([`reresolve`]).

use plansift_engine::PageAnalysis;
use plansift_engine::references::{Reference, ReferenceKind, find_references};
use plansift_store::{Col, EntityKind, EntityUpdate, Filter, MetaStore, all_entities};
use plansift_types::ids::{IdKind, new_id};
use plansift_types::keys::{section_key, sheet_key};
use plansift_types::result::{ResultDocument, ResultEvidence, ResultReference};
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// What references can lead to.
#[derive(Default)]
pub struct Targets {
    /// Normalized sheet number → sheet id and the view marks on that sheet.
    sheets: HashMap<String, (String, HashSet<String>)>,
    /// Leading letters of every known sheet number (`A`, `FP`, `TSDE`).
    prefixes: HashSet<String>,
    /// Section digits → specification id.
    sections: HashMap<String, String>,
}

fn prefix(key: &str) -> String {
    key.chars().take_while(char::is_ascii_alphabetic).collect()
}

/// A view's mark: the first word of its title when it is a number or a letter (`3 WALL SECTION`).
fn mark_of(label: &str) -> Option<String> {
    let first = label.split_whitespace().next()?;
    let short = first.len() <= 3 && first.chars().all(|c| c.is_ascii_alphanumeric());
    let mark_like = first.chars().any(|c| c.is_ascii_digit()) || first.len() == 1;
    (short && mark_like).then(|| first.to_ascii_uppercase())
}

const VIEWS: [&str; 4] = ["plan", "elevation", "section", "detail"];

impl Targets {
    fn add_sheet(&mut self, number: &str, id: &str, marks: impl IntoIterator<Item = String>) {
        let key = sheet_key(number);
        if key.is_empty() {
            return;
        }
        self.prefixes.insert(prefix(&key));
        self.sheets
            .entry(key)
            .or_insert_with(|| (id.to_string(), HashSet::new()))
            .1
            .extend(marks);
    }

    /// The sheets and sections of one document of the job.
    pub fn add_document(&mut self, document: &ResultDocument, pages: &[PageAnalysis]) {
        for s in &document.sheets {
            let Some(number) = &s.sheet_number else {
                continue;
            };
            let marks = pages
                .iter()
                .filter(|p| p.page_number as i64 == s.page_number)
                .flat_map(|p| &p.regions)
                .filter(|r| VIEWS.contains(&r.region_type.as_str()))
                .filter_map(|r| mark_of(&r.label));
            self.add_sheet(number, &s.sheet_id, marks);
        }
        for spec in document.specifications.iter().flatten() {
            self.sections
                .entry(section_key(&spec.section_number))
                .or_insert_with(|| spec.specification_id.clone());
        }
    }

    /// The sheets (with their regions' marks) and sections the project already holds.
    pub async fn add_project(
        &mut self,
        meta: &dyn MetaStore,
        project_id: &str,
    ) -> anyhow::Result<()> {
        let all = |kind, filters| async move {
            all_entities(meta, project_id, kind, filters)
                .await?
                .iter()
                .map(|r| serde_json::from_str::<Value>(&r.data))
                .collect::<Result<Vec<_>, _>>()
                .map_err(anyhow::Error::from)
        };
        let views = VIEWS.iter().map(|v| v.to_string()).collect();
        let mut marks: HashMap<String, Vec<String>> = HashMap::new();
        let view_regions = all(EntityKind::Region, vec![Filter::In(Col::RegionType, views)]);
        for r in view_regions.await? {
            if let (Some(sheet), Some(mark)) =
                (r["sheetId"].as_str(), r["label"].as_str().and_then(mark_of))
            {
                marks.entry(sheet.to_string()).or_default().push(mark);
            }
        }
        for s in all(EntityKind::Sheet, Vec::new()).await? {
            if let (Some(number), Some(id)) = (s["sheetNumber"].as_str(), s["sheetId"].as_str()) {
                let m = marks.remove(id).unwrap_or_default();
                self.add_sheet(number, id, m);
            }
        }
        for s in all(EntityKind::Spec, Vec::new()).await? {
            if let (Some(number), Some(id)) =
                (s["sectionNumber"].as_str(), s["specificationId"].as_str())
            {
                self.sections
                    .entry(section_key(number))
                    .or_insert_with(|| id.to_string());
            }
        }
        Ok(())
    }

    /// The status and targets of a reference, or `None` when it leads out of this set.
    fn resolve(&self, r: &Reference) -> Option<(&'static str, Option<String>, Option<String>)> {
        if r.kind == ReferenceKind::Section {
            let key = section_key(r.section.as_deref()?);
            return Some(match self.sections.get(&key) {
                Some(id) => ("resolved", None, Some(id.clone())),
                None => ("missing_section", None, None),
            });
        }
        let key = sheet_key(r.sheet.as_deref()?);
        match self.sheets.get(&key) {
            None if r.kind == ReferenceKind::Detail && !self.prefixes.contains(&prefix(&key)) => {
                None
            }
            None => Some(("missing_sheet", None, None)),
            Some((id, marks)) => {
                let detail = r.detail.as_deref().map(str::to_ascii_uppercase);
                let found = match &detail {
                    Some(d) if r.kind == ReferenceKind::Detail && !marks.is_empty() => {
                        marks.contains(d)
                    }
                    _ => true,
                };
                Some((
                    if found { "resolved" } else { "missing_detail" },
                    Some(id.clone()),
                    None,
                ))
            }
        }
    }
}

/// Finds and resolves the references on every sheet of `document`, adding them to the sheets
/// and as `reference` evidence.
pub fn attach_references(
    document: &mut ResultDocument,
    pages: &[PageAnalysis],
    targets: &Targets,
    project_id: Option<&str>,
    evidence: &mut Vec<ResultEvidence>,
) {
    for sheet in &mut document.sheets {
        let Some(page) = pages
            .iter()
            .find(|p| p.page_number as i64 == sheet.page_number)
        else {
            continue;
        };
        for r in find_references(&page.words) {
            let Some((status, sheet_id, spec_id)) = targets.resolve(&r) else {
                continue;
            };
            let id = new_id(IdKind::Evidence);
            evidence.push(ResultEvidence {
                id: id.clone(),
                kind: "reference".into(),
                region_type: None,
                label: Some(r.text.clone()),
                text: Some(status.into()),
                document_id: document.document_id.clone(),
                page_number: sheet.page_number,
                sheet_number: sheet.sheet_number.clone(),
                bbox: Some(crate::result::box01_of(r.bbox)),
                source_catalog_uri: project_id
                    .map(|p| format!("pgcat://{p}/sheet/{}", sheet.sheet_id)),
            });
            sheet.references.push(ResultReference {
                reference_id: id,
                kind: r.kind.as_str().into(),
                text: r.text,
                target_sheet_number: r.sheet,
                target_detail: r.detail,
                target_section: r.section,
                status: status.into(),
                target_sheet_id: sheet_id,
                target_specification_id: spec_id,
                bbox: crate::result::box01_of(r.bbox),
            });
        }
    }
}

/// The project's references that led nowhere and that `targets` (which now include this job)
/// resolve or resolve differently, and the sheets that list them: the updates for the project
/// index, written with the job.
pub async fn reresolve(
    meta: &dyn MetaStore,
    project_id: &str,
    targets: &Targets,
) -> anyhow::Result<Vec<EntityUpdate>> {
    let missing = ["missing_sheet", "missing_detail", "missing_section"].map(String::from);
    let open = vec![Filter::In(Col::RefStatus, missing.to_vec())];
    let mut updates = Vec::new();
    let mut changed_on: HashMap<String, Vec<Value>> = HashMap::new();
    for row in &all_entities(meta, project_id, EntityKind::Reference, open).await? {
        let mut data: Value = serde_json::from_str(&row.data)?;
        let text = |k: &str| data[k].as_str().map(str::to_string);
        let kind = match data["type"].as_str() {
            Some("detail") => ReferenceKind::Detail,
            Some("sheet") => ReferenceKind::Sheet,
            Some("section") => ReferenceKind::Section,
            _ => continue,
        };
        let reference = Reference {
            kind,
            text: text("text").unwrap_or_default(),
            detail: text("targetDetail"),
            sheet: text("targetSheetNumber"),
            section: text("targetSection"),
            bbox: [0.0; 4],
        };
        let Some((status, sheet_id, spec_id)) = targets.resolve(&reference) else {
            continue;
        };
        if data["status"].as_str() == Some(status) {
            continue;
        }
        data["status"] = status.into();
        data["targetSheetId"] = sheet_id.into();
        data["targetSpecificationId"] = spec_id.into();
        if let Some(sheet) = data["sheetId"].as_str() {
            changed_on
                .entry(sheet.to_string())
                .or_default()
                .push(data.clone());
        }
        updates.push(EntityUpdate {
            id: row.id.clone(),
            ref_status: Some(status.into()),
            data: data.to_string(),
        });
    }
    // The sheets carry their references too.
    for (sheet_id, changed) in changed_on {
        let sheets = vec![Filter::Eq(Col::Id, sheet_id.clone())];
        let found = all_entities(meta, project_id, EntityKind::Sheet, sheets).await?;
        let Some(row) = found.first() else {
            continue;
        };
        let mut sheet: Value = serde_json::from_str(&row.data)?;
        for r in sheet["references"].as_array_mut().into_iter().flatten() {
            if let Some(new) = changed
                .iter()
                .find(|c| c["referenceId"] == r["referenceId"])
            {
                for k in ["status", "targetSheetId", "targetSpecificationId"] {
                    r[k] = new[k].clone();
                }
            }
        }
        updates.push(EntityUpdate {
            id: sheet_id,
            ref_status: None,
            data: sheet.to_string(),
        });
    }
    Ok(updates)
}
