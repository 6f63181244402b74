//! Addenda and other non-spec documents as titled sections with items.
//!
//! An addendum announces itself at the top of its first page (`ADDENDUM NO. 1`). Its items are a
//! numbered list at one indentation, numbered 1, 2, 3… in order; quoted replacement notes inside
//! an item are numbered too but stand further right and break the sequence, so they stay part of
//! the item. The letter ends at `END OF ADDENDUM` or where an attached section begins.

use crate::analysis::{PageAnalysis, TextLine};
use crate::classify::PageKind;
use crate::spec_sections::SpecSection;
use crate::text::Rect;
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DocItem {
    pub label: String,
    pub text: String,
    pub references: Vec<String>,
    pub page_number: u32,
    pub bbox: Rect,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DocSection {
    /// `addendum`, `rfi`, `submittal`, `report`, `schedule`, `letter`, `form` or `other`.
    pub doc_type: String,
    pub title: String,
    pub page_start: u32,
    pub page_end: u32,
    pub items: Vec<DocItem>,
}

static ADDENDUM: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\bADDENDUM\s+(?:NO\.?|NUMBER|#)\s*([0-9A-Z]+)\b").unwrap());
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(JANUARY|FEBRUARY|MARCH|APRIL|MAY|JUNE|JULY|AUGUST|SEPTEMBER|OCTOBER|NOVEMBER|DECEMBER)\s+\d{1,2},\s+\d{4}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b")
        .unwrap()
});
static ITEM: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:ITEM\s+(?:NO\.?\s*)?)?(\d{1,3})[.):]?\s+\S").unwrap());
static END: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)^END\s+OF\s+ADDENDUM").unwrap());
static REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\bSECTION\s+\d{2}\s?\d{2}\s?\d{2}(?:\.\d{2})?|\bDrawing\s+(?:No\.?\s*)?[A-Z]{1,3}-?\d{1,4}[A-Z]?|\bSheet\s+[A-Z]{1,3}-?\d{1,4}[A-Z]?|\bPage\s+\d{5,6}\s*[-–]\s*\d+|\bArticle\s+\d+\.\d+|\b\d{6}\s+(?-i:[A-Z][a-z]+(?:\s+(?:Of|of|and|&)?\s*[A-Z][a-z]+)*)",
    )
    .unwrap()
});

/// Lines of a page without its running header and footer bands.
fn body(page: &PageAnalysis) -> impl Iterator<Item = &TextLine> {
    let first = page.page_number == 1;
    page.lines
        .iter()
        .filter(move |l| (first || l.bbox.y0 > 0.06) && l.bbox.y0 < 0.93)
}

fn references(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for m in REFERENCE.find_iter(text) {
        let r = m.as_str().trim().to_string();
        if !out.contains(&r) {
            out.push(r);
        }
    }
    out
}

/// Reads an addendum from the document pages, or returns `None` when the file is not one.
pub fn find_addendum(pages: &[PageAnalysis], sections: &[SpecSection]) -> Option<DocSection> {
    let docs: Vec<&PageAnalysis> = pages
        .iter()
        .filter(|p| p.kind == PageKind::Document)
        .collect();
    let first = docs.first()?;
    let heading = first
        .lines
        .iter()
        .take(15)
        .find(|l| ADDENDUM.is_match(&l.text))?;
    let date = first
        .lines
        .iter()
        .take(30)
        .find_map(|l| DATE.find(&l.text).map(|m| m.as_str().to_string()));
    let title = match date {
        Some(d) => format!("{} – {d}", heading.text.trim()),
        None => heading.text.trim().to_string(),
    };
    // The letter stops where the first attached section starts.
    let stop = sections
        .iter()
        .map(|s| s.page_start)
        .filter(|&p| p > first.page_number)
        .min()
        .unwrap_or(u32::MAX);
    let mut items: Vec<DocItem> = Vec::new();
    let mut indent: Option<f32> = None;
    let mut last_page = first.page_number;
    'pages: for page in docs.iter().filter(|p| p.page_number < stop) {
        last_page = page.page_number;
        for l in body(page) {
            let t = l.text.trim();
            if END.is_match(t) {
                break 'pages;
            }
            let next = items.len() + 1;
            let numbered = ITEM.captures(t).and_then(|c| c[1].parse::<usize>().ok());
            let at_indent = indent.is_none_or(|x| (l.bbox.x0 - x).abs() < 0.02);
            if numbered == Some(next) && at_indent {
                indent.get_or_insert(l.bbox.x0);
                items.push(DocItem {
                    label: format!("ITEM {next}"),
                    text: t.to_string(),
                    references: Vec::new(),
                    page_number: page.page_number,
                    bbox: l.bbox,
                });
            } else if let Some(item) = items.last_mut() {
                // Group headings (a line in capitals at or left of the item indent) end the item.
                let heading = indent.is_some_and(|x| l.bbox.x0 < x - 0.01)
                    && t.chars()
                        .filter(|c| c.is_alphabetic())
                        .all(char::is_uppercase);
                if heading {
                    continue;
                }
                item.text.push(' ');
                item.text.push_str(t);
                if item.page_number == page.page_number {
                    item.bbox = item.bbox.union(&l.bbox);
                }
            }
        }
    }
    for item in &mut items {
        item.references = references(&item.text);
    }
    Some(DocSection {
        doc_type: "addendum".into(),
        title,
        page_start: first.page_number,
        page_end: last_page,
        items,
    })
}

/// A document that is neither a spec book nor an addendum: one titled section, its type from
/// the words of its title.
pub fn titled_document(pages: &[PageAnalysis]) -> Option<DocSection> {
    let docs: Vec<&PageAnalysis> = pages
        .iter()
        .filter(|p| p.kind == PageKind::Document)
        .collect();
    let first = docs.first()?;
    // The title is a line that stands out from the body text near the top; without one, the
    // first line (usually the issuer's header) names the document better than any body line.
    let mut sizes: Vec<f32> = first.lines.iter().map(|l| l.size).collect();
    sizes.sort_by(f32::total_cmp);
    let body_size = sizes.get(sizes.len() / 2).copied().unwrap_or(0.0);
    let lettered = |l: &&TextLine| l.text.chars().filter(|c| c.is_alphabetic()).count() >= 4;
    let title_line = first
        .lines
        .iter()
        .take(12)
        .filter(lettered)
        .filter(|l| l.size > 1.15 * body_size)
        .max_by(|a, b| a.size.total_cmp(&b.size))
        .or_else(|| first.lines.iter().find(lettered))?;
    let title = title_line.text.trim().to_string();
    let upper = title.to_uppercase();
    let doc_type = [
        ("REQUEST FOR INFORMATION", "rfi"),
        ("RFI", "rfi"),
        ("SUBMITTAL", "submittal"),
        ("REPORT", "report"),
        ("SCHEDULE", "schedule"),
        ("FORM", "form"),
        ("LETTER", "letter"),
        ("MEMO", "letter"),
    ]
    .iter()
    .find(|(w, _)| upper.contains(w))
    .map(|(_, t)| *t)
    .unwrap_or("other");
    Some(DocSection {
        doc_type: doc_type.into(),
        title,
        page_start: first.page_number,
        page_end: docs
            .last()
            .map(|p| p.page_number)
            .unwrap_or(first.page_number),
        items: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::references;

    #[test]
    fn references_name_sections_drawings_pages_and_articles() {
        let r = references(
            "Page 283105 – 1, Article 1.01, Replace per SECTION 000110 and Drawing No. M-402",
        );
        assert_eq!(
            r,
            [
                "Page 283105 – 1",
                "Article 1.01",
                "SECTION 000110",
                "Drawing No. M-402"
            ]
        );
    }
}
