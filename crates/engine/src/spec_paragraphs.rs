//! The article and paragraph structure of a spec section's body.
//!
//! A section's body is a run of lines: `PART 1 - GENERAL`, article headings (`1.04 SUBMITTALS`),
//! and paragraphs that open with a mark (`A.`, `1.`, `a.`, `1)`, `a)`) at one of five levels.
//! A line without a mark continues the paragraph above it, across line and page breaks; running
//! heads and feet (lines in the page's top and bottom margins) are left out. Each paragraph keeps
//! its number as printed (`1.04 B.2`), the page it starts on and the box of its lines there.

use crate::text::Rect;
use regex::Regex;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// One line of a section's body, as the section reader sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct BodyLine {
    pub text: String,
    pub page_number: u32,
    pub bbox: Rect,
}

/// An article: `1.04` and its title `SUBMITTALS`.
#[derive(Clone, Debug, PartialEq)]
pub struct Article {
    pub number: String,
    pub title: String,
}

/// A paragraph of an article, with its text across lines and pages.
#[derive(Clone, Debug, PartialEq)]
pub struct Paragraph {
    /// Index into [`Body::articles`].
    pub article: usize,
    /// The marks from the article down: `["B"]`, `["B", "2"]`, `["C", "2", "a"]`.
    pub marks: Vec<String>,
    /// The paragraph's own text (without its mark and without its sub-paragraphs).
    pub text: String,
    pub page_number: u32,
    /// The union of its lines on the page where it starts.
    pub bbox: Rect,
    pub parent: Option<usize>,
    pub children: Vec<usize>,
}

/// The articles and paragraphs of one section, paragraphs in reading order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Body {
    pub articles: Vec<Article>,
    pub paragraphs: Vec<Paragraph>,
}

impl Body {
    /// The paragraph's number as printed: `1.04 B`, `1.04 H.1`, `3.01 C.2.a`.
    pub fn number(&self, p: &Paragraph) -> String {
        format!("{} {}", self.articles[p.article].number, p.marks.join("."))
    }

    /// The paragraph and its ancestors, nearest first.
    pub fn ancestors(&self, i: usize) -> impl Iterator<Item = &Paragraph> {
        std::iter::successors(self.paragraphs[i].parent, |&j| self.paragraphs[j].parent)
            .map(|j| &self.paragraphs[j])
    }
}

static PART: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^PART\s+\d\b").unwrap());
/// `1.04 SUBMITTALS`, `1.4 Submittals`, `ARTICLE 1.04 - WARRANTY`.
static ARTICLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:ARTICLE\s+)?(\d{1,2}\.\d{1,2})\.?\s+[-–—]?\s*([A-Z][A-Za-z0-9 ,/&()'’-]{2,70})$",
    )
    .unwrap()
});
/// A paragraph mark and the text after it; the capture group that matched gives the level.
static MARK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:([A-Z])\.|(\d{1,2})\.|([a-z])\.|(\d{1,2})\)|([a-z])\))\s+(\S.*)$").unwrap()
});
/// A running foot or head naming the section and page: `23 30 00 - 2`, `28 4600 - 1 / 9`.
static PAGE_MARK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b\d{2}\s?\d{2}\s?\d{2}\s*[-–]\s*\d{1,3}\b").unwrap());
static END_MARK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^END\s+OF\s+SECTION\b").unwrap());

/// Lines whose top is above this or below `1 - MARGIN` are running heads and feet.
const MARGIN: f32 = 0.075;

/// Lines in the outer `EDGE` of a page whose words (digits aside) come back on another page of
/// the section are running heads and feet too ("Story County Attorney Office").
const EDGE: f32 = 0.12;

fn running_key(l: &BodyLine) -> Option<String> {
    (l.bbox.y0 < EDGE || l.bbox.y0 > 1.0 - EDGE).then(|| {
        l.text
            .split_whitespace()
            .map(|w| w.replace(|c: char| c.is_ascii_digit(), "#"))
            .collect::<Vec<_>>()
            .join(" ")
    })
}

/// The edge lines that come back on more than one page.
fn repeated_edge_lines(lines: &[BodyLine]) -> HashSet<String> {
    let mut pages: HashMap<String, HashSet<u32>> = HashMap::new();
    for l in lines {
        if let Some(k) = running_key(l) {
            pages.entry(k).or_default().insert(l.page_number);
        }
    }
    pages
        .into_iter()
        .filter(|(_, p)| p.len() > 1)
        .map(|(k, _)| k)
        .collect()
}

fn is_running_line(l: &BodyLine, repeated: &HashSet<String>) -> bool {
    l.bbox.y0 < MARGIN
        || l.bbox.y0 > 1.0 - MARGIN
        || PAGE_MARK.is_match(&l.text)
        || running_key(l).is_some_and(|k| repeated.contains(&k))
}

fn is_article_title(title: &str) -> bool {
    let t = title.trim();
    !t.ends_with('.') && t.split_whitespace().count() <= 8
}

/// Reads the articles and paragraphs of a section body.
pub fn parse_body(lines: &[BodyLine]) -> Body {
    let mut body = Body::default();
    // The open paragraph at each level (0 = `A.`), within the current article.
    let mut open: [Option<usize>; 5] = [None; 5];
    let mut last: Option<usize> = None;
    let repeated = repeated_edge_lines(lines);
    for l in lines {
        let t = l.text.trim();
        if t.is_empty() || END_MARK.is_match(t) {
            continue;
        }
        if PART.is_match(t) {
            open = [None; 5];
            last = None;
            continue;
        }
        if let Some(c) = ARTICLE.captures(t)
            && is_article_title(&c[2])
        {
            body.articles.push(Article {
                number: c[1].to_string(),
                title: c[2].trim().to_string(),
            });
            open = [None; 5];
            last = None;
            continue;
        }
        if body.articles.is_empty() {
            continue;
        }
        if let Some(c) = MARK.captures(t) {
            let level = (1..=5).find(|&g| c.get(g).is_some()).unwrap() - 1;
            let mark = c.get(level + 1).unwrap().as_str().to_string();
            let parent = (0..level).rev().find_map(|k| open[k]);
            // A deeper mark with no paragraph above it at a shallower level still starts a
            // paragraph of its own; its number then has only its own mark.
            let mut marks = parent
                .map(|p| body.paragraphs[p].marks.clone())
                .unwrap_or_default();
            marks.push(mark);
            let i = body.paragraphs.len();
            body.paragraphs.push(Paragraph {
                article: body.articles.len() - 1,
                marks,
                text: c[6].trim().to_string(),
                page_number: l.page_number,
                bbox: l.bbox,
                parent,
                children: Vec::new(),
            });
            if let Some(p) = parent {
                body.paragraphs[p].children.push(i);
            }
            open[level] = Some(i);
            for slot in open.iter_mut().skip(level + 1) {
                *slot = None;
            }
            last = Some(i);
            continue;
        }
        if is_running_line(l, &repeated) {
            continue;
        }
        if let Some(i) = last {
            let p = &mut body.paragraphs[i];
            join_line(&mut p.text, t);
            if p.page_number == l.page_number {
                p.bbox = union(p.bbox, l.bbox);
            }
        }
    }
    body
}

/// Appends a wrapped line: a word broken at a hyphen (`call-` / `back`) joins without a space.
fn join_line(text: &mut String, line: &str) {
    if text.ends_with('-') && !text.ends_with(" -") {
        text.push_str(line);
    } else {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(line);
    }
}

fn union(a: Rect, b: Rect) -> Rect {
    Rect {
        x0: a.x0.min(b.x0),
        y0: a.y0.min(b.y0),
        x1: a.x1.max(b.x1),
        y1: a.y1.max(b.y1),
    }
}

#[cfg(test)]
pub(crate) fn lines(page_number: u32, texts: &[&str]) -> Vec<BodyLine> {
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let y0 = 0.1 + i as f32 * 0.02;
            BodyLine {
                text: t.to_string(),
                page_number,
                bbox: Rect {
                    x0: 0.1,
                    y0,
                    x1: 0.9,
                    y1: y0 + 0.015,
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_are_numbered_as_printed_and_joined_across_lines_and_pages() {
        let mut body = lines(
            4,
            &[
                "PART 1 - GENERAL",
                "1.04 SUBMITTALS",
                "A. Product Data: For each type of",
                "product, including trouble call-",
                "back service.",
                "B. Closeout Documents:",
                "1. Certificate of Occupancy.",
                "a. Signed by the authority.",
            ],
        );
        let mut foot = lines(4, &["09 91 23 - 4"]);
        foot[0].bbox.y0 = 0.95;
        body.extend(foot);
        body.extend(lines(
            5,
            &["2. Maintenance contract", "for one year.", "1.05 WARRANTY"],
        ));
        let parsed = parse_body(&body);
        let numbers: Vec<String> = parsed.paragraphs.iter().map(|p| parsed.number(p)).collect();
        assert_eq!(
            numbers,
            ["1.04 A", "1.04 B", "1.04 B.1", "1.04 B.1.a", "1.04 B.2"]
        );
        assert_eq!(
            parsed.paragraphs[0].text,
            "Product Data: For each type of product, including trouble call-back service."
        );
        assert_eq!(
            parsed.paragraphs[4].text,
            "Maintenance contract for one year."
        );
        assert_eq!(parsed.paragraphs[4].page_number, 5);
        assert_eq!(parsed.paragraphs[1].children, [2, 4]);
        assert_eq!(parsed.articles[1].title, "WARRANTY");
        let a = parsed.paragraphs[0].bbox;
        assert!(a.y0 < 0.15 && a.y1 > 0.16, "the box covers its three lines");
    }

    #[test]
    fn a_foot_that_comes_back_on_every_page_is_not_paragraph_text() {
        let foot = |page: u32| {
            let mut l = lines(page, &["Story County Attorney Office"]);
            l[0].bbox.y0 = 0.9;
            l
        };
        let mut body = lines(1, &["1.04 SUBMITTALS", "A. Evidence of installer"]);
        body.extend(foot(1));
        body.extend(lines(2, &["qualifications.", "B. Evidence of the"]));
        body.extend(foot(2));
        // A line low on one page only is the paragraph's own.
        let mut own = lines(3, &["Story County Attorney Office."]);
        own[0].bbox.y0 = 0.9;
        body.extend(own);
        let parsed = parse_body(&body);
        let texts: Vec<&str> = parsed.paragraphs.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Evidence of installer qualifications.",
                "Evidence of the Story County Attorney Office."
            ]
        );
    }

    #[test]
    fn a_sentence_that_starts_with_a_number_is_not_an_article() {
        let parsed = parse_body(&lines(
            1,
            &[
                "1.2 SUMMARY",
                "A. Ducts shall be at least",
                "1.5 inches from the wall.",
            ],
        ));
        assert_eq!(parsed.articles.len(), 1);
        assert_eq!(
            parsed.paragraphs[0].text,
            "Ducts shall be at least 1.5 inches from the wall."
        );
    }
}
