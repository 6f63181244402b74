//! The drawing list of a set: the table on a cover or general sheet that lists every sheet by
//! number and title, possibly in several columns and grouped under discipline headings.
//!
//! Words are put in rows (shared vertical centre); a row holds an entry wherever a sheet number
//! starts it or stands after a wide gap, and the entry's title is the words that follow up to
//! the next entry. A page is taken to carry the list when it has a heading such as `SHEET INDEX`,
//! `DRAWING LIST` or `LIST OF DRAWINGS` and at least [`MIN_ENTRIES`] entries below it (finish
//! schedules and equipment tags look like lists too, but carry no such heading). Comparing the
//! list with the sheets actually issued is the caller's: it knows the whole set.

use crate::analysis::{BOX_SCALE, PageWords};
use crate::word_rows::{Placed as W, placed, rows};
use regex::Regex;
use std::sync::LazyLock;

pub const MIN_ENTRIES: usize = 3;

/// One line of the list. Coordinates are normalized to the displayed page.
#[derive(Clone, Debug, PartialEq)]
pub struct IndexEntry {
    pub sheet_number: String,
    pub sheet_title: String,
    /// left, top, right, bottom.
    pub bbox: [f32; 4],
}

static HEADING_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(SHEET|DRAWING)S?\s+(INDEX|LIST)\b|\bLIST\s+OF\s+(DRAWINGS|SHEETS)\b|\bINDEX\s+(OF|TO)\s+(DRAWINGS|SHEETS)\b")
        .unwrap()
});

/// The page's horizontal words in rows: vertical text does not make list rows.
fn list_rows(page: &PageWords) -> Vec<Vec<W>> {
    let words = placed(page)
        .into_iter()
        .filter(|w| w.b[2] - w.b[0] >= w.h() * 0.3 || w.text.chars().count() == 1)
        .collect();
    rows(words, 0.45)
}

fn number_of(w: &W) -> Option<String> {
    let t = w
        .text
        .trim_end_matches([',', ';', ':'])
        .to_ascii_uppercase();
    crate::references::is_sheet_number(&t).then_some(t)
}

/// The entries of one row: a sheet number at the row's start or after a gap of more than three
/// word heights, with the words after it as its title.
fn entries_of(row: &[W]) -> Vec<IndexEntry> {
    let mut out: Vec<IndexEntry> = Vec::new();
    let mut current: Option<(String, Vec<&W>, [f32; 4])> = None;
    for (i, w) in row.iter().enumerate() {
        let gap = i.checked_sub(1).map_or(f32::MAX, |p| w.b[0] - row[p].b[2]);
        let starts = gap > w.h() * 3.0;
        if starts && let Some(number) = number_of(w) {
            if let Some(e) = current.take() {
                out.extend(finish(e));
            }
            current = Some((number, Vec::new(), w.b));
            continue;
        }
        if let Some((_, title, b)) = &mut current {
            // A wide gap ends a title that is not followed by another number.
            if starts && !title.is_empty() {
                if let Some(e) = current.take() {
                    out.extend(finish(e));
                }
                continue;
            }
            title.push(w);
            *b = [
                b[0].min(w.b[0]),
                b[1].min(w.b[1]),
                b[2].max(w.b[2]),
                b[3].max(w.b[3]),
            ];
        }
    }
    if let Some(e) = current {
        out.extend(finish(e));
    }
    out
}

fn finish((number, title, bbox): (String, Vec<&W>, [f32; 4])) -> Option<IndexEntry> {
    let text: Vec<&str> = title.iter().map(|w| w.text.as_str()).collect();
    let title = text.join(" ");
    // A title has a word of letters (not a scale, a date or another tag).
    title
        .split_whitespace()
        .any(|t| t.chars().filter(char::is_ascii_alphabetic).count() >= 3)
        .then_some(IndexEntry {
            sheet_number: number,
            sheet_title: title,
            bbox,
        })
}

/// The top of the highest drawing-list heading on the page.
fn heading_top(page: &PageWords) -> Option<f32> {
    let mut boxes = page.boxes.iter();
    let mut top: Option<f32> = None;
    for line in page.text.split('\n') {
        let line_boxes: Vec<&[u16; 4]> = boxes
            .by_ref()
            .take(line.split_whitespace().count())
            .collect();
        if HEADING_RE.is_match(line) {
            let t = line_boxes
                .iter()
                .map(|b| b[1] as f32 / BOX_SCALE)
                .fold(f32::MAX, f32::min);
            top = Some(top.map_or(t, |v: f32| v.min(t)));
        }
    }
    top
}

/// The drawing list of a page, if it carries one: the entries below its heading.
pub fn drawing_list(page: &PageWords) -> Option<Vec<IndexEntry>> {
    let top = heading_top(page)?;
    let entries: Vec<IndexEntry> = list_rows(page)
        .iter()
        .flat_map(|r| entries_of(r))
        .filter(|e| e.bbox[1] >= top - 0.002)
        .collect();
    (entries.len() >= MIN_ENTRIES).then_some(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Words with explicit boxes: (text, left, top) with a fixed height and a width from length.
    fn page(words: &[(&str, f32, f32)]) -> PageWords {
        PageWords {
            text: words.iter().map(|w| w.0).collect::<Vec<_>>().join(" "),
            boxes: words
                .iter()
                .map(|&(t, x, y)| {
                    [x, y, x + 0.006 * t.len() as f32, y + 0.01].map(|v| (v * BOX_SCALE) as u16)
                })
                .collect(),
        }
    }

    #[test]
    fn a_headed_list_in_two_columns_is_read_row_by_row() {
        let p = page(&[
            ("SHEET", 0.10, 0.10),
            ("INDEX", 0.15, 0.10),
            ("G-001", 0.10, 0.13),
            ("COVER", 0.18, 0.13),
            ("SHEET", 0.23, 0.13),
            ("A-201", 0.50, 0.13),
            ("ELEVATIONS", 0.58, 0.13),
            ("ARCHITECTURAL", 0.10, 0.15),
            ("A-101", 0.10, 0.17),
            ("FIRST", 0.18, 0.17),
            ("FLOOR", 0.22, 0.17),
            ("PLAN", 0.26, 0.17),
            ("A501", 0.50, 0.17),
            ("DETAILS", 0.58, 0.17),
        ]);
        let list = drawing_list(&p).unwrap();
        let got: Vec<(&str, &str)> = list
            .iter()
            .map(|e| (e.sheet_number.as_str(), e.sheet_title.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("G-001", "COVER SHEET"),
                ("A-201", "ELEVATIONS"),
                ("A-101", "FIRST FLOOR PLAN"),
                ("A501", "DETAILS"),
            ]
        );
    }

    #[test]
    fn a_page_without_a_list_has_none() {
        let p = page(&[
            ("GENERAL", 0.10, 0.10),
            ("NOTES", 0.16, 0.10),
            ("1.", 0.10, 0.12),
            ("SEE", 0.12, 0.12),
            ("A-101", 0.16, 0.12),
            ("FOR", 0.20, 0.12),
            ("DETAILS", 0.23, 0.12),
            ("D1", 0.10, 0.14),
            ("DOOR", 0.18, 0.14),
            ("TYPE", 0.22, 0.14),
        ]);
        assert_eq!(drawing_list(&p), None);
    }
}
