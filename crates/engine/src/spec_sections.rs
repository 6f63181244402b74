//! CSI specification sections across the pages of a spec book (first pass).
//!
//! A section starts at a `SECTION 09 91 23` heading near the top of a page and runs until the
//! next heading; `END OF SECTION` closes it, and pages after the close that carry no section
//! (blank separators, "intentionally left blank") are not part of it. Pages that list many
//! section numbers (a table of contents) never start a section.

use crate::analysis::{PageAnalysis, TextLine};
use crate::classify::PageKind;
use crate::spec_paragraphs::{BodyLine, parse_body};
use crate::submittals::{SubmittalItem, find_submittals};
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpecPart {
    pub label: String,
    pub title: String,
    pub page_start: u32,
    pub page_end: u32,
    /// The part's body lines after its heading, joined by `\n`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpecArticle {
    pub number: String,
    pub title: String,
    pub page_number: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpecSection {
    pub number: String,
    pub title: String,
    pub page_start: u32,
    pub page_end: u32,
    pub start_box: Option<crate::text::Rect>,
    pub parts: Vec<SpecPart>,
    pub articles: Vec<SpecArticle>,
    /// The submittals the section requires (see [`crate::submittals`]).
    pub submittals: Vec<SubmittalItem>,
    /// Standards cited in the text, as printed with spacing normalized: `ASTM C 920`.
    pub referenced_standards: Vec<String>,
    /// Other sections the text refers to, normalized: `07 92 00`.
    pub related_sections: Vec<String>,
    pub confidence: f32,
}

static HEADING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^SECTION\s+(\d{2}\s?\d{2}\s?\d{2}(?:\.\d{2})?|\d{5})\b\s*[-–—:]?\s*(.*)$")
        .unwrap()
});
/// A line that opens with a section number, as TOC entries do (`09 91 23 Painting ... 4`).
static NUMBER_FIRST: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:SECTION\s+)?\d{2}\s?\d{2}\s?\d{2}(?:\.\d{2})?\b").unwrap());
/// A standard as cited: issuing body and designation (`ASTM C 920`, `NFPA 70`, `UL 263`).
static STANDARD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:ASTM|ANSI|UL|NFPA|ASHRAE|SMACNA|AWS|ACI|AISC|IEEE|NEMA|ASME|AWWA|TIA|EIA|NECA|ICC|ASCE|SSPC|AAMA|BHMA|ISO|CSA|NSF|NFRC|FM)(?:/[A-Z]+)?\s+(?:[A-Z]{1,2}\s?)?\d{1,5}(?:[.-]\d+)*[A-Z]?\b").unwrap()
});
/// A cross-reference to other sections: `Section 07 92 00`, `Sections 31 2316 and 31 2323`.
static SECTION_REF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bSECTIONS?\s+(\d{2}\s?\d{2}\s?\d{2}(?:\.\d{2})?(?:\s*(?:,|and|or|through|&)\s*\d{2}\s?\d{2}\s?\d{2}(?:\.\d{2})?)*)").unwrap()
});
static SECTION_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\d{2}\s?\d{2}\s?\d{2}(?:\.\d{2})?").unwrap());
static END_MARK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^END\s+OF\s+(SECTION|[A-Z ]+)\b").unwrap());
static PART: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^PART\s+(\d)\s*[-–—:.]?\s*(.*)$").unwrap());
static ARTICLE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d{1,2}\.\d{1,2})\s+([A-Z][A-Z0-9 ,/&()'-]{2,})$").unwrap());

/// `099123` → `09 91 23`, `26 0533.13` → `26 05 33.13`; a legacy 5-digit number stays as printed.
pub fn normalize_section_number(raw: &str) -> String {
    let (main, suffix) = match raw.split_once('.') {
        Some((m, s)) => (m, Some(s)),
        None => (raw, None),
    };
    let digits: String = main.chars().filter(char::is_ascii_digit).collect();
    let mut out = if digits.len() == 6 {
        format!("{} {} {}", &digits[0..2], &digits[2..4], &digits[4..6])
    } else {
        digits
    };
    if let Some(s) = suffix {
        out.push('.');
        out.push_str(s);
    }
    out
}

fn is_toc_page(lines: &[TextLine]) -> bool {
    let numbered = lines
        .iter()
        .filter(|l| NUMBER_FIRST.is_match(l.text.trim()))
        .count();
    let dotted = lines.iter().filter(|l| l.text.contains("....")).count();
    numbered >= 6
        || dotted >= 5
        || lines
            .iter()
            .take(6)
            .any(|l| l.text.to_uppercase().contains("TABLE OF CONTENTS"))
}

fn is_title_line(s: &str) -> bool {
    let letters: Vec<char> = s.chars().filter(|c| c.is_alphabetic()).collect();
    letters.len() >= 3 && letters.iter().all(|c| c.is_uppercase())
}

/// Finds sections in the document pages of one file, in page order.
pub fn find_sections(pages: &[PageAnalysis]) -> Vec<SpecSection> {
    let mut sections: Vec<SpecSection> = Vec::new();
    let mut closed = true;
    // Each section's body lines, read into paragraphs once the section is complete.
    let mut bodies: Vec<Vec<BodyLine>> = Vec::new();
    for page in pages.iter().filter(|p| p.kind == PageKind::Document) {
        let n = page.page_number;
        let lines = &page.lines;
        let toc = is_toc_page(lines);
        // An END OF … line earlier on this page: a heading below it starts a section mid-page.
        let mut ended_here = false;
        for (i, l) in lines.iter().enumerate() {
            let t = l.text.trim();
            if !toc && let Some((raw, title)) = heading_at(lines, i, ended_here) {
                sections.push(SpecSection {
                    number: normalize_section_number(&raw),
                    title,
                    page_start: n,
                    page_end: n,
                    start_box: Some(l.bbox),
                    parts: Vec::new(),
                    articles: Vec::new(),
                    submittals: Vec::new(),
                    referenced_standards: Vec::new(),
                    related_sections: Vec::new(),
                    confidence: 0.8,
                });
                bodies.push(Vec::new());
                closed = false;
                continue;
            }
            if END_MARK.is_match(t) {
                ended_here = true;
            }
            if closed {
                continue;
            }
            if let Some(current) = sections.last_mut() {
                read_body_line(current, t, n);
                if let Some(body) = bodies.last_mut() {
                    body.push(BodyLine {
                        text: t.to_string(),
                        page_number: n,
                        bbox: l.bbox,
                    });
                }
                if END_MARK.is_match(t) {
                    closed = true;
                }
            }
        }
        if let Some(current) = sections.last_mut()
            && let Some(last) = current.parts.last_mut()
        {
            last.page_end = current.page_end;
        }
    }
    for (section, body) in sections.iter_mut().zip(&bodies) {
        section.submittals = find_submittals(&parse_body(body));
    }
    sections
}

/// The section number and title of a heading at line `i`, if it is one. A heading stands at the
/// top of its page, or lower when a section ended above it on the page or PART 1 follows it.
fn heading_at(lines: &[TextLine], i: usize, ended_above: bool) -> Option<(String, String)> {
    let l = &lines[i];
    let c = HEADING.captures(l.text.trim())?;
    let at_top = i < 8 && l.bbox.y0 < 0.45;
    let part_follows = lines
        .iter()
        .skip(i + 1)
        .take(5)
        .any(|n| PART.is_match(n.text.trim()));
    if !(at_top || ended_above || part_follows) {
        return None;
    }
    let mut title = c[2].trim().to_string();
    if title.is_empty() || !is_title_line(&title) {
        let mut parts = Vec::new();
        for next in lines.iter().skip(i + 1).take(3) {
            if is_title_line(&next.text) && !PART.is_match(&next.text) {
                parts.push(next.text.trim().to_string());
                if next.text.len() > 30 {
                    continue;
                }
            }
            break;
        }
        if !parts.is_empty() {
            title = parts.join(" ");
        }
    }
    // A heading names its section; "Section 07 8400." wrapped onto a new line in running text
    // names nothing.
    (title.chars().filter(|c| c.is_alphabetic()).count() >= 3).then(|| (c[1].to_string(), title))
}

/// One line of a section's body: it extends the section to this page and may be a part or
/// article heading, or cite standards and other sections.
fn read_body_line(current: &mut SpecSection, t: &str, n: u32) {
    if !t.is_empty() && !t.to_uppercase().contains("INTENTIONALLY") {
        current.page_end = n;
    }
    if let Some(c) = PART.captures(t) {
        if let Some(last) = current.parts.last_mut() {
            last.page_end = n;
        }
        current.parts.push(SpecPart {
            label: format!("PART {}", &c[1]),
            title: c[2].trim().to_string(),
            page_start: n,
            page_end: n,
            text: String::new(),
        });
    } else if let Some(c) = ARTICLE.captures(t) {
        current.articles.push(SpecArticle {
            number: c[1].to_string(),
            title: c[2].trim().to_string(),
            page_number: n,
        });
    }
    if let Some(part) = current.parts.last_mut()
        && !t.is_empty()
        && !PART.is_match(t)
        && !END_MARK.is_match(t)
    {
        if !part.text.is_empty() {
            part.text.push('\n');
        }
        part.text.push_str(t);
    }
    for m in STANDARD.find_iter(t) {
        let standard = m.as_str().split_whitespace().collect::<Vec<_>>().join(" ");
        if !current.referenced_standards.contains(&standard) {
            current.referenced_standards.push(standard);
        }
    }
    for c in SECTION_REF.captures_iter(t) {
        for m in SECTION_NUMBER.find_iter(&c[1]) {
            let number = normalize_section_number(m.as_str());
            if number != current.number && !current.related_sections.contains(&number) {
                current.related_sections.push(number);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn section_numbers_normalize_in_every_printed_form() {
        assert_eq!(normalize_section_number("099123"), "09 91 23");
        assert_eq!(normalize_section_number("09 9123"), "09 91 23");
        assert_eq!(normalize_section_number("09 91 23"), "09 91 23");
        assert_eq!(normalize_section_number("26 0533.13"), "26 05 33.13");
        assert_eq!(normalize_section_number("07210"), "07210");
    }

    fn page(n: u32, lines: &[(&str, f32)]) -> PageAnalysis {
        use crate::analysis::TextSource;
        use crate::pdf::PageGeometry;
        PageAnalysis {
            page_number: n,
            geometry: PageGeometry {
                width: 612.0,
                height: 792.0,
                rotation: 0,
            },
            kind: PageKind::Document,
            text_source: TextSource::Vector,
            stats: Default::default(),
            word_count: 100,
            sheet: None,
            regions: Vec::new(),
            warnings: Vec::new(),
            words: Default::default(),
            lines: lines
                .iter()
                .map(|(t, y)| TextLine {
                    text: t.to_string(),
                    bbox: crate::text::Rect {
                        x0: 0.1,
                        y0: *y,
                        x1: 0.9,
                        y1: y + 0.01,
                    },
                    size: 10.0,
                })
                .collect(),
        }
    }

    #[test]
    fn a_section_may_start_mid_page_and_a_heading_like_reference_does_not() {
        let pages = [
            page(
                1,
                &[
                    ("SECTION 09 91 23 - PAINTING", 0.08),
                    ("PART 1 - GENERAL", 0.12),
                    ("1.1 SUMMARY", 0.15),
                    ("A. Coordinate with the work of", 0.45),
                    ("SECTION 07 92 00 - JOINT SEALANTS", 0.47),
                    ("for sealant colors.", 0.49),
                ],
            ),
            page(
                2,
                &[
                    ("A. Paint all exposed surfaces.", 0.1),
                    ("END OF SECTION 09 91 23", 0.3),
                    ("SECTION 09 96 00 - HIGH-PERFORMANCE COATINGS", 0.6),
                    ("PART 1 - GENERAL", 0.64),
                    ("1.1 SUBMITTALS", 0.68),
                    ("A. Product Data: For each type of coating.", 0.7),
                ],
            ),
            page(
                3,
                &[
                    ("PART 3 - EXECUTION", 0.05),
                    ("3.1 FIELD QUALITY CONTROL", 0.08),
                    ("A. Test adhesion per ASTM D 4541.", 0.1),
                    ("END OF SECTION", 0.2),
                ],
            ),
        ];
        let sections = find_sections(&pages);
        let summary: Vec<(&str, u32, u32)> = sections
            .iter()
            .map(|s| (s.number.as_str(), s.page_start, s.page_end))
            .collect();
        assert_eq!(summary, [("09 91 23", 1, 2), ("09 96 00", 2, 3)]);
        assert_eq!(sections[0].related_sections, ["07 92 00"]);
        assert_eq!(
            sections[0].parts.len(),
            1,
            "the next section's part is its own"
        );
        assert_eq!(sections[1].title, "HIGH-PERFORMANCE COATINGS");
        assert_eq!(sections[1].start_box.unwrap().y0, 0.6);
        assert_eq!(sections[1].articles[0].title, "SUBMITTALS");
        let submittals = &sections[1].submittals;
        assert_eq!(submittals.len(), 1);
        assert_eq!(
            submittals[0].text,
            "Product Data: For each type of coating."
        );
        assert_eq!(submittals[0].article, "1.1 A");
        assert_eq!(submittals[0].page_number, 2);
        assert_eq!(sections[1].referenced_standards, ["ASTM D 4541"]);
    }

    #[test]
    fn cross_references_read_whole_lists() {
        let c = SECTION_REF
            .captures("in accordance with Sections 31 2316 and 31 2323.")
            .unwrap();
        let found: Vec<String> = SECTION_NUMBER
            .find_iter(&c[1])
            .map(|m| normalize_section_number(m.as_str()))
            .collect();
        assert_eq!(found, ["31 23 16", "31 23 23"]);
        let standards: Vec<&str> = STANDARD
            .find_iter("per ASTM C 920, NFPA 70 and UL 263 ratings")
            .map(|m| m.as_str())
            .collect();
        assert_eq!(standards, ["ASTM C 920", "NFPA 70", "UL 263"]);
    }
}
