//! References printed on a drawing: detail, section and elevation callouts (`3/A501`,
//! `5 / A-501`, `SIM. 2/A5.1`, a number over a sheet number in a bubble), sheet references
//! (`SEE SHEET S-201`, `MATCH LINE - SEE SHEET TSD 01`) and specification references
//! (`SECTION 07 92 00`, `per 099123`).
//!
//! Targets are kept as printed; resolving them against the sheets and sections of a project is
//! the caller's (a reference is only as good as the set it points into). A sheet target always
//! has letters and digits, so a bare `1` or `12` never becomes a link, and a callout's two
//! halves are never both numbers (`1/2` is a fraction).

use crate::analysis::{BOX_SCALE, PageWords};
use regex::Regex;
use std::sync::LazyLock;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReferenceKind {
    /// A view on another (or the same) sheet: `3/A501`.
    Detail,
    /// A whole sheet: `SEE SHEET S-201`.
    Sheet,
    /// A specification section: `SECTION 07 92 00`.
    Section,
}

impl ReferenceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReferenceKind::Detail => "detail",
            ReferenceKind::Sheet => "sheet",
            ReferenceKind::Section => "section",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Reference {
    pub kind: ReferenceKind,
    /// The words as printed.
    pub text: String,
    /// The detail mark of a callout (`3`).
    pub detail: Option<String>,
    /// The sheet number as printed (`A-501`).
    pub sheet: Option<String>,
    /// The section number, digits grouped as `07 92 00` (`.13` kept).
    pub section: Option<String>,
    /// left, top, right, bottom, normalized to the displayed page.
    pub bbox: [f32; 4],
}

/// A sheet number: a discipline designator of 1–4 letters, an optional separator, 1–3 digits,
/// an optional `.n` and an optional letter (`A501`, `A-501`, `A5.1`, `E201B`, `FP-101`).
const SHEET: &str = r"[A-Z]{1,4}[-.]?\d{1,3}(?:\.\d{1,2})?[A-Z]?";

static SHEET_RE: LazyLock<Regex> = LazyLock::new(|| Regex::new(&format!("^{SHEET}$")).unwrap());

/// Whether a word (upper case, trimmed) has the shape of a sheet number.
pub(crate) fn is_sheet_number(word: &str) -> bool {
    SHEET_RE.is_match(word)
}
static MARK_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:\d{1,2}[A-Z]?|[A-Z])$").unwrap());
static CALLOUT_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"^(\d{{1,2}}[A-Z]?|[A-Z])/({SHEET})$")).unwrap());
static SECTION_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d{2})\s?(\d{2})\s?(\d{2})(\.\d{2})?$").unwrap());

#[derive(Clone, Debug)]
struct Token {
    text: String,
    b: [f32; 4],
}

impl Token {
    /// Upper case, without the punctuation that ends words in notes.
    fn word(&self) -> String {
        self.text
            .trim_end_matches(['.', ',', ';', ':', ')'])
            .trim_start_matches('(')
            .to_ascii_uppercase()
    }
}

fn lines(page: &PageWords) -> Vec<Vec<Token>> {
    let mut boxes = page.boxes.iter();
    page.text
        .split('\n')
        .map(|line| {
            line.split_whitespace()
                .filter_map(|t| {
                    let b = boxes.next()?;
                    Some(Token {
                        text: t.to_string(),
                        b: b.map(|v| v as f32 / BOX_SCALE),
                    })
                })
                .collect()
        })
        .collect()
}

fn span(tokens: &[Token]) -> [f32; 4] {
    tokens
        .iter()
        .fold([f32::MAX, f32::MAX, f32::MIN, f32::MIN], |a, t| {
            [
                a[0].min(t.b[0]),
                a[1].min(t.b[1]),
                a[2].max(t.b[2]),
                a[3].max(t.b[3]),
            ]
        })
}

fn text_of(tokens: &[Token]) -> String {
    tokens
        .iter()
        .map(|t| t.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A detail callout starting at `i`: `3/A501`, `3 / A501`, `3/ A501`, `3 /A501`; the number of
/// tokens it takes with its mark and sheet.
fn callout(t: &[Token], i: usize) -> Option<(usize, String, String)> {
    let w = |k: usize| t.get(i + k).map(Token::word);
    let one = w(0)?;
    if let Some(c) = CALLOUT_RE.captures(&one) {
        return Some((1, c[1].to_string(), c[2].to_string()));
    }
    let (a, b, c) = (w(0)?, w(1), w(2));
    let sheet_ok = |s: &str| SHEET_RE.is_match(s);
    if let Some(mark) = a.strip_suffix('/')
        && MARK_RE.is_match(mark)
        && let Some(b) = &b
        && sheet_ok(b)
    {
        return Some((2, mark.to_string(), b.clone()));
    }
    if MARK_RE.is_match(&a)
        && let Some(b) = &b
    {
        if let Some(sheet) = b.strip_prefix('/')
            && sheet_ok(sheet)
        {
            return Some((2, a.clone(), sheet.to_string()));
        }
        if b == "/"
            && let Some(c) = &c
            && sheet_ok(c)
        {
            return Some((3, a.clone(), c.clone()));
        }
    }
    None
}

/// A sheet number starting at `i`, possibly printed in two tokens (`TSD 01`).
fn sheet_at(t: &[Token], i: usize) -> Option<(usize, String)> {
    let a = t.get(i)?.word();
    if SHEET_RE.is_match(&a) {
        return Some((1, a));
    }
    let b = t.get(i + 1)?.word();
    let joined = format!("{a}{b}");
    if !a.bytes().all(|c| c.is_ascii_uppercase()) || !SHEET_RE.is_match(&joined) {
        return None;
    }
    // `TSD 01`: letters and digits printed apart; `I TSD03`: one number cut in two words.
    if a.len() <= 4 && b.len() <= 3 && b.bytes().all(|c| c.is_ascii_digit()) {
        return Some((2, format!("{a} {b}")));
    }
    (a.len() <= 2 && SHEET_RE.is_match(&b)).then_some((2, joined))
}

/// A section number starting at `i`: `07 92 00`, `079200`, `07 9200`, with `.13`.
fn section_at(t: &[Token], i: usize, six_digits_only: bool) -> Option<(usize, String)> {
    for n in (1..=3).rev() {
        if i + n > t.len() || (six_digits_only && n > 1) {
            continue;
        }
        let joined = text_of(&t[i..i + n])
            .trim_end_matches(['.', ',', ';', ')'])
            .to_string();
        if let Some(c) = SECTION_RE.captures(&joined) {
            let mut s = format!("{} {} {}", &c[1], &c[2], &c[3]);
            if let Some(sub) = c.get(4) {
                s.push_str(sub.as_str());
            }
            return Some((n, s));
        }
    }
    None
}

fn on_line(t: &[Token]) -> Vec<Reference> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < t.len() {
        let w = t[i].word();
        // SIM. 2/A5.1 and plain callouts.
        let sim = (w == "SIM") as usize;
        if let Some((n, mark, sheet)) = callout(t, i + sim) {
            let used = &t[i..i + sim + n];
            out.push(Reference {
                kind: ReferenceKind::Detail,
                text: text_of(used),
                detail: Some(mark),
                sheet: Some(sheet),
                section: None,
                bbox: span(used),
            });
            i += sim + n;
            continue;
        }
        // SEE SHEET X, SEE DWG X, REFER TO SHEET X.
        if w == "SEE" || w == "REFER" {
            let mut j = i + 1;
            if w == "REFER" && t.get(j).is_some_and(|x| x.word() == "TO") {
                j += 1;
            }
            if t.get(j).is_some_and(|x| {
                matches!(
                    x.word().as_str(),
                    "SHEET" | "SHT" | "SHEETS" | "DWG" | "DRAWING"
                )
            }) && let Some((n, sheet)) = sheet_at(t, j + 1)
            {
                let used = &t[i..j + 1 + n];
                out.push(Reference {
                    kind: ReferenceKind::Sheet,
                    text: text_of(used),
                    detail: None,
                    sheet: Some(sheet),
                    section: None,
                    bbox: span(used),
                });
                i = j + 1 + n;
                continue;
            }
        }
        // SECTION 07 92 00, SPEC SECTION 079200, per 099123.
        if matches!(w.as_str(), "SECTION" | "SPEC" | "SPECIFICATION" | "PER") {
            let j = i + 1 + t.get(i + 1).is_some_and(|x| x.word() == "SECTION") as usize;
            if let Some((n, section)) = section_at(t, j, w == "PER") {
                let used = &t[i..j + n];
                out.push(Reference {
                    kind: ReferenceKind::Section,
                    text: text_of(used),
                    detail: None,
                    sheet: None,
                    section: Some(section),
                    bbox: span(used),
                });
                i = j + n;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// A detail mark printed over a sheet number (the two halves of a callout bubble): the mark's
/// centre is over the number's, the gap between them is under a word height, and the sizes are
/// alike.
fn bubbles(all: &[Token], taken: &[[f32; 4]]) -> Vec<Reference> {
    let overlaps = |b: &[f32; 4]| {
        taken
            .iter()
            .any(|t| b[0] < t[2] && b[2] > t[0] && b[1] < t[3] && b[3] > t[1])
    };
    let mut out = Vec::new();
    for top in all.iter().filter(|t| MARK_RE.is_match(&t.word())) {
        let h = top.b[3] - top.b[1];
        let cx = (top.b[0] + top.b[2]) / 2.0;
        let below = all.iter().find(|s| {
            let sh = s.b[3] - s.b[1];
            let gap = s.b[1] - top.b[3];
            SHEET_RE.is_match(&s.word())
                && (-0.2 * h..=1.0 * h).contains(&gap)
                && ((s.b[0] + s.b[2]) / 2.0 - cx).abs() <= (s.b[2] - s.b[0]).max(h) * 0.5
                && sh <= h * 1.6
                && h <= sh * 1.6
        });
        if let Some(s) = below {
            let b = span(&[top.clone(), s.clone()]);
            if overlaps(&b) {
                continue;
            }
            out.push(Reference {
                kind: ReferenceKind::Detail,
                text: format!("{}/{}", top.text, s.text),
                detail: Some(top.word()),
                sheet: Some(s.word()),
                section: None,
                bbox: b,
            });
        }
    }
    out
}

/// Vertical text (match lines run along the sheet's edges) comes in pieces; its words are put
/// back in columns: tall narrow words whose centres line up, read upwards, then downwards.
fn vertical_columns(all: &[Token]) -> Vec<Vec<Token>> {
    let mut tall: Vec<&Token> = all
        .iter()
        .filter(|t| {
            let (w, h) = (t.b[2] - t.b[0], t.b[3] - t.b[1]);
            h > w * 2.0 && t.text.chars().count() >= 2 || h > w * 3.0
        })
        .collect();
    tall.sort_by(|a, b| (a.b[0] + a.b[2]).total_cmp(&(b.b[0] + b.b[2])));
    let mut columns: Vec<Vec<Token>> = Vec::new();
    for t in tall {
        let cx = (t.b[0] + t.b[2]) / 2.0;
        let width = t.b[2] - t.b[0];
        match columns.iter_mut().find(|c| {
            let first = &c[0];
            ((first.b[0] + first.b[2]) / 2.0 - cx).abs() <= width.max(first.b[2] - first.b[0]) * 0.6
        }) {
            Some(c) => c.push(t.clone()),
            None => columns.push(vec![t.clone()]),
        }
    }
    let mut out = Vec::new();
    for mut c in columns.into_iter().filter(|c| c.len() >= 2) {
        // Runs of words with small gaps between them; a long gap starts another run.
        c.sort_by(|a, b| b.b[3].total_cmp(&a.b[3]));
        let mut run: Vec<Token> = Vec::new();
        for t in c {
            if let Some(last) = run.last() {
                let gap = last.b[1] - t.b[3];
                if gap > (last.b[2] - last.b[0]) * 3.0 {
                    out.push(std::mem::take(&mut run));
                }
            }
            run.push(t);
        }
        out.push(run);
    }
    out.into_iter()
        .filter(|r| r.len() >= 2)
        .flat_map(|upwards| {
            let downwards: Vec<Token> = upwards.iter().rev().cloned().collect();
            [upwards, downwards]
        })
        .collect()
}

/// Every reference printed on a page, in reading order (bubbles last).
pub fn find_references(page: &PageWords) -> Vec<Reference> {
    let lines = lines(page);
    let mut out: Vec<Reference> = lines.iter().flat_map(|l| on_line(l)).collect();
    let all: Vec<Token> = lines.iter().flatten().cloned().collect();
    for column in vertical_columns(&all) {
        for r in on_line(&column) {
            let seen = out.iter().any(|o| {
                o.sheet == r.sheet
                    && o.section == r.section
                    && o.bbox[0] < r.bbox[2]
                    && o.bbox[2] > r.bbox[0]
                    && o.bbox[1] < r.bbox[3]
                    && o.bbox[3] > r.bbox[1]
            });
            if !seen {
                out.push(r);
            }
        }
    }
    let taken: Vec<[f32; 4]> = out.iter().map(|r| r.bbox).collect();
    out.extend(bubbles(&all, &taken));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines of words, each word given its own box along the line.
    fn page(lines: &[&str]) -> PageWords {
        let mut boxes = Vec::new();
        for (n, line) in lines.iter().enumerate() {
            for (k, _) in line.split_whitespace().enumerate() {
                let (x, y) = (0.05 + k as f32 * 0.04, 0.05 + n as f32 * 0.03);
                boxes.push([x, y, x + 0.03, y + 0.01].map(|v| (v * BOX_SCALE) as u16));
            }
        }
        PageWords {
            text: lines.join("\n"),
            boxes,
        }
    }

    /// Kind, detail, sheet and section of each reference found.
    type Found = (String, Option<String>, Option<String>, Option<String>);

    fn found(lines: &[&str]) -> Vec<Found> {
        find_references(&page(lines))
            .into_iter()
            .map(|r| (r.kind.as_str().to_string(), r.detail, r.sheet, r.section))
            .collect()
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn callouts_in_their_printed_forms() {
        assert_eq!(
            found(&[
                "SEE 3/A501 FOR FLASHING",
                "TYP. 5 / A-501",
                "SIM. 2/A5.1",
                "MATCHLINE, SEE: 1 / E201B",
                "12/ S-201 AND 4 /M101"
            ]),
            [
                ("detail".into(), s("3"), s("A501"), None),
                ("detail".into(), s("5"), s("A-501"), None),
                ("detail".into(), s("2"), s("A5.1"), None),
                ("detail".into(), s("1"), s("E201B"), None),
                ("detail".into(), s("12"), s("S-201"), None),
                ("detail".into(), s("4"), s("M101"), None),
            ]
        );
    }

    #[test]
    fn sheet_and_section_references() {
        assert_eq!(
            found(&[
                "MATCH LINE - SEE SHEET TSD 01",
                "REFER TO DWG. S-201.",
                "SEALANT PER SECTION 07 92 00.",
                "PAINT per 099123",
                "SEE SPEC SECTION 260533.13",
            ]),
            [
                ("sheet".into(), None, s("TSD 01"), None),
                ("sheet".into(), None, s("S-201"), None),
                ("section".into(), None, None, s("07 92 00")),
                ("section".into(), None, None, s("09 91 23")),
                ("section".into(), None, None, s("26 05 33.13")),
            ]
        );
    }

    #[test]
    fn numbers_fractions_and_dates_are_not_references() {
        assert!(
            found(&[
                "1/2\" GYP. BD. ON 3 5/8 MTL STUDS",
                "SEE NOTE 4",
                "DATE 12/31/2024",
                "SECTION A-A",
                "PER CODE 1004",
                "SEE SHEET 12",
                "ROOM 101",
            ])
            .is_empty()
        );
    }

    #[test]
    fn vertical_text_in_pieces_is_read_as_one_line() {
        // "MATCH LINE - SEE SHEET TSD03" rotated to read upwards, cut into three lines.
        let word = |top: f32, len: f32| [0.945, top, 0.947, top + len];
        let words = PageWords {
            text: "TSD03\nMATCH LINE\n- SEE SHEET".into(),
            boxes: [
                word(0.262, 0.017),
                word(0.338, 0.019),
                word(0.320, 0.012),
                word(0.300, 0.003),
                word(0.293, 0.006),
                word(0.281, 0.010),
            ]
            .iter()
            .map(|b| b.map(|v| (v * BOX_SCALE) as u16))
            .collect(),
        };
        let r = find_references(&words);
        assert_eq!(r.len(), 1, "{r:?}");
        assert_eq!(r[0].sheet.as_deref(), Some("TSD03"));
        assert_eq!(r[0].kind, ReferenceKind::Sheet);
    }

    #[test]
    fn a_mark_over_a_sheet_number_is_a_bubble() {
        let words = PageWords {
            text: "3\nA-501\n12\nOFFICE".into(),
            boxes: [
                [0.500, 0.500, 0.510, 0.510],
                [0.495, 0.512, 0.515, 0.522],
                [0.700, 0.500, 0.710, 0.510],
                [0.690, 0.512, 0.720, 0.522],
            ]
            .iter()
            .map(|b| b.map(|v| (v * BOX_SCALE) as u16))
            .collect(),
        };
        let r = find_references(&words);
        assert_eq!(r.len(), 1, "{r:?}");
        assert_eq!(r[0].detail.as_deref(), Some("3"));
        assert_eq!(r[0].sheet.as_deref(), Some("A-501"));
    }
}
