//! Sheet number and sheet title from a drawing page's title block (first pass).
//!
//! Candidates for the number are words that look like a sheet designation (National CAD
//! Standard: discipline letters, sheet type digit, sequence, as in `A-101`, `A1.01`, `E201A`),
//! scored by position toward the title-block corner, font size, nearby labels such as
//! SHEET NO or DRAWING NUMBER, and how often the same token repeats on the page (schedule
//! codes repeat; sheet numbers do not). The title comes from a title label's cell, or else
//! from the largest lettered lines near the number.

use crate::text::{Line, PageText, Rect, Ruling};
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::LazyLock;

/// A field read off the page with the box it came from and how sure we are.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Field {
    pub text: String,
    pub bbox: Rect,
    pub confidence: f32,
}

/// What the title block says, before the set-level check.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SheetGuess {
    pub number: Option<Field>,
    pub title: Option<Field>,
    pub title_block: Option<Rect>,
    /// Next-best number candidates, for the set-level consistency check.
    pub alternatives: Vec<Field>,
    /// Title candidates, best first, for the set-level check (which drops project fields that
    /// repeat on every sheet) to choose from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub title_candidates: Vec<crate::title_block::TitleCandidate>,
    /// Title candidates read around the sheet's corner instead of an unsure number, for when the
    /// set-level check finds that number is not the sheet's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub corner_titles: Vec<crate::title_block::TitleCandidate>,
    /// Why the fields were chosen, for `plansift process --explain`; not stored.
    #[serde(skip)]
    pub reasons: Vec<String>,
}

static SHEET_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[A-Z]{1,4}\d{0,2}[-._]?[A-Z]{0,2}\d{1,4}(?:[.-]\d{1,3})?[A-Z]?|\d{1,3})$")
        .unwrap()
});

static NUMBER_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(SHEET|SHT|DWG|DRAWING|PLAN\s+REF|REF)\.?\s*(NO\.?|NUMBER|#)?:?$").unwrap()
});

/// A code of three to five parts joined by `-`, `_` or `.` (`PW_E_01`, `TJM-SLD-001`,
/// `4977_S_DW01`), ending in a part with a digit and with a part of letters only, the
/// discipline or type of the sheet (a parcel number `APN302-293-070` has none).
static PARTED_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[A-Z0-9]{1,6}(?:[-_.][A-Z0-9]{1,6}){1,3}[-_.][A-Z]{0,4}\d{1,4}[A-Z]?$").unwrap()
});

/// A project code and a sheet code joined by `/` as well, in five parts or more
/// (`BIC/03-0225-SD-004`); a detail callout (`1/A-301`) has fewer.
static SLASHED_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[A-Z0-9]{1,8}(?:[-_./][A-Z0-9]{1,8}){3,7}[-_./][A-Z]{0,4}\d{1,4}[A-Z]?$").unwrap()
});

/// Whether the parts of a code name the sheet's discipline or type: a part of letters only
/// (`TJM-SLD-001`), or a later part led by letters (`3CA-22002-SH007.1`); a parcel number
/// (`APN302-293-070`) has neither.
fn names_a_discipline<'a>(mut parts: impl Iterator<Item = &'a str>) -> bool {
    let first = parts.next().unwrap_or_default();
    first.chars().all(|c| c.is_ascii_alphabetic())
        || parts.any(|p| p.starts_with(|c: char| c.is_ascii_alphabetic()))
}

/// A revision mark printed as one word (`REV.2`, `Rev2`): never the sheet number.
static REVISION_MARK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^REV(?:ISION)?[.:]?\d*$").unwrap());

/// A word that only says "number" (`NO.`, `Nº`, `#`) before the number itself: never part of it.
fn is_number_sign(word: &str) -> bool {
    matches!(
        word.to_uppercase().as_str(),
        "NO" | "NO." | "NO:" | "NR" | "NR." | "Nº" | "N°" | "#"
    )
}

/// The token without a number sign glued to its front (`NO.2.09` → `2.09`).
fn without_number_sign(token: &str) -> &str {
    for sign in NUMBER_SIGNS {
        if let Some(rest) = strip_sign(token, sign)
            && is_candidate(rest)
        {
            return rest;
        }
    }
    token
}

/// Signs glued to the front of a number (`NO.2.09`, `#A-101`).
const NUMBER_SIGNS: [&str; 5] = ["NO.", "NR.", "Nº", "N°", "#"];

/// `token` after `sign`, matched without regard to case.
fn strip_sign<'a>(token: &'a str, sign: &str) -> Option<&'a str> {
    token
        .get(..sign.len())
        .filter(|p| p.eq_ignore_ascii_case(sign))
        .map(|_| &token[sign.len()..])
}

fn is_candidate(text: &str) -> bool {
    let parted = || {
        text.len() <= 20
            && PARTED_NUMBER.is_match(text)
            && names_a_discipline(text.split(['-', '_', '.']))
    };
    let slashed = || {
        text.len() <= 28
            && SLASHED_NUMBER.is_match(text)
            && text.split(['-', '_', '.', '/']).count() >= 5
            && text
                .split(['-', '_', '.', '/'])
                .skip(1)
                .any(|p| p.chars().all(|c| c.is_ascii_alphabetic()))
    };
    let signed = NUMBER_SIGNS
        .iter()
        .any(|sign| strip_sign(text, sign).is_some());
    ((text.len() <= 12 && SHEET_NUMBER.is_match(text)) || parted() || slashed())
        && !text.chars().all(|c| c == '0')
        && !REVISION_MARK.is_match(text)
        && !signed
}

/// Reads the sheet number and title of a drawing page.
pub fn read_sheet(text: &PageText, width: f32, height: f32) -> SheetGuess {
    let words = &text.words;
    if words.is_empty() {
        return SheetGuess::default();
    }
    let mut sizes: Vec<f32> = words.iter().map(|w| w.size).collect();
    sizes.sort_by(f32::total_cmp);
    let median = sizes[sizes.len() / 2].max(1.0);
    let mut guess = SheetGuess::default();
    let values = crate::title_block::labelled_values(text);
    let mut scored = number_candidates(text, &values, width, height, median, &mut guess.reasons);
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.dedup_by(|a, b| a.1.text == b.1.text);
    let reasons: Vec<String> = scored
        .iter()
        .take(5)
        .map(|s| format!("number candidate {}", s.2))
        .collect();
    guess.reasons.extend(reasons);
    // Without a label behind it, a weak candidate is more often a grade, a room or a detail mark
    // than the sheet number (measured on the evaluation sets: right 3 times in 55 under 1.2): no
    // number is better than a wrong one.
    let backed = |f: &Field| f.confidence >= 0.7;
    let alternative = |(s, f, _): &(f32, Field, String)| Field {
        confidence: (0.1 * s).clamp(0.0, 0.5),
        ..f.clone()
    };
    if scored
        .first()
        .is_some_and(|(s, f, _)| !backed(f) && *s < MIN_UNLABELLED_NUMBER_SCORE)
    {
        guess
            .reasons
            .push("no number: no candidate is sure enough".to_string());
        // Kept for the set-level check, which may find one where the set's numbers stand.
        guess.alternatives = scored.iter().take(ALTERNATIVES).map(alternative).collect();
        scored.clear();
    }
    let number = scored.first().map(|(best, field, _)| {
        let margin = scored.get(1).map(|s| best - s.0).unwrap_or(1.0);
        let mut number = field.clone();
        if !backed(&number) && *best < 2.0 {
            number.confidence = number.confidence.min(0.4);
        }
        // A close runner-up makes the choice less sure.
        if margin < 0.5 {
            number.confidence -= 0.15;
        }
        number
    });
    // The title is read around the number or, without one, around the corner where title
    // blocks stand.
    let corner = Field {
        text: String::new(),
        bbox: Rect {
            x0: width,
            y0: height,
            x1: width,
            y1: height,
        },
        confidence: 0.0,
    };
    let anchor = number.as_ref().unwrap_or(&corner);
    let (candidates, why) =
        crate::title_block::title_candidates(text, &values, anchor, width, height);
    guess.reasons.extend(why);
    guess.title = choose_title(&candidates, &[]);
    guess.reasons.push(guess.title.as_ref().map_or_else(
        || "no title: no candidate is sure enough".to_string(),
        |f| format!("title {:?} (confidence {:.2})", f.text, f.confidence),
    ));
    guess.title_candidates = candidates;
    if number.as_ref().is_some_and(|n| !backed(n)) {
        guess.corner_titles =
            crate::title_block::title_candidates(text, &values, &corner, width, height).0;
    }
    guess.title_block = guess.title.as_ref().map(|t| t.bbox);
    if let Some(number) = number {
        guess.title_block = Some(title_block_around(
            &number,
            guess.title.as_ref(),
            &text.rulings,
            width,
            height,
        ));
        guess.number = Some(number);
        guess.alternatives = scored
            .iter()
            .skip(1)
            .take(ALTERNATIVES)
            .map(alternative)
            .collect();
    }
    guess
}

/// How many runners-up a page keeps for the set-level check.
const ALTERNATIVES: usize = 8;

/// Below this score a number candidate without a label is not returned.
const MIN_UNLABELLED_NUMBER_SCORE: f32 = 1.2;

/// Below this a title is not returned: a wrong title is worse than none.
pub const MIN_TITLE_CONFIDENCE: f32 = 0.5;

/// The best title candidate once lines that are project fields of the set (`repeated`) are
/// taken out, if it is sure enough.
pub fn choose_title(
    candidates: &[crate::title_block::TitleCandidate],
    repeated: &[String],
) -> Option<Field> {
    let mut best: Option<(f32, Field)> = None;
    for c in candidates {
        // Lines repeated on every sheet before (or, without a title label, after) the title are
        // project lines; a repeated line that names a view or content (`FIRE ALARM` over
        // `TITLE SHEET`), or one inside a labelled title (`LINE "B"`), is part of the title.
        let project = |l: &&String| {
            repeated.contains(&norm_line(l)) && !crate::title_block::has_title_words(l)
        };
        let lead = c.lines.iter().take_while(project).count();
        let trail = if c.labelled {
            0
        } else {
            c.lines.iter().skip(lead).rev().take_while(project).count()
        };
        let mut kept: Vec<&String> = c
            .lines
            .iter()
            .skip(lead)
            .take(c.lines.len() - lead - trail)
            .collect();
        if kept.is_empty() {
            // Printed the same on every sheet: a project field, unless it names a view or a
            // sheet's content (`COMMUNICATION ONE-LINE DIAGRAM` on four one-line sheets).
            if !c.vocabulary {
                continue;
            }
            kept = c.lines.iter().collect();
        }
        let mut field = c.field.clone();
        if kept.len() < c.lines.len() {
            field.text = kept
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            field.confidence = if crate::title_block::has_title_words(&field.text) {
                field.confidence.max(0.7)
            } else {
                0.4
            };
        }
        if best.as_ref().is_none_or(|(s, _)| c.score > *s) {
            best = Some((c.score, field));
        }
    }
    best.map(|b| b.1)
        .filter(|f| f.confidence >= MIN_TITLE_CONFIDENCE)
}

/// A line as compared across the sheets of a set.
pub fn norm_line(line: &str) -> String {
    line.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_uppercase()
}

/// A label-backed sheet number may be a long code (`L01-H01D01-FOS-00-XX-MUP-AR-80050`,
/// `TEMPLE/28-1/24/SD-005`, `3CA-22002-SH007.1`, `A-(11)1000`, `100-00`).
static LONG_CODE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Z0-9](?:[A-Z0-9./_:()-]*[A-Z0-9])?$").unwrap());

/// Scored number candidates: `(score, field, why)`.
fn number_candidates(
    text: &PageText,
    values: &[crate::title_block::LabelledValue],
    width: f32,
    height: f32,
    median: f32,
    reasons: &mut Vec<String>,
) -> Vec<(f32, Field, String)> {
    use crate::field_labels::FieldKind;
    let words = &text.words;
    let mut counts: HashMap<&str, u32> = HashMap::new();
    for w in words {
        *counts.entry(w.text.as_str()).or_default() += 1;
    }
    let inside = |r: &Rect, b: &Rect| {
        let (x, y) = r.center();
        x >= b.x0 - 1.0 && x <= b.x1 + 1.0 && y >= b.y0 - 1.0 && y <= b.y1 + 1.0
    };
    let labels: Vec<&Line> = text
        .lines
        .iter()
        .filter(|l| {
            NUMBER_LABEL.is_match(l.text.trim())
                || crate::field_labels::split_labels(l.text.trim()).0.first()
                    == Some(&FieldKind::Number)
        })
        .collect();
    // `8 of 56`: the total is never the number; the index may be. `of` may be a smaller word
    // of its own between the two.
    let mut totals: Vec<Rect> = Vec::new();
    let mut indices: Vec<Rect> = Vec::new();
    let digits = |t: &str| !t.is_empty() && t.len() <= 4 && t.chars().all(|c| c.is_ascii_digit());
    for of in words.iter().filter(|w| {
        matches!(
            w.text.to_uppercase().as_str(),
            "OF" | "DE" | "DI" | "VON" | "VAN" | "AV" | "Z" | "ИЗ" | "/"
        )
    }) {
        let (ox, oy) = of.bbox.center();
        let beside = |w: &&crate::text::Word, right: bool| {
            let (wx, wy) = w.bbox.center();
            digits(&w.text)
                && w.dir == of.dir
                && (wy - oy).abs() < 0.6 * w.size.max(of.size)
                && if right {
                    wx > ox && w.bbox.x0 - of.bbox.x1 < 2.0 * w.size
                } else {
                    wx < ox && of.bbox.x0 - w.bbox.x1 < 2.0 * w.size
                }
        };
        let total = words
            .iter()
            .filter(|w| beside(w, true))
            .min_by(|a, b| a.bbox.x0.total_cmp(&b.bbox.x0));
        let index = words
            .iter()
            .filter(|w| beside(w, false))
            .max_by(|a, b| a.bbox.x1.total_cmp(&b.bbox.x1));
        if let (Some(t), Some(i)) = (total, index) {
            totals.push(t.bbox);
            indices.push(i.bbox);
        }
    }
    // Words that are part of a date printed in a line (`August 18, 2023`).
    let line_of: HashMap<u32, usize> = text
        .lines
        .iter()
        .enumerate()
        .flat_map(|(li, l)| l.words.iter().map(move |&w| (w, li)))
        .collect();
    let in_date = |word: &str, i: usize| {
        line_of.get(&(i as u32)).is_some_and(|&li| {
            crate::field_labels::date_spans(&text.lines[li].text)
                .iter()
                .any(|d| d.contains(word.trim_matches(|c: char| !c.is_alphanumeric())))
        })
    };
    // Words of lines that can never hold a sheet number: addresses, phone numbers, dates (read
    // only for the lines that hold a candidate).
    let mut refused_lines: HashMap<usize, bool> = HashMap::new();
    let mut refused = |i: usize| {
        line_of.get(&(i as u32)).is_some_and(|&li| {
            *refused_lines.entry(li).or_insert_with(|| {
                matches!(
                    crate::field_labels::never_title(&text.lines[li].text),
                    Some("an address or contact line") | Some("a date") | Some("a file name")
                )
            })
        })
    };
    let mut scored: Vec<(f32, Field, String)> = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let token = without_number_sign(w.text.trim_matches(|c: char| c == ':' || c == ','));
        let joined;
        // A designation printed as two or three words ("A 101", "SC20- TN01", "S- 020",
        // "ARQ - 01") is joined back.
        let token = if !is_candidate(token) {
            match join_designation(text, line_of.get(&(i as u32)).copied(), i) {
                Some(j) => {
                    joined = j;
                    joined.as_str()
                }
                None => continue,
            }
        } else {
            token
        };
        if totals.iter().any(|t| inside(&w.bbox, t))
            || refused(i)
            || in_date(&w.text, i)
            || !crate::field_labels::split_labels(token).0.is_empty()
        {
            continue;
        }
        if let Some(v) = values.iter().find(|v| {
            !matches!(v.kind, FieldKind::Number | FieldKind::Title) && inside(&w.bbox, &v.bbox)
        }) {
            if token.chars().any(|c| c.is_ascii_alphabetic()) {
                reasons.push(format!(
                    "{token} is the value of a {} label",
                    v.kind.as_str()
                ));
            }
            continue;
        }
        let letters = token.chars().any(|c| c.is_ascii_alphabetic());
        let (cx, cy) = w.bbox.center();
        let pos = 0.5 * (cx / width).clamp(0.0, 1.0) + 0.5 * (cy / height).clamp(0.0, 1.0);
        let size = (w.size / median).min(5.0) / 5.0;
        let repeats = counts.get(w.text.as_str()).copied().unwrap_or(1);
        let label = labels
            .iter()
            .any(|l| near_label(&l.bbox, &w.bbox, w.size.max(l.size)));
        let valued = values
            .iter()
            .any(|v| v.kind == FieldKind::Number && inside(&w.bbox, &v.bbox));
        let index = indices.iter().any(|t| inside(&w.bbox, t));
        let mut score = 2.0 * pos * pos
            + 1.5 * size
            + if label { 1.2 } else { 0.0 }
            + if valued { 2.0 } else { 0.0 }
            + if index && (label || valued) { 0.8 } else { 0.0 };
        score -= 0.4 * (repeats.saturating_sub(1).min(5) as f32);
        if !letters {
            score -= 1.0;
        }
        if w.dir != 0 && w.dir != 270 {
            score -= 0.5;
        }
        let why = format!(
            "{token}: score {score:.2} (corner {pos:.2}, size {:.1}x median, label {label}, value {valued}, repeats {repeats}{})",
            w.size / median,
            if letters { "" } else { ", digits only" }
        );
        // How often such a candidate is right, before the set-level check.
        let prior = match (valued, label, letters) {
            (true, _, _) => 0.9,
            (false, true, true) => 0.75,
            (false, true, false) => 0.7,
            (false, false, true) => 0.6,
            (false, false, false) => 0.4,
        };
        scored.push((
            score,
            Field {
                text: token.to_string(),
                bbox: w.bbox,
                confidence: prior,
            },
            why,
        ));
    }
    // Long coded numbers are taken only from a number label's value.
    for v in values.iter().filter(|v| v.kind == FieldKind::Number) {
        let code: String = v
            .text
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .replace("- ", "-")
            .replace(" -", "-");
        if code.contains(' ')
            || code.len() > 45
            || scored.iter().any(|s| s.1.text == code)
            || !LONG_CODE.is_match(&code)
            || !code.chars().any(|c| c.is_ascii_digit())
            || !(code.chars().any(|c| c.is_ascii_alphabetic())
                || code.contains(['-', '.', '/', '_']))
            || crate::field_labels::has_date(&code)
        {
            continue;
        }
        let (cx, cy) = v.bbox.center();
        let pos = 0.5 * (cx / width).clamp(0.0, 1.0) + 0.5 * (cy / height).clamp(0.0, 1.0);
        let score = 2.0 * pos * pos + 3.0;
        scored.push((
            score,
            Field {
                text: code.clone(),
                bbox: v.bbox,
                confidence: 0.9,
            },
            format!("{code}: score {score:.2} (the value of a number label, a long code)"),
        ));
    }
    scored
}

/// The designation that word `i` starts when joined with the one or two words that follow it on
/// its line (`A` `101`, `S-` `020`, `ARQ` `-` `01`), if the join looks like a sheet number.
fn join_designation(text: &PageText, line: Option<usize>, i: usize) -> Option<String> {
    let words = &text.words;
    let order = &text.lines.get(line?)?.words;
    let at = order.iter().position(|&w| w as usize == i)?;
    let next = |k: usize| order.get(at + k).map(|&w| &words[w as usize]);
    let close = |a: &crate::text::Word, b: &crate::text::Word, gap: f32| {
        let (ga, gb) = (
            crate::title_block::frame(&a.bbox, a.dir),
            crate::title_block::frame(&b.bbox, b.dir),
        );
        gb.x0 - ga.x1 < gap * a.size.max(b.size)
    };
    let ok = |t: &str| is_candidate(t) && t.chars().any(|c| c.is_ascii_alphabetic());
    let w = &words[i];
    if is_number_sign(&w.text) {
        return None;
    }
    let n1 = next(1).filter(|n| close(w, n, 0.8))?;
    let two = format!("{}{}", w.text, n1.text);
    if ok(&two) {
        return Some(two);
    }
    if matches!(n1.text.as_str(), "-" | "–" | "." | "_") {
        let n2 = next(2).filter(|n| close(n1, n, 1.0))?;
        let three = format!("{}-{}", w.text, n2.text);
        if ok(&three) {
            return Some(three);
        }
    }
    None
}

fn near_label(label: &Rect, word: &Rect, size: f32) -> bool {
    let reach = 6.0 * size;
    let below = word.y0 >= label.y0 - size
        && word.y0 - label.y1 < reach
        && word.x1 > label.x0 - reach
        && word.x0 < label.x1 + reach;
    let right = (word.y0 - label.y0).abs() < 1.5 * size
        && word.x0 >= label.x1 - size
        && word.x0 - label.x1 < reach;
    below || right
}

/// The title block around the sheet fields: the ruled cell that encloses the number and the
/// title, bounded by the nearest rules on each side that span the fields (title blocks are boxes
/// of ruled cells). Where no rule bounds a side, the fields plus a margin bound it.
fn title_block_around(
    number: &Field,
    title: Option<&Field>,
    rulings: &[Ruling],
    width: f32,
    height: f32,
) -> Rect {
    let mut r = number.bbox;
    if let Some(t) = title {
        r = r.union(&t.bbox);
    }
    let pad = 0.01 * width.max(height);
    let (cx, cy) = r.center();
    let spans = |g: &&Ruling, along: f32| g.from <= along && g.to >= along;
    let verticals = || rulings.iter().filter(|g| !g.horizontal && spans(g, cy));
    let horizontals = || rulings.iter().filter(|g| g.horizontal && spans(g, cx));
    let reach = 0.25 * width.max(height);
    let left = verticals()
        .map(|g| g.at)
        .filter(|&x| x <= r.x0 + 1.0 && r.x0 - x < reach)
        .fold(f32::NAN, f32::max);
    let right = verticals()
        .map(|g| g.at)
        .filter(|&x| x >= r.x1 - 1.0 && x - r.x1 < reach)
        .fold(f32::NAN, f32::min);
    let top = horizontals()
        .map(|g| g.at)
        .filter(|&y| y <= r.y0 + 1.0 && r.y0 - y < reach)
        .fold(f32::NAN, f32::max);
    let bottom = horizontals()
        .map(|g| g.at)
        .filter(|&y| y >= r.y1 - 1.0 && y - r.y1 < reach)
        .fold(f32::NAN, f32::min);
    let or = |v: f32, fallback: f32| if v.is_nan() { fallback } else { v };
    // Glyph boxes come from advance widths and may overhang a rule by a hair: the block always
    // holds its fields.
    let ruled = Rect {
        x0: or(left, r.x0 - pad),
        y0: or(top, r.y0 - pad),
        x1: or(right, r.x1 + pad),
        y1: or(bottom, r.y1 + pad),
    }
    .union(&r);
    Rect {
        x0: ruled.x0.max(0.0),
        y0: ruled.y0.max(0.0),
        x1: ruled.x1.min(width),
        y1: ruled.y1.min(height),
    }
}

/// The shape of a sheet number: letters as `A`, digits as `9`, separators kept (`E201A` →
/// `A999A`, `A1.01` → `A9.99`). Sheets of one set share a few shapes.
pub fn shape(number: &str) -> String {
    number
        .chars()
        .map(|c| {
            if c.is_ascii_alphabetic() {
                'A'
            } else if c.is_ascii_digit() {
                '9'
            } else {
                c
            }
        })
        .collect()
}

/// The set-level check. Sheet numbers of a set share a shape and stand at one place of a title
/// block that is the same on every sheet, and each names one sheet:
///
/// 1. when most sheets share a number shape, a sheet whose number breaks it takes its best
///    alternative that fits, if it has one;
/// 2. when the set's sure numbers (or, without any, most of its numbers) stand at one place, a
///    sheet whose unsure number stands elsewhere takes an alternative from that place, or none:
///    a tag of the drawing is not the sheet number;
/// 3. an unsure number read on most sheets of the set is a project code, a revision or a
///    repeated tag, not the sheet's number.
pub fn check_set(mut guesses: Vec<SheetGuess>) -> Vec<SheetGuess> {
    let anchor = number_place(&guesses);
    let mut counts: HashMap<String, usize> = HashMap::new();
    for g in &guesses {
        if let Some(n) = &g.number {
            *counts.entry(shape(&n.text)).or_default() += 1;
        }
    }
    let dominant = counts
        .into_iter()
        .max_by_key(|(_, c)| *c)
        .filter(|(_, count)| guesses.len() >= 3 && count * 2 > guesses.len())
        .map(|(shape, _)| shape);
    let at_anchor = |f: &Field| anchor.is_none_or(|a| near_place(&f.bbox, a));
    for g in &mut guesses {
        let Some(dominant) = &dominant else { break };
        let fits = g
            .number
            .as_ref()
            .is_some_and(|n| shape(&n.text) == *dominant);
        // A page without a number takes one only where the set's numbers stand.
        if fits || (g.number.is_none() && anchor.is_none()) {
            continue;
        }
        if let Some(i) = g
            .alternatives
            .iter()
            .position(|a| shape(&a.text) == *dominant && at_anchor(a))
        {
            let mut better = g.alternatives.remove(i);
            better.confidence = 0.6;
            g.reasons
                .push(format!("set: {} has the set's number shape", better.text));
            if let Some(old) = g.number.replace(better) {
                g.alternatives.insert(0, old);
            }
        } else if let Some(n) = g.number.as_mut() {
            n.confidence = n.confidence.min(0.4);
        }
    }
    if let Some(anchor) = anchor {
        for g in &mut guesses {
            let Some(n) = &g.number else { continue };
            if n.confidence >= SURE_NUMBER || near_place(&n.bbox, anchor) {
                continue;
            }
            let better = g
                .alternatives
                .iter()
                .position(|a| near_place(&a.bbox, anchor) && a.confidence >= 0.1);
            let old = g.number.take();
            if let Some(i) = better {
                let mut better = g.alternatives.remove(i);
                better.confidence = better.confidence.max(0.5);
                g.number = Some(better);
            }
            g.reasons.push(format!(
                "set: {} stands away from where the set's numbers stand; {}",
                old.as_ref().map_or("", |o| o.text.as_str()),
                g.number
                    .as_ref()
                    .map_or("no number".to_string(), |n| format!("{} does not", n.text))
            ));
            g.alternatives.extend(old);
            read_title_at_corner(g);
        }
    }
    let mut texts: HashMap<String, usize> = HashMap::new();
    for g in &guesses {
        if let Some(n) = &g.number {
            *texts.entry(n.text.clone()).or_default() += 1;
        }
    }
    let pages = guesses.len();
    for g in &mut guesses {
        let repeated = g.number.as_ref().is_some_and(|n| {
            let count = texts.get(&n.text).copied().unwrap_or(0);
            n.confidence < SURE_NUMBER && count >= 2 && count * 2 >= pages
        });
        if repeated && let Some(old) = g.number.take() {
            g.reasons.push(format!(
                "set: {} is read on most sheets, so it is not this sheet's number",
                old.text
            ));
            g.alternatives.insert(0, old);
            read_title_at_corner(g);
        }
    }
    for g in &mut guesses {
        if g.number
            .as_ref()
            .is_some_and(|n| n.confidence < MIN_NUMBER_CONFIDENCE)
            && let Some(old) = g.number.take()
        {
            g.reasons.push(format!(
                "{} is too weak a reading to be the sheet's number",
                old.text
            ));
            g.alternatives.insert(0, old);
        }
    }
    choose_set_titles(&mut guesses);
    guesses
}

/// Below this, a number is no better than a guess (on drawing sets from many offices, four in
/// five such numbers were wrong): the sheet has no number, and the reading stays an alternative.
const MIN_NUMBER_CONFIDENCE: f32 = 0.2;

/// The number a page's title was read around is not its number: the title is read again around
/// the sheet's corner.
fn read_title_at_corner(g: &mut SheetGuess) {
    if g.corner_titles.is_empty() {
        return;
    }
    g.title_candidates = std::mem::take(&mut g.corner_titles);
    g.title = choose_title(&g.title_candidates, &[]);
}

/// A number read from a label's value (or as sure): it defines where the set's numbers stand.
const SURE_NUMBER: f32 = 0.7;

/// Where a set's sheet numbers stand (page-normalized centre): where its sure numbers agree, or,
/// without two of them, where most of its numbers agree.
fn number_place(guesses: &[SheetGuess]) -> Option<(f32, f32)> {
    let centers = |sure: bool| -> Vec<(f32, f32)> {
        guesses
            .iter()
            .filter_map(|g| g.number.as_ref())
            .filter(|n| !sure || n.confidence >= SURE_NUMBER)
            .map(|n| n.bbox.center())
            .collect()
    };
    let cluster = |points: &[(f32, f32)]| {
        points
            .iter()
            .map(|&p| {
                let near = points
                    .iter()
                    .filter(|q| (q.0 - p.0).abs() <= PLACE.0 && (q.1 - p.1).abs() <= PLACE.1)
                    .count();
                (near, p)
            })
            .max_by_key(|(near, _)| *near)
    };
    let sure = centers(true);
    if sure.len() >= 2 {
        return cluster(&sure)
            .filter(|(near, _)| *near >= 2 && near * 2 > sure.len())
            .map(|(_, p)| p);
    }
    let all = centers(false);
    if all.len() < 3 {
        return None;
    }
    cluster(&all)
        .filter(|(near, _)| near * 5 >= all.len() * 3 && near * 2 > guesses.len())
        .map(|(_, p)| p)
}

/// How far (in page fractions, across and down) a number may stand from the set's place.
const PLACE: (f32, f32) = (0.06, 0.04);

fn near_place(r: &Rect, place: (f32, f32)) -> bool {
    let (x, y) = r.center();
    (x - place.0).abs() <= PLACE.0 && (y - place.1).abs() <= PLACE.1
}

/// Titles across the set: a line printed on most sheets of a set of three or more is a project
/// field (a project name, a client, a date line) beside a title that changes from sheet to sheet.
fn choose_set_titles(guesses: &mut [SheetGuess]) {
    if guesses.len() < 3 {
        return;
    }
    let mut counts: HashMap<String, usize> = HashMap::new();
    for g in guesses.iter() {
        let lines: std::collections::HashSet<String> = g
            .title_candidates
            .iter()
            .flat_map(|c| c.lines.iter().map(|l| norm_line(l)))
            .collect();
        for l in lines {
            *counts.entry(l).or_default() += 1;
        }
    }
    let threshold = 3.max((guesses.len() * 3).div_ceil(5));
    let repeated: Vec<String> = counts
        .into_iter()
        .filter(|(_, c)| *c >= threshold)
        .map(|(l, _)| l)
        .collect();
    if repeated.is_empty() {
        return;
    }
    for g in guesses.iter_mut() {
        if !g.title_candidates.is_empty() {
            g.title = choose_title(&g.title_candidates, &repeated);
        }
    }
}

/// The discipline designator of a sheet number: its leading letters (`AF101` → `AF`).
pub fn designator(number: &str) -> Option<String> {
    let d: String = number
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    (!d.is_empty()).then_some(d)
}

/// Discipline from the designator's first letter (NCS).
pub fn discipline(code: &str) -> Option<&'static str> {
    let up = code.to_ascii_uppercase();
    if up.starts_with("FP") || up.starts_with("FA") {
        return Some("fire_protection");
    }
    Some(match up.chars().next()? {
        'G' => "general",
        'H' => "hazardous_materials",
        'V' => "survey",
        'B' => "geotechnical",
        'W' => "civil_works",
        'C' => "civil",
        'L' => "landscape",
        'S' => "structural",
        'A' => "architectural",
        'I' => "interiors",
        'Q' => "equipment",
        'F' => "fire_protection",
        'P' => "plumbing",
        'D' => "process",
        'M' => "mechanical",
        'E' => "electrical",
        'T' => "telecommunications",
        'R' => "resource",
        'X' => "other_disciplines",
        'Z' => "contractor_shop_drawings",
        'O' => "operations",
        _ => return None,
    })
}

/// Drawing type from the title's words, else from the NCS sheet-type digit.
pub fn drawing_type(number: Option<&str>, title: Option<&str>) -> Option<&'static str> {
    if let Some(t) = title.map(str::to_uppercase) {
        let rules: [(&str, &str); 14] = [
            ("COVER", "cover"),
            ("INDEX", "index"),
            ("GENERAL NOTES", "general_notes"),
            ("SITE PLAN", "site_plan"),
            ("FLOOR PLAN", "floor_plan"),
            ("SCHEDULE", "schedule"),
            ("ONE-LINE", "diagram"),
            ("DIAGRAM", "diagram"),
            ("RISER", "diagram"),
            ("ELEVATION", "elevation"),
            ("SECTION", "section"),
            ("DETAIL", "detail"),
            ("ENLARGED", "enlarged_view"),
            ("PLAN", "plan"),
        ];
        for (needle, kind) in rules {
            if t.contains(needle) {
                return Some(kind);
            }
        }
    }
    let n = number?;
    let digit = n.chars().find(|c| c.is_ascii_digit())?;
    Some(match digit {
        '0' => "general_notes",
        '1' => "plan",
        '2' => "elevation",
        '3' => "section",
        '4' => "enlarged_view",
        '5' => "detail",
        '6' => "schedule",
        '7' => "schedule",
        '8' => "other",
        '9' => "three_d",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_designations_are_candidates_and_words_are_not() {
        for ok in [
            "A-101",
            "A1.01",
            "AD-02",
            "E201A",
            "ISS-1",
            "TSDE01",
            "AF600",
            "3",
            "M-101",
            "PW_E_01",
            "TJM-SLD-001",
            "4977_S_DW01",
            "3CA-22002-SH007.1",
            "BIC/03-0225-SD-004",
            "TEMPLE/28-1/24/SD-001",
        ] {
            assert!(is_candidate(ok), "{ok}");
        }
        for no in [
            "PLAN",
            "SCALE",
            "1/4\"=1'-0\"",
            "2024-09-11",
            "000",
            "ABCDE-1",
            "REV.2",
            "24-D35",
            "APN302-293-070",
            "1/A-301",
            "12/A5.01",
            "2024/05/11",
        ] {
            assert!(!is_candidate(no), "{no}");
        }
    }

    #[test]
    fn a_sheet_that_breaks_the_set_pattern_takes_an_alternative_that_fits() {
        let field = |t: &str| Field {
            text: t.into(),
            bbox: Rect::default(),
            confidence: 0.9,
        };
        let guess = |n: &str, alt: &[&str]| SheetGuess {
            number: Some(field(n)),
            alternatives: alt.iter().map(|a| field(a)).collect(),
            ..Default::default()
        };
        let checked = check_set(vec![
            guess("A101", &[]),
            guess("A102", &[]),
            guess("V-1", &["A103", "P2"]),
            guess("A104", &[]),
        ]);
        let numbers: Vec<&str> = checked
            .iter()
            .map(|g| g.number.as_ref().unwrap().text.as_str())
            .collect();
        assert_eq!(numbers, ["A101", "A102", "A103", "A104"]);
        assert_eq!(checked[2].alternatives[0].text, "V-1");
        // No dominant shape: nothing changes.
        let mixed = check_set(vec![
            guess("A101", &[]),
            guess("E-1", &["A102"]),
            guess("3", &[]),
        ]);
        assert_eq!(mixed[1].number.as_ref().unwrap().text, "E-1");
    }

    fn placed(text: &str, x: f32, y: f32, confidence: f32) -> Field {
        Field {
            text: text.into(),
            bbox: Rect {
                x0: x - 0.01,
                y0: y - 0.005,
                x1: x + 0.01,
                y1: y + 0.005,
            },
            confidence,
        }
    }

    #[test]
    fn an_unsure_number_away_from_where_the_set_numbers_stand_is_replaced_or_dropped() {
        let corner = |t: &str| placed(t, 0.95, 0.95, 0.9);
        let page = |number: Field, alternatives: Vec<Field>| SheetGuess {
            number: Some(number),
            alternatives,
            ..Default::default()
        };
        let checked = check_set(vec![
            page(corner("A-01"), vec![]),
            page(corner("A-02"), vec![]),
            // A tag of the drawing won on this page; the number at the corner was a runner-up.
            page(
                placed("W2", 0.4, 0.3, 0.6),
                vec![placed("A-03", 0.95, 0.952, 0.2)],
            ),
            // Nothing at the corner: no number rather than a tag.
            page(
                placed("HEA20", 0.5, 0.5, 0.6),
                vec![placed("L3", 0.2, 0.9, 0.3)],
            ),
            // An unsure number where the set's numbers stand is kept.
            page(placed("A-05", 0.951, 0.949, 0.45), vec![]),
        ]);
        let numbers: Vec<Option<&str>> = checked
            .iter()
            .map(|g| g.number.as_ref().map(|n| n.text.as_str()))
            .collect();
        assert_eq!(
            numbers,
            [Some("A-01"), Some("A-02"), Some("A-03"), None, Some("A-05")]
        );
        assert!(checked[2].number.as_ref().unwrap().confidence >= 0.5);
        assert_eq!(checked[3].alternatives.last().unwrap().text, "HEA20");
    }

    #[test]
    fn a_title_read_around_a_number_the_set_refuses_is_read_again_at_the_corner() {
        let title = |t: &str| crate::title_block::TitleCandidate {
            field: placed(t, 0.5, 0.5, 0.7),
            lines: vec![t.into()],
            score: 1.0,
            labelled: false,
            vocabulary: true,
        };
        let sure = |t: &str| SheetGuess {
            number: Some(placed(t, 0.95, 0.95, 0.9)),
            ..Default::default()
        };
        let mut tagged = SheetGuess {
            number: Some(placed("S1", 0.4, 0.8, 0.6)),
            title: Some(title("SECTION THROUGH COLUMN").field),
            title_candidates: vec![title("SECTION THROUGH COLUMN")],
            corner_titles: vec![title("FOUNDATION LAYOUT")],
            ..Default::default()
        };
        tagged.title_candidates[0].score = 2.0;
        let checked = check_set(vec![sure("DW01"), sure("DW02"), tagged]);
        assert!(checked[2].number.is_none());
        assert_eq!(checked[2].title.as_ref().unwrap().text, "FOUNDATION LAYOUT");
    }

    #[test]
    fn an_unsure_number_read_on_most_sheets_is_not_a_sheet_number() {
        let page = |t: &str, c: f32| SheetGuess {
            number: Some(placed(t, 0.9, 0.9, c)),
            ..Default::default()
        };
        let checked = check_set(vec![page("REV2", 0.6), page("REV2", 0.6), page("A3", 0.6)]);
        assert!(checked[0].number.is_none() && checked[1].number.is_none());
        assert_eq!(checked[2].number.as_ref().unwrap().text, "A3");
        // A sure number may repeat: one drawing on several sheets.
        let sure = check_set(vec![page("95K01202", 0.9), page("95K01202", 0.9)]);
        assert!(sure.iter().all(|g| g.number.is_some()));
    }

    #[test]
    fn a_number_sign_is_never_part_of_the_number() {
        assert_eq!(without_number_sign("#A-101"), "A-101");
        assert_eq!(without_number_sign("NO.A2"), "A2");
        // What is left is not a designation: the whole is not one either.
        assert!(!is_candidate("NO.2.09"));
        assert_eq!(without_number_sign("NORTH"), "NORTH");
        assert!(is_number_sign("No.") && !is_number_sign("NOTE"));
    }

    #[test]
    fn number_labels_in_any_case_but_not_title_labels() {
        for label in [
            "SHEET",
            "SHEET NO.",
            "Drawing Number",
            "PLAN REF NO",
            "DWG NO:",
            "SHT #",
        ] {
            assert!(NUMBER_LABEL.is_match(label), "{label}");
        }
        for not in ["DRAWING TITLE", "SHEET TITLE", "SHEET 3 OF 12"] {
            assert!(!NUMBER_LABEL.is_match(not), "{not}");
        }
    }

    #[test]
    fn designator_and_discipline_follow_ncs() {
        assert_eq!(designator("AF101").as_deref(), Some("AF"));
        assert_eq!(discipline("AF"), Some("architectural"));
        assert_eq!(discipline("FP"), Some("fire_protection"));
        assert_eq!(discipline("E"), Some("electrical"));
        assert_eq!(drawing_type(Some("A-501"), None), Some("detail"));
        assert_eq!(
            drawing_type(Some("E201A"), Some("FLOOR PLAN - LEVEL 01")),
            Some("floor_plan")
        );
    }
}
