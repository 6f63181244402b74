//! The title block as a set of cells, and the sheet-title candidates read from it.
//!
//! 1. **Region**: the title block around the sheet number — a right-edge strip or a bottom strip
//!    when a long rule separates one from the drawing, else the neighbourhood of the number.
//! 2. **Cells**: each line's cell is bounded by the nearest rules on its four sides; lines of one
//!    cell, direction and font size stacked without a gap form a block.
//! 3. **Labels**: a line that starts with a field label ([`crate::field_labels`]) names the field
//!    of the value beside or under it; a title label's value is the strongest title evidence.
//! 4. **Refusals**: labels, dates, file names, addresses, firms, stamps, scales and sentences of
//!    notes never become titles; a block is split where such a line stands.
//! 5. **Scoring**: the remaining runs of lines are scored by size, title vocabulary and distance
//!    to the number. The set-level check ([`crate::sheet::check_set`]) later removes candidates
//!    that repeat on every sheet (project names) before the best one is taken.

use crate::field_labels::{FieldKind, never_title, split_labels, strip_trailing_date};
use crate::sheet::Field;
use crate::text::{Line, PageText, Rect, Ruling};
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

/// A possible sheet title with the evidence behind it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TitleCandidate {
    /// The title (lines joined by one space), its box and confidence.
    pub field: Field,
    /// The printed lines it was read from, so the set-level check can drop lines that repeat.
    pub lines: Vec<String>,
    pub score: f32,
    /// Read from the value of a title label (`SHEET TITLE`, `TITOLO`, `Planinhalt`).
    pub labelled: bool,
    /// Holds a word that names a view or a sheet's content (`PLAN`, `DETAILS`, `PIANTA`).
    pub vocabulary: bool,
}

/// Words a sheet title is made of: titles name a view or the content of a sheet.
static TITLE_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(PLANS?|ELEVATIONS?|SECTIONS?|DETAILS?|SCHEDULES?|DIAGRAMS?|NOTES|LEGENDS?|COVER|INDEX|LAYOUTS?|RISERS?|DEMOLITION|FINISH(ES)?|CEILING|ROOF|FOUNDATIONS?|FRAMING|FRAME|LIGHTING|LIGHTS|POWER|PLUGS|ABBREVIATIONS|SYMBOLS|ENLARGED|PERSPECTIVES?|ISOMETRIC|AXONOMETRIC|PROFILES?|SIGNAL|SIGNING|STRIPING|GRADING|UTILITY|UTILITIES|DRAINAGE|PIPING|DUCTWORK|SPECIFICATIONS|QUANTITIES|TABULATION|CALCULATIONS|CALCS|INFORMATION|SUMMARY|MARKINGS|STRUCTURES|REGISTER|PHOTOMETRICS?|ONE-LINE|SINGLE[- ]LINE|SLD|WIRING|CONDUIT|FLOOR|LEVEL|STOREY|BASEMENT|MEZZANINE|SITE|STRUCTURAL|STRUCTURE|TYPICAL|CONNECTIONS?|PANEL|EQUIPMENT|SHEET|VIEWS?|MAP|SURVEY|PLAT|TRAFFIC|CONTROL|DETOUR|SEWER|WATER|STORM|PAVING|LANDSCAPE|PLANTING|IRRIGATION|REINF\.?|REINFORCEMENT|SLAB|BEAMS?|COLUMNS?|FOOTINGS?|STAIRS?|WALLS?|DOORS?|WINDOWS?|FIXTURES?|MECHANICAL|ELECTRICAL|PLUMBING|HVAC|FIRE|ALARM|SPRINKLER|PIANTA|PIANTE|PROSPETT[OI]|SEZION[EI]|PARTICOLAR[EI]|DETTAGL[IO]|PLANIMETRIA|PLANTAS?|ALZADOS?|SECCI[ÓO]N|SECCIONES|DETALLES?|CORTES?|FACHADAS?|COUPES?|FA[ÇC]ADES?|D[ÉE]TAILS?|NIVEAU|GRUNDRISS|ANSICHTE?N?|SCHNITTE?|LAGEPLAN|[ÜU]BERSICHTSPLAN|DACHAUFSICHT|GESCHOSS|PLATTEGROND|GEVELS?|DOORSNEDEN?|VERDIEPING|BEGANE|CONSTRUCTIEF|ONTWERP|RZUT|PRZEKR[ÓO]J|ELEWACJA|INSTALACJ[AI]|PLAN|ПЛАН|РАЗРЕЗ|ФАСАД|СХЕМА|УЗЕЛ)\b|[図表]|リスト|伏図|軸組",
    )
    .unwrap()
});

/// True when the text holds a word that names a view or a sheet's content.
pub fn has_title_words(text: &str) -> bool {
    TITLE_WORDS.is_match(text)
}

/// The title-block region around the sheet number: a right-edge strip or a bottom strip cut off
/// from the drawing by a long rule, whichever is smaller, else a neighbourhood of the number.
pub fn region(number: &Rect, text: &PageText, width: f32, height: f32) -> Rect {
    let rulings = &text.rulings;
    // A strip's cells are ruled across it (at least two rules start on the strip's edge and run
    // across most of it) or labelled (at least two field labels stand in it); a long wall line
    // of the drawing has neither.
    let ruled_across = |edge: &Ruling, far: f32| {
        let rules = rulings
            .iter()
            .filter(|g| {
                g.horizontal != edge.horizontal
                    && (g.from - edge.at).abs() < 3.0
                    && g.to - g.from >= 0.6 * (far - edge.at)
            })
            .count();
        let labels = text
            .lines
            .iter()
            .filter(|l| {
                let (x, y) = l.bbox.center();
                (if edge.horizontal { y } else { x }) > edge.at
                    && !split_labels(l.text.trim()).0.is_empty()
            })
            .take(2)
            .count();
        rules >= 2 || labels >= 2
    };
    let right = rulings
        .iter()
        .filter(|g| {
            !g.horizontal
                && g.to - g.from >= 0.5 * height
                && g.at > 0.6 * width
                && g.at <= number.x0 + 1.0
                && ruled_across(g, width * 0.985)
        })
        .map(|g| g.at)
        .fold(f32::NAN, f32::max);
    let bottom = rulings
        .iter()
        .filter(|g| {
            g.horizontal
                && g.to - g.from >= 0.5 * width
                && g.at > 0.6 * height
                && g.at <= number.y0 + 1.0
                && ruled_across(g, height * 0.985)
        })
        .map(|g| g.at)
        .fold(f32::NAN, f32::max);
    let strip_right = (!right.is_nan()).then_some(Rect {
        x0: right,
        y0: 0.0,
        x1: width,
        y1: height,
    });
    let strip_bottom = (!bottom.is_nan()).then_some(Rect {
        x0: 0.0,
        y0: bottom,
        x1: width,
        y1: height,
    });
    let area = |r: &Rect| r.width() * r.height();
    match (strip_right, strip_bottom) {
        (Some(a), Some(b)) => {
            if area(&a) <= area(&b) {
                a
            } else {
                b
            }
        }
        (Some(a), None) => a,
        (None, Some(b)) => b,
        (None, None) => {
            let (cx, cy) = number.center();
            Rect {
                x0: (cx - 0.25 * width).max(0.0),
                y0: (cy - 0.2 * height).max(0.0),
                x1: (cx + 0.25 * width).min(width),
                y1: (cy + 0.2 * height).min(height),
            }
        }
    }
}

/// The region's lines (`kept`) and the lines stacked onto them in one cell across the region's
/// edge: a two-line title whose first line stands above the strip's rule is read whole.
fn with_stacked_lines(text: &PageText, area: &Rect, mut kept: Vec<bool>) -> Vec<bool> {
    // Only lines close to the region can be stacked onto its lines (three rounds of a title's
    // largest size at most).
    let margin = 3.0
        * text
            .lines
            .iter()
            .map(|l| l.size)
            .fold(0.0f32, f32::max)
            .min(40.0);
    let near: Vec<usize> = (0..kept.len())
        .filter(|&b| {
            let r = &text.lines[b].bbox;
            !kept[b]
                && r.x1 > area.x0 - margin
                && r.x0 < area.x1 + margin
                && r.y1 > area.y0 - margin
                && r.y0 < area.y1 + margin
        })
        .collect();
    if near.is_empty() {
        return kept;
    }
    let frames: Vec<Rect> = text.lines.iter().map(|l| frame(&l.bbox, l.dir)).collect();
    let stacked = |a: usize, b: usize| {
        let (la, lb) = (&text.lines[a], &text.lines[b]);
        let (fa, fb) = (&frames[a], &frames[b]);
        let size = la.size.max(lb.size);
        let gap = (fb.y0 - fa.y1).max(fa.y0 - fb.y1);
        la.dir == lb.dir
            && (la.size - lb.size).abs() < 0.25 * size
            && gap < 0.9 * size
            && gap > -0.5 * size
            && fa.x0 < fb.x1
            && fa.x1 > fb.x0
            && !separated(&la.bbox, &lb.bbox, la.dir, &text.rulings)
    };
    // A title holds a few lines: two rounds reach the lines of a three-line title.
    for _ in 0..2 {
        // Only a line by the region's edge (or one taken in a round before) reaches a line
        // outside it.
        let inside: Vec<usize> = (0..kept.len())
            .filter(|&a| {
                let r = &text.lines[a].bbox;
                kept[a]
                    && (r.x0 < area.x0 + margin
                        || r.x1 > area.x1 - margin
                        || r.y0 < area.y0 + margin
                        || r.y1 > area.y1 - margin)
            })
            .collect();
        let added: Vec<usize> = near
            .iter()
            .copied()
            .filter(|&b| !kept[b] && inside.iter().any(|&a| stacked(a, b)))
            .collect();
        if added.is_empty() {
            break;
        }
        for b in added {
            kept[b] = true;
        }
    }
    kept
}

/// True when a rule runs between two lines stacked in reading direction `dir`: they are in
/// different cells.
fn separated(a: &Rect, b: &Rect, dir: u16, rulings: &[Ruling]) -> bool {
    let horizontal_text = matches!(dir, 0 | 180);
    let (lo, hi, along_a, along_b) = if horizontal_text {
        let (upper, lower) = if a.y0 <= b.y0 { (a, b) } else { (b, a) };
        (
            upper.y1 - 1.0,
            lower.y0 + 1.0,
            (upper.x0, upper.x1),
            (lower.x0, lower.x1),
        )
    } else {
        let (left, right) = if a.x0 <= b.x0 { (a, b) } else { (b, a) };
        (
            left.x1 - 1.0,
            right.x0 + 1.0,
            (left.y0, left.y1),
            (right.y0, right.y1),
        )
    };
    let from = along_a.0.max(along_b.0);
    let to = along_a.1.min(along_b.1);
    let mid = if from <= to {
        (from + to) / 2.0
    } else {
        (along_a.0 + along_a.1) / 2.0
    };
    // An underline runs the width of its line; a cell's rule runs past the text.
    let underline = |g: &Ruling| {
        [along_a, along_b]
            .iter()
            .any(|(s, e)| (g.from - s).abs() < 3.0 && (g.to - e).abs() < 3.0)
    };
    rulings.iter().any(|g| {
        g.horizontal == horizontal_text
            && g.at > lo
            && g.at < hi
            && g.from <= mid
            && g.to >= mid
            && !underline(g)
    })
}

/// A box in the reading frame of text running in `dir`: x along the reading direction, y down
/// the lines, so labels and values relate the same way whatever the text's rotation.
pub fn frame(r: &Rect, dir: u16) -> Rect {
    match dir {
        90 => Rect {
            x0: r.y0,
            y0: -r.x1,
            x1: r.y1,
            y1: -r.x0,
        },
        180 => Rect {
            x0: -r.x1,
            y0: -r.y1,
            x1: -r.x0,
            y1: -r.y0,
        },
        270 => Rect {
            x0: -r.y1,
            y0: r.x0,
            x1: -r.y0,
            y1: r.x1,
        },
        _ => *r,
    }
}

struct Entry<'a> {
    line: &'a Line,
    frame: Rect,
    /// The line as a title would use it (issue date cut), or why it can't be part of one.
    verdict: Result<String, &'static str>,
}

/// Title candidates of a page, best first, with the reasons for `--explain`.
pub fn title_candidates(
    text: &PageText,
    values: &[LabelledValue],
    number: &Field,
    width: f32,
    height: f32,
) -> (Vec<TitleCandidate>, Vec<String>) {
    let mut reasons = Vec::new();
    let area = region(&number.bbox, text, width, height);
    reasons.push(format!(
        "title block region {:.0},{:.0}–{:.0},{:.0}",
        area.x0, area.y0, area.x1, area.y1
    ));
    let inside = |r: &Rect| {
        let (x, y) = r.center();
        x >= area.x0 && x <= area.x1 && y >= area.y0 && y <= area.y1
    };
    // The values of other fields' labels (`区分` → `機械設備図`, `CLIENT` → a name).
    let others: Vec<Rect> = values
        .iter()
        .filter(|v| !matches!(v.kind, FieldKind::Title | FieldKind::Number))
        .map(|v| v.bbox)
        .collect();
    let kept = with_stacked_lines(
        text,
        &area,
        text.lines.iter().map(|l| inside(&l.bbox)).collect(),
    );
    let entries: Vec<Entry> = text
        .lines
        .iter()
        .zip(kept)
        .filter(|(_, kept)| *kept)
        .map(|(l, _)| {
            let t = l.text.trim();
            let verdict = if t.split_whitespace().any(|w| w == number.text) {
                Err("holds the sheet number")
            } else if others.contains(&l.bbox) && split_labels(t).0.is_empty() {
                Err("the value of another field's label")
            } else {
                match never_title(t) {
                    Some(why) => Err(why),
                    None => Ok(strip_trailing_date(t).to_string()),
                }
            };
            Entry {
                line: l,
                frame: frame(&l.bbox, l.dir),
                verdict,
            }
        })
        .collect();
    for e in &entries {
        reasons.push(format!(
            "line {:?} at {:.0},{:.0}–{:.0},{:.0} size {:.1} dir {}: {}",
            e.line.text.trim(),
            e.line.bbox.x0,
            e.line.bbox.y0,
            e.line.bbox.x1,
            e.line.bbox.y1,
            e.line.size,
            e.line.dir,
            match &e.verdict {
                Ok(_) => "may be a title",
                Err(why) => why,
            }
        ));
    }
    let blocks = blocks(&entries, &text.rulings);
    for b in blocks.iter().filter(|b| b.len() > 1) {
        let lines: Vec<&str> = b.iter().map(|&i| entries[i].line.text.trim()).collect();
        reasons.push(format!("cell {lines:?}"));
    }
    let mut out: Vec<TitleCandidate> = Vec::new();
    // Title labels first: their values are the title, whatever their size.
    for (i, e) in entries.iter().enumerate() {
        let (kinds, rest) = split_labels(e.line.text.trim());
        if kinds.first() != Some(&FieldKind::Title) {
            continue;
        }
        let label = e.line.text.trim();
        if !rest.is_empty() && never_title(rest).is_none() {
            let t = strip_trailing_date(rest).to_string();
            reasons.push(format!("label {label:?} holds its value {t:?}"));
            out.push(candidate(vec![(t, e.line)], true, 0.0));
            continue;
        }
        match value_under_label(&entries, &blocks, i) {
            Some(run) => {
                reasons.push(format!(
                    "label {label:?}: value in the cell under or beside it"
                ));
                out.push(candidate(run, true, 0.0));
            }
            None => reasons.push(format!(
                "label {label:?}: no value found beside or under it"
            )),
        }
    }
    // Then every run of acceptable lines of every block.
    let top = entries
        .iter()
        .filter(|e| e.verdict.is_ok())
        .map(|e| e.line.size)
        .fold(0.0f32, f32::max)
        .max(1.0);
    let diag = area.width().hypot(area.height()).max(1.0);
    let (nx, ny) = number.bbox.center();
    for block in &blocks {
        let mut run: Vec<(String, &Line)> = Vec::new();
        let mut flush = |run: &mut Vec<(String, &Line)>| {
            if !run.is_empty() && run.len() <= 4 {
                let (lx, ly) = run[0].1.bbox.center();
                let size = run.iter().map(|r| r.1.size).fold(0.0f32, f32::max);
                let distance = (lx - nx).hypot(ly - ny) / diag;
                let c = candidate(std::mem::take(run), false, size / top - 0.6 * distance);
                if !out.iter().any(|o| o.field.text == c.field.text) {
                    out.push(c);
                }
            }
            run.clear();
        };
        for &i in block {
            let e = &entries[i];
            match &e.verdict {
                Ok(t) => run.push((t.clone(), e.line)),
                Err(_) => flush(&mut run),
            }
        }
        flush(&mut run);
    }
    out.sort_by(|a, b| b.score.total_cmp(&a.score));
    out.truncate(6);
    for c in &out {
        reasons.push(format!(
            "title candidate {:?}: score {:.2}{}{}",
            c.field.text,
            c.score,
            if c.labelled { ", labelled" } else { "" },
            if c.vocabulary { ", title words" } else { "" }
        ));
    }
    (out, reasons)
}

fn candidate(run: Vec<(String, &Line)>, labelled: bool, base: f32) -> TitleCandidate {
    let text = run
        .iter()
        .map(|r| r.0.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let text = without_trailing_label(&text).to_string();
    let bbox = run
        .iter()
        .skip(1)
        .fold(run[0].1.bbox, |b, r| b.union(&r.1.bbox));
    let vocabulary = has_title_words(&text);
    let long = text.chars().count() > 90;
    let score = base + if labelled { 2.0 } else { 0.0 } + if vocabulary { 1.0 } else { 0.0 }
        - if long { 0.5 } else { 0.0 };
    // A line that starts in lower case is leader text or a note, unless a title label vouches
    // for it (some offices letter titles in lower case).
    let lower_start = text.chars().next().is_some_and(char::is_lowercase);
    let confidence = match (labelled, vocabulary && !lower_start) {
        (true, _) => 0.9,
        (false, true) => 0.7,
        (false, false) => 0.4,
    };
    TitleCandidate {
        field: Field {
            text,
            bbox,
            confidence,
        },
        lines: run.iter().map(|r| r.0.clone()).collect(),
        score,
        labelled,
        vocabulary,
    }
}

/// The title without the label of a neighbouring field printed on its baseline
/// (`機器表（共用部 換気-1） 縮尺`, `ROOF PLAN SCALE:`): a scale or date label never ends a title.
fn without_trailing_label(text: &str) -> &str {
    use crate::field_labels::{FieldKind, split_labels};
    let Some((head, last)) = text.trim_end().rsplit_once(' ') else {
        return text;
    };
    let (kinds, rest) = split_labels(last);
    if rest.is_empty()
        && !head.trim().is_empty()
        && kinds
            .iter()
            .all(|k| matches!(k, FieldKind::Scale | FieldKind::Date))
        && !kinds.is_empty()
    {
        head.trim_end()
    } else {
        text
    }
}

/// The lines of blocks: same direction, same cell, similar size, stacked without a gap, in
/// reading order.
fn blocks(entries: &[Entry], rulings: &[Ruling]) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by(|&a, &b| {
        let (ea, eb) = (&entries[a], &entries[b]);
        ea.line
            .dir
            .cmp(&eb.line.dir)
            .then(ea.frame.y0.total_cmp(&eb.frame.y0))
    });
    let mut blocks: Vec<Vec<usize>> = Vec::new();
    for &i in &order {
        let e = &entries[i];
        let size = e.line.size;
        let joins = |b: &Vec<usize>| {
            let last = &entries[*b.last().unwrap()];
            let gap = e.frame.y0 - last.frame.y1;
            // The rules are looked at last: there are thousands on a sheet.
            last.line.dir == e.line.dir
                && (last.line.size - size).abs() < 0.25 * size.max(last.line.size)
                && gap < 0.9 * size
                && gap > -0.5 * size
                && e.frame.x0 < last.frame.x1
                && e.frame.x1 > last.frame.x0
                && !separated(&last.line.bbox, &e.line.bbox, e.line.dir, rulings)
        };
        match blocks.iter_mut().rev().find(|b| joins(b)) {
            Some(b) => b.push(i),
            None => blocks.push(vec![i]),
        }
    }
    blocks
}

/// The value of the title label at `label`: the acceptable lines under it (in its cell, or the
/// next cell down) or beside it on its row, as one run.
fn value_under_label<'a>(
    entries: &[Entry<'a>],
    blocks: &[Vec<usize>],
    label: usize,
) -> Option<Vec<(String, &'a Line)>> {
    let l = &entries[label];
    let size = l.line.size;
    let f = l.frame;
    let near = |e: &Entry| {
        let below = e.frame.y0 >= f.y1 - 0.3 * size
            && e.frame.y0 - f.y1 < 8.0 * size
            && e.frame.x1 > f.x0 - 2.0 * size
            && e.frame.x0 < f.x1 + 30.0 * size;
        let beside = (e.frame.y0 - f.y0).abs() < 1.0 * size
            && e.frame.x0 >= f.x1 - 0.5 * size
            && e.frame.x0 - f.x1 < 30.0 * size;
        below || beside
    };
    let distance = |e: &Entry| (e.frame.y0 - f.y0).max(0.0) * 3.0 + (e.frame.x0 - f.x0).abs();
    let first = entries
        .iter()
        .enumerate()
        .filter(|(i, e)| *i != label && e.line.dir == l.line.dir && e.verdict.is_ok() && near(e))
        .min_by(|a, b| distance(a.1).total_cmp(&distance(b.1)))?;
    // The value's lines: the run of acceptable lines of the first one's block, from under the
    // label on.
    let block = blocks.iter().find(|b| b.contains(&first.0))?;
    let at = block.iter().position(|&i| i == first.0)?;
    let ok = |i: usize| {
        let e = &entries[i];
        i != label && e.verdict.is_ok() && e.frame.y0 >= f.y0 - 0.3 * size
    };
    let mut start = at;
    while start > 0 && ok(block[start - 1]) {
        start -= 1;
    }
    let mut end = at + 1;
    while end < block.len() && ok(block[end]) && end - start < 4 {
        end += 1;
    }
    Some(
        block[start..end]
            .iter()
            .map(|&i| {
                let e = &entries[i];
                (e.verdict.clone().unwrap_or_default(), e.line)
            })
            .collect(),
    )
}

/// A labelled field's value as printed: the label's kind, the value's text and its box.
#[derive(Clone, Debug, PartialEq)]
pub struct LabelledValue {
    pub kind: FieldKind,
    pub text: String,
    pub bbox: Rect,
}

/// Every label of the page paired with its value: the rest of the label's line, else the
/// nearest line under or beside it in reading order (for a number label, the nearest one that
/// holds a digit).
pub fn labelled_values(text: &PageText) -> Vec<LabelledValue> {
    let mut out = Vec::new();
    let label_frames: Vec<(usize, Rect)> = text
        .lines
        .iter()
        .enumerate()
        .filter(|(_, l)| !split_labels(l.text.trim()).0.is_empty())
        .map(|(i, l)| (i, frame(&l.bbox, l.dir)))
        .collect();
    for (i, l) in text.lines.iter().enumerate() {
        let (kinds, rest) = split_labels(l.text.trim());
        let Some(&kind) = kinds.last() else { continue };
        if rest.chars().any(char::is_alphanumeric) {
            out.push(LabelledValue {
                kind,
                text: rest.to_string(),
                bbox: l.bbox,
            });
            continue;
        }
        let f = frame(&l.bbox, l.dir);
        let size = l.size;
        let value =
            text.lines
                .iter()
                .enumerate()
                .filter(|(j, v)| {
                    let g = frame(&v.bbox, v.dir);
                    *j != i
                        && v.dir == l.dir
                        && split_labels(v.text.trim()).0.is_empty()
                        && (kind != FieldKind::Number || v.text.chars().any(|c| c.is_ascii_digit()))
                        && ((g.y0 >= f.y1 - 0.3 * size
                        && g.y0 - f.y1 < 4.0 * size.max(v.size)
                        && g.x1 > f.x0 - 3.0 * size
                        && g.x0 < f.x1 + 6.0 * size
                        // A number centred in a wide cell stands right of its label's end; it
                        // is the label's if no other label of the row is nearer.
                        && (g.x0 < f.x1 + 3.0 * size || kind == FieldKind::Number && {
                            let x = g.center().0;
                            label_frames.iter().all(|&(k, o)| {
                                k == i
                                    || (o.y0 - f.y0).abs() >= 0.8 * size
                                    || reach(&f, x) <= reach(&o, x)
                            })
                        })
                        // The nearest label over a value owns it (`Sheet:` under
                        // `Consultant Project Number:`, over `8 OF 23`).
                        && !label_frames.iter().any(|&(k, o)| {
                            k != i
                                && text.lines[k].dir == l.dir
                                && o.y0 >= f.y1 - 0.3 * size
                                && o.y1 <= g.y0 + 0.3 * size
                                && o.x1 > g.x0
                                && o.x0 < g.x1
                        })) || ((g.y0 - f.y0).abs() < 0.8 * size
                            && g.x0 >= f.x1 - 0.5 * size
                            && g.x0 - f.x1 < 12.0 * size))
                })
                .min_by(|a, b| {
                    let d = |v: &Line| {
                        let g = frame(&v.bbox, v.dir);
                        (g.y0 - f.y0).abs() + 0.5 * (g.x0 - f.x0).abs()
                    };
                    d(a.1).total_cmp(&d(b.1))
                });
        if let Some((_, v)) = value {
            let (text, bbox) = under_own_label(text, l, v);
            out.push(LabelledValue { kind, text, bbox });
        }
    }
    out
}

/// How far `x` stands from the span `g.x0..g.x1` (0 inside it).
fn reach(g: &Rect, x: f32) -> f32 {
    if x < g.x0 {
        g.x0 - x
    } else {
        (x - g.x1).max(0.0)
    }
}

/// The words of value line `v` that stand under label `label` rather than under another label
/// of the same row (`DWG No.` and `REVISION` over `4977_S_DW03 C05`).
fn under_own_label(text: &PageText, label: &Line, v: &Line) -> (String, Rect) {
    let f = frame(&label.bbox, label.dir);
    let size = label.size;
    let row: Vec<Rect> = text
        .lines
        .iter()
        .filter(|o| o.dir == label.dir && !split_labels(o.text.trim()).0.is_empty())
        .map(|o| frame(&o.bbox, o.dir))
        .filter(|g| (g.y0 - f.y0).abs() < 0.8 * size)
        .collect();
    let whole = (v.text.trim().to_string(), v.bbox);
    if row.len() < 2 || frame(&v.bbox, v.dir).y0 < f.y1 - 0.3 * size {
        return whole;
    }
    let kept: Vec<&crate::text::Word> = v
        .words
        .iter()
        .filter_map(|&w| text.words.get(w as usize))
        .filter(|w| {
            let (x, _) = frame(&w.bbox, w.dir).center();
            row.iter().all(|g| reach(&f, x) <= reach(g, x) + 0.01)
        })
        .collect();
    if kept.is_empty() || kept.len() == v.words.len() {
        return whole;
    }
    let words: Vec<&str> = kept.iter().map(|w| w.text.as_str()).collect();
    let bbox = kept
        .iter()
        .skip(1)
        .fold(kept[0].bbox, |b, w| b.union(&w.bbox));
    (words.join(" "), bbox)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str, x0: f32, y0: f32, x1: f32, size: f32) -> Line {
        Line {
            text: text.into(),
            bbox: Rect {
                x0,
                y0,
                x1,
                y1: y0 + size,
            },
            size,
            dir: 0,
            words: vec![],
        }
    }

    #[test]
    fn a_scale_or_date_label_on_the_titles_baseline_is_not_part_of_it() {
        assert_eq!(
            without_trailing_label("機器表（共用部 換気-1） 縮尺"),
            "機器表（共用部 換気-1）"
        );
        assert_eq!(without_trailing_label("ROOF PLAN SCALE:"), "ROOF PLAN");
        assert_eq!(without_trailing_label("COVER SHEET"), "COVER SHEET");
        assert_eq!(without_trailing_label("SCALE"), "SCALE");
    }

    #[test]
    fn lines_stacked_in_one_cell_form_one_block() {
        let a = line("FIRST FLOOR", 2713.0, 1982.0, 2879.0, 25.0);
        let b = line("LIGHTING PLAN", 2711.0, 2010.0, 2907.0, 25.0);
        let entries: Vec<Entry> = [&a, &b]
            .iter()
            .map(|l| Entry {
                line: l,
                frame: frame(&l.bbox, 0),
                verdict: Ok(l.text.clone()),
            })
            .collect();
        assert_eq!(blocks(&entries, &[]), vec![vec![0, 1]]);
        let rule = Ruling {
            horizontal: true,
            at: 2008.5,
            from: 2700.0,
            to: 2950.0,
        };
        assert_eq!(blocks(&entries, &[rule]), vec![vec![0], vec![1]]);
    }
}
