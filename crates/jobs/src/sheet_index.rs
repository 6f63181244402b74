//! The sheet index check: a document's drawing list ([`plansift_engine::sheet_index`]) against
//! the sheets its job issued. Numbers are compared normalized (`A101` = `A-101`; a difference
//! of format only is its own finding), titles compared in upper case with punctuation and
//! spacing ignored and `&` read as `AND`.

use plansift_engine::PageAnalysis;
use plansift_engine::sheet_index::drawing_list;
use plansift_types::keys::sheet_key;
use plansift_types::result::{
    ResultDocument, ResultIndexEntry, ResultIndexFinding, ResultSheetIndex,
};

/// A sheet the job issued: number as printed, title, id.
pub struct Issued {
    pub number: String,
    pub title: Option<String>,
    pub sheet_id: String,
}

/// Every numbered sheet of some documents.
pub fn issued_sheets<'a>(documents: impl IntoIterator<Item = &'a ResultDocument>) -> Vec<Issued> {
    documents
        .into_iter()
        .flat_map(|d| &d.sheets)
        .filter_map(|s| {
            Some(Issued {
                number: s.sheet_number.clone()?,
                title: s.sheet_name.clone(),
                sheet_id: s.sheet_id.clone(),
            })
        })
        .collect()
}

fn title_key(t: &str) -> String {
    t.to_ascii_uppercase()
        .replace('&', " AND ")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The drawing list of a document (the first page that prints one) with its findings.
pub fn check(pages: &[PageAnalysis], issued: &[Issued]) -> Option<ResultSheetIndex> {
    let (page, list) = pages
        .iter()
        .find_map(|p| Some((p.page_number, drawing_list(&p.words)?)))?;
    let mut findings = Vec::new();
    for e in &list {
        let key = sheet_key(&e.sheet_number);
        let finding = |kind: &str, sheet: Option<&Issued>| ResultIndexFinding {
            kind: kind.into(),
            sheet_number: e.sheet_number.clone(),
            listed_title: Some(e.sheet_title.clone()),
            issued_title: sheet.and_then(|s| s.title.clone()),
            issued_number: sheet.map(|s| s.number.clone()),
            sheet_id: sheet.map(|s| s.sheet_id.clone()),
            bbox: Some(crate::result::box01_of(e.bbox)),
        };
        match issued.iter().find(|s| sheet_key(&s.number) == key) {
            None => findings.push(finding("missing_sheet", None)),
            Some(s) => {
                if s.number.to_ascii_uppercase() != e.sheet_number {
                    findings.push(finding("number_format_mismatch", Some(s)));
                }
                if s.title.as_deref().map(title_key) != Some(title_key(&e.sheet_title)) {
                    findings.push(finding("title_mismatch", Some(s)));
                }
            }
        }
    }
    for s in issued {
        let key = sheet_key(&s.number);
        if !list.iter().any(|e| sheet_key(&e.sheet_number) == key) {
            findings.push(ResultIndexFinding {
                kind: "extra_sheet".into(),
                sheet_number: s.number.clone(),
                listed_title: None,
                issued_title: s.title.clone(),
                issued_number: Some(s.number.clone()),
                sheet_id: Some(s.sheet_id.clone()),
                bbox: None,
            });
        }
    }
    Some(ResultSheetIndex {
        source_page: page as i64,
        entries: list
            .into_iter()
            .map(|e| ResultIndexEntry {
                sheet_number: e.sheet_number,
                sheet_title: e.sheet_title,
                bbox: crate::result::box01_of(e.bbox),
            })
            .collect(),
        findings,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn titles_compare_without_case_punctuation_or_ampersands() {
        assert_eq!(
            super::title_key("Doors & Windows - Schedules"),
            super::title_key("DOORS AND WINDOWS SCHEDULES")
        );
        assert_ne!(
            super::title_key("FIRST FLOOR PLAN"),
            super::title_key("SECOND FLOOR PLAN")
        );
    }
}
