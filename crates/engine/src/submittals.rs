//! The submittal items a spec section requires: one per distinct submittal, typed and cited.
//!
//! Read from a section's [`Body`](crate::spec_paragraphs::Body):
//! - **Submittal and closeout articles** (`SUBMITTALS`, `ACTION SUBMITTALS`, `CLOSEOUT
//!   SUBMITTALS`, `EXTRA MATERIALS`, `PROJECT RECORD DOCUMENTS`, …): each top paragraph that
//!   asks for something — it has a lead-in naming a document (`Product Data: …`), opens with a
//!   submit verb, is a bare noun phrase naming a submittal type, says "shall be submitted", or
//!   names a type the section has not asked for yet. A paragraph that is only a heading over
//!   separately delivered documents (`Closeout Documents:`, `the Contractor shall submit:`) gives
//!   one item per sub-paragraph. Procedure references ("See Section 01 33 00") and format rules
//!   are not items.
//! - **Warranty articles**: each paragraph that requires a warranty or guarantee, unless the
//!   section's submittal article already asked for one.
//! - **Elsewhere**: any other paragraph with explicit submit wording ("submit field reports",
//!   "include with submittal", "for submission and review"), except items due only upon request,
//!   substitution requests, reports others submit, and repeats of an item already found.

use crate::spec_paragraphs::{Body, Paragraph};
use crate::submittal_types::{SubmittalType, type_of, types_named};
use crate::text::Rect;
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

/// Where in the section a submittal requirement is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmittalSource {
    Submittals,
    Warranty,
    Closeout,
    Elsewhere,
}

impl SubmittalSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submittals => "submittals",
            Self::Warranty => "warranty",
            Self::Closeout => "closeout",
            Self::Elsewhere => "elsewhere",
        }
    }
}

/// One required submittal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SubmittalItem {
    #[serde(rename = "type")]
    pub kind: SubmittalType,
    /// The paragraph's lead-in and main content, at most [`DESCRIPTION_CHARS`] characters.
    pub description: String,
    /// The whole paragraph with its sub-paragraphs.
    pub text: String,
    /// The paragraph's number as printed: `1.04 B`, `1.4 A.1`.
    pub article: String,
    pub page_number: u32,
    pub bbox: Rect,
    pub source: SubmittalSource,
}

pub const DESCRIPTION_CHARS: usize = 200;

#[derive(Clone, Copy, PartialEq)]
enum ArticleKind {
    Submittals,
    Closeout,
    Warranty,
    Other,
}

fn article_kind(title: &str) -> ArticleKind {
    let t = title.to_uppercase();
    // "CLOSEOUT ACTIVITIES" and "DEMONSTRATION" are work, not documents.
    let closeout = [
        "CLOSEOUT SUBMITTAL",
        "CLOSE-OUT SUBMITTAL",
        "EXTRA MATERIAL",
        "EXTRA STOCK",
        "MAINTENANCE MATERIAL",
        "SPARE PARTS",
        "RECORD DOCUMENTS",
        "RECORD DRAWINGS",
        "MAINTENANCE DATA",
        "MAINTENANCE MANUALS",
    ]
    .iter()
    .any(|w| t.contains(w));
    if closeout {
        ArticleKind::Closeout
    } else if t.contains("SUBMITTAL") {
        ArticleKind::Submittals
    } else if t.contains("WARRANT") || t.contains("GUARANT") {
        ArticleKind::Warranty
    } else {
        ArticleKind::Other
    }
}

/// `Product Data: …`, `Shop Drawings - Door Hardware Schedule: …`: a short label before a colon.
static LEAD_IN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([A-Z][^:.;]{1,90}?):\s*(.*)$").unwrap());
static MODAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:shall|must|will|should|may|is|are|be|has|have)\b").unwrap()
});
static REFERENCE_ONLY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:see|refer\s+to|comply\s+with|conform\s+to|in\s+accordance\s+with|as\s+specified\s+in|per)\b").unwrap()
});
static IMPERATIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:Submit|Include|Furnish|Provide|Deliver|Prepare)\b\s*(.*)$").unwrap()
});
static SUBMIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bsubmit(?:ted|s|ting)?\b|\binclude\s+(?:with|in)\s+(?:the\s+)?submittals?\b|\bfurnish\s+(?:\w+\s+){0,2}submittals?\b|\bfor\s+submission\b").unwrap()
});
static FOLLOWING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\s*,?\s*(?:with|including|include|includes|as)?\s*(?:the\s+)?following\b.*$")
        .unwrap()
});
static PASSIVE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b(?:be|been|is|are)\s+$").unwrap());
static SECTION_CITED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b(?:section|division)\s+\d").unwrap());
static ON_REQUEST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:upon|on|if|when)\s+(?:the\s+)?(?:request|requested)\b").unwrap()
});
static SUBSTITUTION: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)\bsubstitut").unwrap());
/// Someone other than the contractor submits: "Testing agency will submit reports".
static OTHERS_SUBMIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:agency|owner|architect|engineer|laboratory|inspector)(?:'s)?\s+(?:will|shall)\s+(?:\w+\s+)?submit").unwrap()
});
/// The paragraph ends by announcing a list: "the Contractor shall submit:", "the following:".
static ANNOUNCES_LIST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:submit|submitted|following|include|includes)\s*:$").unwrap()
});

/// The lead-in label and the rest, when the paragraph opens with one.
fn lead_in(text: &str) -> Option<(&str, &str)> {
    let c = LEAD_IN.captures(text)?;
    let label = c.get(1)?.as_str();
    (label.split_whitespace().count() <= 10 && !MODAL.is_match(label))
        .then(|| (label.trim(), c.get(2).map_or("", |m| m.as_str()).trim()))
}

fn first_sentence(text: &str) -> &str {
    text.split_inclusive(". ")
        .next()
        .unwrap_or(text)
        .split(';')
        .next()
        .unwrap_or(text)
}

/// The sentence around the first submit wording.
fn submit_sentence(text: &str) -> &str {
    let Some(m) = SUBMIT.find(text) else {
        return text;
    };
    let start = text[..m.start()].rfind(". ").map_or(0, |i| i + 2);
    let end = text[m.end()..]
        .find(". ")
        .map_or(text.len(), |i| m.end() + i + 1);
    &text[start..end]
}

/// At most `DESCRIPTION_CHARS` characters, cut at a word.
fn clip(text: &str) -> String {
    if text.chars().count() <= DESCRIPTION_CHARS {
        return text.to_string();
    }
    let mut out = String::new();
    for w in text.split_whitespace() {
        if out.chars().count() + w.chars().count() + 1 > DESCRIPTION_CHARS {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// The paragraph with its sub-paragraphs, marks included.
fn full_text(body: &Body, i: usize) -> String {
    let p = &body.paragraphs[i];
    let mut out = p.text.clone();
    for &c in &p.children {
        out.push(' ');
        out.push_str(body.paragraphs[c].marks.last().map_or("", String::as_str));
        out.push_str(". ");
        out.push_str(&full_text(body, c));
    }
    out
}

/// The type a paragraph under a submittal article asks for, or `None` when it asks for nothing.
fn asked_type(p: &Paragraph, seen: &[SubmittalType]) -> Option<SubmittalType> {
    let text = p.text.as_str();
    if REFERENCE_ONLY.is_match(text) {
        return None;
    }
    let generic = SECTION_CITED.is_match(text) && type_of(text).is_none();
    if generic {
        return None;
    }
    if let Some((label, rest)) = lead_in(text) {
        if type_of(label).is_none() && REFERENCE_ONLY.is_match(rest) {
            return None;
        }
        return Some(
            type_of(label)
                .or_else(|| type_of(first_sentence(rest)))
                .unwrap_or(SubmittalType::Other),
        );
    }
    if let Some(c) = IMPERATIVE.captures(text) {
        let object = first_sentence(c.get(1).map_or("", |m| m.as_str()));
        return Some(
            type_of(object)
                .or_else(|| type_of(text))
                .unwrap_or(SubmittalType::Other),
        );
    }
    let first = first_sentence(text);
    if !MODAL.is_match(first)
        && let Some(t) = type_of(first)
    {
        return Some(t);
    }
    if SUBMIT.is_match(text) {
        return Some(type_of(submit_sentence(text)).unwrap_or(SubmittalType::Other));
    }
    types_named(text)
        .into_iter()
        .find(|t| *t != SubmittalType::Other && !seen.contains(t))
}

/// A paragraph that only heads a list of separately delivered documents.
fn heads_a_list(p: &Paragraph, all: &[Paragraph]) -> bool {
    if p.children.is_empty() {
        return false;
    }
    match lead_in(&p.text) {
        // `Closeout Documents:` over its documents, or `Inspection and Test Reports:` over
        // "1. Submit …", "2. Submit …"; not `Shop Drawings:` over what the drawings show.
        Some((label, rest)) => {
            rest.is_empty()
                && (type_of(label).is_none()
                    || p.children
                        .iter()
                        .all(|&c| IMPERATIVE.is_match(&all[c].text)))
        }
        None => ANNOUNCES_LIST.is_match(p.text.trim_end()),
    }
}

/// The paragraph's words and its sub-paragraphs', without marks; an announcement of the list
/// below ("with the following information:") gives way to the list.
fn words_of(body: &Body, i: usize) -> String {
    let p = &body.paragraphs[i];
    let mut out = if p.children.is_empty() {
        p.text.clone()
    } else {
        FOLLOWING.replace(&p.text, "").into_owned()
    };
    for &c in &p.children {
        out.push(' ');
        out.push_str(&words_of(body, c));
    }
    out
}

/// What a description says: the lead-in and what is asked, without the verb that asks
/// (`Product Data: Submit manufacturer's data` → `Product Data: manufacturer's data`).
fn describe(text: &str) -> String {
    // Clauses that only point elsewhere ("See Section 01 78 00 for additional requirements;")
    // say nothing of what is asked.
    let strip = |s: &str| -> String {
        let s = s
            .split_inclusive("; ")
            .filter(|clause| !REFERENCE_ONLY.is_match(clause.trim_start()))
            .collect::<String>();
        match IMPERATIVE.captures(&s) {
            Some(c) => c.get(1).map_or("", |m| m.as_str()).to_string(),
            None => s,
        }
    };
    let text = match lead_in(text) {
        Some((label, rest)) => format!("{label}: {}", strip(rest)),
        None => strip(text),
    };
    clip(&text)
}

fn item(
    body: &Body,
    i: usize,
    kind: SubmittalType,
    description: String,
    source: SubmittalSource,
) -> SubmittalItem {
    let p = &body.paragraphs[i];
    SubmittalItem {
        kind,
        description: describe(&description),
        text: full_text(body, i),
        article: body.number(p),
        page_number: p.page_number,
        bbox: p.bbox,
        source,
    }
}

/// Token overlap of two descriptions (F1 over their words), for telling repeats apart.
fn overlap(a: &str, b: &str) -> f32 {
    let words = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    let (a, mut b) = (words(a), words(b));
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let (na, nb) = (a.len() as f32, b.len() as f32);
    let mut common = 0.0;
    for w in &a {
        if let Some(k) = b.iter().position(|x| x == w) {
            b.swap_remove(k);
            common += 1.0;
        }
    }
    if common == 0.0 {
        return 0.0;
    }
    2.0 * common / (na + nb)
}

/// A requirement printed elsewhere that restates an item of the submittal, closeout or warranty
/// articles (Part 3 repeating Part 1).
fn is_repeat(items: &[SubmittalItem], asked: &str) -> bool {
    let asked = describe(asked);
    items.iter().any(|it| {
        it.source != SubmittalSource::Elsewhere && overlap(&it.description, &asked) >= 0.5
    })
}

/// The text from the sentence that holds the submit wording on: what a paragraph outside the
/// submittal articles asks for ("… otherwise. Include with submittal \"Letter of Conformance\"…").
fn from_submit_sentence(text: &str) -> &str {
    let Some(m) = SUBMIT.find(text) else {
        return text;
    };
    // "… submit each test report": what follows the verb is what is asked; "Test data shall
    // be submitted on letterhead": the sentence is.
    if m.as_str().eq_ignore_ascii_case("submit") && !PASSIVE.is_match(&text[..m.start()]) {
        return &text[m.start()..];
    }
    // "Include with submittal \"Letter of Conformance\"": what follows the phrase.
    let phrase = m.as_str().to_lowercase();
    if phrase.starts_with("include") || phrase.starts_with("furnish") {
        return text[m.end()..].trim_start();
    }
    let start = text[..m.start()].rfind(". ").map_or(0, |i| i + 2);
    &text[start..]
}

/// The submittal items of one section body, in reading order.
pub fn find_submittals(body: &Body) -> Vec<SubmittalItem> {
    let mut items: Vec<SubmittalItem> = Vec::new();
    // The paragraph each item comes from, for putting them back in reading order.
    let mut at: Vec<usize> = Vec::new();
    let kinds: Vec<ArticleKind> = body
        .articles
        .iter()
        .map(|a| article_kind(&a.title))
        .collect();
    // Submittal and closeout articles first: later mentions repeat them.
    for (i, p) in body.paragraphs.iter().enumerate() {
        let source = match kinds[p.article] {
            ArticleKind::Submittals => SubmittalSource::Submittals,
            ArticleKind::Closeout => SubmittalSource::Closeout,
            _ => continue,
        };
        if p.parent.is_some() {
            continue;
        }
        if heads_a_list(p, &body.paragraphs) {
            let label = lead_in(&p.text).map(|(l, _)| l);
            for &c in &p.children {
                let child = &body.paragraphs[c];
                let Some(kind) = type_of(&child.text)
                    .or_else(|| label.and_then(type_of))
                    .or(Some(SubmittalType::Other))
                else {
                    continue;
                };
                let description = match label {
                    Some(l) => format!("{l}: {}", words_of(body, c)),
                    None => words_of(body, c),
                };
                items.push(item(body, c, kind, description, source));
                at.push(c);
            }
            continue;
        }
        let seen: Vec<SubmittalType> = items.iter().map(|it| it.kind).collect();
        if let Some(kind) = asked_type(p, &seen) {
            items.push(item(body, i, kind, words_of(body, i), source));
            at.push(i);
        }
    }
    let asked_warranty = items.iter().any(|it| it.kind == SubmittalType::Warranty);
    for (i, p) in body.paragraphs.iter().enumerate() {
        match kinds[p.article] {
            ArticleKind::Warranty if p.parent.is_none() => {
                let t = p.text.to_lowercase();
                if asked_warranty
                    || !(t.contains("warrant") || t.contains("guarant"))
                    || REFERENCE_ONLY.is_match(&p.text)
                    || (SECTION_CITED.is_match(&p.text) && t.contains("additional"))
                {
                    continue;
                }
                items.push(item(
                    body,
                    i,
                    SubmittalType::Warranty,
                    words_of(body, i),
                    SubmittalSource::Warranty,
                ));
                at.push(i);
            }
            ArticleKind::Other => {
                let asked = from_submit_sentence(&words_of(body, i)).to_string();
                if let Some(kind) = asked_elsewhere(body, i)
                    && !is_repeat(&items, &asked)
                {
                    items.push(item(body, i, kind, asked, SubmittalSource::Elsewhere));
                    at.push(i);
                }
            }
            _ => {}
        }
    }
    let mut ordered: Vec<(usize, SubmittalItem)> = at.into_iter().zip(items).collect();
    ordered.sort_by_key(|(i, _)| *i);
    ordered.into_iter().map(|(_, it)| it).collect()
}

/// The type a paragraph outside the submittal articles explicitly asks to be submitted.
fn asked_elsewhere(body: &Body, i: usize) -> Option<SubmittalType> {
    let p = &body.paragraphs[i];
    let text = p.text.as_str();
    if !SUBMIT.is_match(text) || ON_REQUEST.is_match(text) || OTHERS_SUBMIT.is_match(text) {
        return None;
    }
    let substitution = SUBSTITUTION.is_match(text)
        || body
            .ancestors(i)
            .any(|a| SUBSTITUTION.is_match(lead_in(&a.text).map_or(a.text.as_str(), |(l, _)| l)));
    if substitution {
        return None;
    }
    let sentence = submit_sentence(text);
    let kind = type_of(sentence).or_else(|| type_of(text));
    if kind.is_none() && SECTION_CITED.is_match(sentence) {
        return None;
    }
    Some(kind.unwrap_or(SubmittalType::Other))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec_paragraphs::{lines, parse_body};
    use SubmittalType::*;

    fn summary(items: &[SubmittalItem]) -> Vec<(String, SubmittalType)> {
        items.iter().map(|i| (i.article.clone(), i.kind)).collect()
    }

    #[test]
    fn submittal_paragraphs_are_items_and_procedure_references_are_not() {
        let body = parse_body(&lines(
            3,
            &[
                "1.04 SUBMITTALS",
                "A. See Section 01 33 00 - Submittal Procedures, for submittal procedures.",
                "B. Drawings must be prepared as CAD files.",
                "C. Product Data: Manufacturer's data sheets for each",
                "type of pump, with performance curves.",
                "D. Shop Drawings shall be submitted for all piping.",
                "E. Shop Drawings shall include elevations.",
                "F. Evidence of installer qualifications.",
                "G. Include a brochure with cut sheets of each fitting.",
                "H. Pump drawings shall be overlaid on Coordination Drawings.",
                "I. Closeout Documents:",
                "1. Certification by manufacturer that the system is complete.",
                "2. Maintenance contract.",
            ],
        ));
        let items = find_submittals(&body);
        let want: Vec<(String, SubmittalType)> = [
            ("1.04 C", ProductData),
            ("1.04 D", ShopDrawings),
            ("1.04 F", QualificationData),
            ("1.04 G", ProductData),
            ("1.04 H", CoordinationDrawings),
            ("1.04 I.1", Certificates),
            ("1.04 I.2", Other),
        ]
        .into_iter()
        .map(|(a, t)| (a.to_string(), t))
        .collect();
        assert_eq!(summary(&items), want);
        assert_eq!(
            items[0].text,
            "Product Data: Manufacturer's data sheets for each type of pump, with performance curves."
        );
        assert_eq!(items[0].page_number, 3);
        assert_eq!(
            items[5].description,
            "Closeout Documents: Certification by manufacturer that the system is complete."
        );
        assert!(
            items
                .iter()
                .all(|i| i.source == SubmittalSource::Submittals)
        );
    }

    #[test]
    fn warranties_and_submit_wording_elsewhere_are_items_once() {
        let body = parse_body(&lines(
            7,
            &[
                "PART 1 - GENERAL",
                "1.03 SUBMITTALS",
                "A. Field Test Reports: Submit each pressure test report.",
                "1.04 QUALITY ASSURANCE",
                "A. Installer: Authorized by the manufacturer; submit",
                "manufacturer's certification that the installer is authorized.",
                "B. Submit color charts upon request.",
                "1.05 WARRANTY",
                "A. See Section 01 78 00 for additional warranty requirements.",
                "B. Provide manufacturer's warranty for five years.",
                "C. Provide installer's warranty for one year.",
                "PART 2 - PRODUCTS",
                "2.01 MANUFACTURERS",
                "A. Substitutions: See Section 01 60 00.",
                "1. Submit product data showing equivalent features.",
                "PART 3 - EXECUTION",
                "3.02 FIELD QUALITY CONTROL",
                "A. Testing agency will submit reports to the Architect.",
                "B. Submit each pressure test report within ten days.",
                "C. Submit duct leakage test report summary for review.",
            ],
        ));
        let items = find_submittals(&body);
        let got: Vec<(String, SubmittalType, SubmittalSource)> = items
            .iter()
            .map(|i| (i.article.clone(), i.kind, i.source))
            .collect();
        use SubmittalSource as S;
        let want = [
            ("1.03 A", TestReports, S::Submittals),
            ("1.04 A", Certificates, S::Elsewhere),
            ("1.05 B", Warranty, S::Warranty),
            ("1.05 C", Warranty, S::Warranty),
            ("3.02 C", TestReports, S::Elsewhere),
        ];
        let want: Vec<_> = want
            .iter()
            .map(|(a, t, s)| (a.to_string(), *t, *s))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn a_warranty_already_asked_for_is_not_repeated_and_a_list_announced_is_split() {
        let body = parse_body(&lines(
            1,
            &[
                "1.4 SUBMITTALS",
                "A. Prior to the start of work the Contractor shall submit:",
                "1. Manufacturer's data covering all products proposed.",
                "2. Warranty: Manufacturer's warranty in the Owner's name.",
                "1.5 WARRANTY",
                "A. Provide manufacturer's warranty for five years.",
            ],
        ));
        let items = find_submittals(&body);
        assert_eq!(
            summary(&items),
            [
                ("1.4 A.1".to_string(), ProductData),
                ("1.4 A.2".to_string(), Warranty)
            ]
        );
    }

    #[test]
    fn a_description_gives_the_list_announced_instead_of_the_announcement() {
        let body = parse_body(&lines(
            2,
            &[
                "1.05 SUBMITTALS",
                "A. Maintenance Materials: See Section 01 78 00 for more; furnish the following.",
                "1. Extra paint: One gallon of each color.",
                "2.07 TERMINALS",
                "A. Motors shall be single speed. Include with submittal \"Letter of",
                "Conformance\" from the manufacturer.",
            ],
        ));
        let items = find_submittals(&body);
        let got: Vec<(&str, SubmittalType)> = items
            .iter()
            .map(|i| (i.description.as_str(), i.kind))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "Maintenance Materials: Extra paint: One gallon of each color.",
                    Other
                ),
                (
                    "\"Letter of Conformance\" from the manufacturer.",
                    Certificates
                ),
            ]
        );
        assert_eq!(
            items[0].text,
            "Maintenance Materials: See Section 01 78 00 for more; furnish the following. 1. Extra paint: One gallon of each color."
        );
    }

    #[test]
    fn long_descriptions_are_cut_at_a_word() {
        let long = "word ".repeat(80);
        let d = clip(long.trim());
        assert!(d.len() <= DESCRIPTION_CHARS && d.ends_with("word"));
    }
}
