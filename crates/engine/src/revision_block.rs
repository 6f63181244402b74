//! The revision block of a drawing: the small table in or beside the title block whose header
//! reads like `REV | DESCRIPTION | DATE` and whose rows list the issues of the sheet.
//!
//! A header is a row of words holding a revision word (`REV`, `REV.`, `REVISION`, `REV#`,
//! `MARK`, or `NO.` next to `DESCRIPTION`) and a `DATE` within a short span. Rows are the word
//! rows stacked right above or below it, within its columns, up to the first blank gap; a row
//! counts when it has a date under the `DATE` column (a mark under the revision column and a
//! description are read when present). Empty revision tables give nothing.

use crate::analysis::PageWords;
use crate::word_rows::{Placed as W, placed, rows};

/// One row of a revision block. Coordinates are normalized to the displayed page.
#[derive(Clone, Debug, PartialEq)]
pub struct Revision {
    pub mark: Option<String>,
    pub date: Option<String>,
    pub description: Option<String>,
    /// left, top, right, bottom.
    pub bbox: [f32; 4],
}

/// A word as header keys compare it: upper case, without a trailing `:`, `.` or `#`.
fn key(w: &W) -> String {
    w.text
        .trim_end_matches([':', '.', '#'])
        .to_ascii_uppercase()
}

fn is_rev_word(k: &str) -> bool {
    matches!(k, "REV" | "REVISION" | "REVISIONS" | "MARK" | "REVISION NO")
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];

/// `07/6/2021`, `2026-11-01`, `12.31.24`.
fn numeric_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split(['/', '-', '.']).collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
}

/// A header row: where its revision and `DATE` words stand, and its horizontal extent.
#[derive(Clone, Copy, Debug)]
struct Header {
    left: f32,
    right: f32,
    rev: [f32; 4],
    date: [f32; 4],
}

/// A revision word and `DATE` within 30% of the page width of each other.
fn header(row: &[W]) -> Option<Header> {
    let keys: Vec<String> = row.iter().map(key).collect();
    let date = keys.iter().position(|k| k == "DATE")?;
    let has_description = keys.iter().any(|k| k.starts_with("DESC"));
    let rev = keys.iter().position(|k| {
        is_rev_word(k) || (has_description && matches!(k.as_str(), "NO" | "#" | "REVISION#"))
    })?;
    let (a, b) = (&row[rev], &row[date]);
    if (a.b[0] - b.b[0]).abs() > 0.3 {
        return None;
    }
    let span: Vec<&W> = row
        .iter()
        .filter(|w| w.b[0] >= a.b[0].min(b.b[0]) - 0.005 && w.b[2] <= a.b[2].max(b.b[2]) + 0.3)
        .collect();
    Some(Header {
        left: span.iter().map(|w| w.b[0]).fold(f32::MAX, f32::min),
        right: span.iter().map(|w| w.b[2]).fold(f32::MIN, f32::max),
        rev: a.b,
        date: b.b,
    })
}

/// Whether a word stands under a header word (overlapping its column, with some slack).
fn under(w: &W, column: &[f32; 4], slack: f32) -> bool {
    w.b[0] <= column[2] + slack && w.b[2] >= column[0] - slack
}

/// A row of the table: it must have a date under the `DATE` column; a short first word under
/// the revision column is the mark; the other words are the description.
fn parse_row(row: &[W], h: &Header) -> Option<Revision> {
    let mut date = None;
    let mut rest: Vec<&W> = Vec::new();
    let mut i = 0;
    while i < row.len() {
        let k = key(&row[i]);
        let in_column = under(&row[i], &h.date, 0.02);
        if date.is_none() && in_column && numeric_date(&k) {
            date = Some(row[i].text.clone());
        } else if date.is_none()
            && in_column
            && MONTHS.iter().any(|m| k.starts_with(m))
            && row
                .get(i + 2)
                .is_some_and(|y| key(y).len() == 4 && key(y).bytes().all(|b| b.is_ascii_digit()))
        {
            date = Some(format!(
                "{} {} {}",
                row[i].text,
                row[i + 1].text,
                row[i + 2].text
            ));
            i += 2;
        } else {
            rest.push(&row[i]);
        }
        i += 1;
    }
    date.as_ref()?;
    let mark = rest
        .first()
        .filter(|w| {
            under(w, &h.rev, 0.01)
                && w.text.chars().count() <= 3
                && w.text.chars().all(char::is_alphanumeric)
        })
        .map(|w| w.text.clone());
    let words = &rest[mark.is_some() as usize..];
    let description = (!words.is_empty()).then(|| {
        words
            .iter()
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    });
    let bbox = row
        .iter()
        .fold([f32::MAX, f32::MAX, f32::MIN, f32::MIN], |a, w| {
            [
                a[0].min(w.b[0]),
                a[1].min(w.b[1]),
                a[2].max(w.b[2]),
                a[3].max(w.b[3]),
            ]
        });
    Some(Revision {
        mark,
        date,
        description,
        bbox,
    })
}

/// The revision rows of a drawing page, ordered by mark (numbers, then letters) as printed.
pub fn revisions(page: &PageWords) -> Vec<Revision> {
    let table = rows(placed(page), 0.5);
    let mut out = Vec::new();
    for (i, row) in table.iter().enumerate() {
        let Some(h) = header(row) else {
            continue;
        };
        let (left, right) = (h.left, h.right);
        let pitch = row.iter().map(W::h).fold(0.0, f32::max) * 1.6;
        let inside = |r: &Vec<W>| -> Vec<W> {
            r.iter()
                .filter(|w| w.b[0] >= left - 0.01 && w.b[0] <= right + 0.01)
                .cloned()
                .collect()
        };
        // Walk away from the header both ways until a gap of more than two rows.
        for dir in [-1i64, 1] {
            let mut last = row[0].cy();
            let mut j = i as i64 + dir;
            while j >= 0 && (j as usize) < table.len() {
                let r = inside(&table[j as usize]);
                if !r.is_empty() {
                    let gap = (r[0].cy() - last).abs();
                    if gap > pitch * 2.0 {
                        break;
                    }
                    last = r[0].cy();
                    match parse_row(&r, &h) {
                        Some(rev) => out.push(rev),
                        None if header(&r).is_some() => break,
                        None => {}
                    }
                }
                j += dir;
            }
        }
    }
    let number = |r: &Revision| r.mark.as_deref().and_then(|m| m.parse::<u32>().ok());
    out.sort_by(|a, b| {
        (number(a).is_none(), number(a), &a.mark).cmp(&(number(b).is_none(), number(b), &b.mark))
    });
    out.dedup_by(|a, b| a.bbox == b.bbox);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::BOX_SCALE;

    /// A page of words: (text, left, top, right, bottom) normalized; one line each.
    fn page(words: &[(&str, f32, f32, f32, f32)]) -> PageWords {
        PageWords {
            text: words.iter().map(|w| w.0).collect::<Vec<_>>().join("\n"),
            boxes: words
                .iter()
                .map(|w| [w.1, w.2, w.3, w.4].map(|v| (v * BOX_SCALE) as u16))
                .collect(),
        }
    }

    #[test]
    fn rows_above_a_header_are_read_in_mark_order() {
        let p = page(&[
            ("2", 0.30, 0.880, 0.31, 0.888),
            ("ADDENDUM", 0.33, 0.880, 0.38, 0.888),
            ("2", 0.385, 0.880, 0.39, 0.888),
            ("08/01/2021", 0.45, 0.880, 0.50, 0.888),
            ("1", 0.30, 0.890, 0.31, 0.898),
            ("REVISION", 0.33, 0.890, 0.37, 0.898),
            ("SET", 0.375, 0.890, 0.39, 0.898),
            ("07/6/2021", 0.45, 0.890, 0.50, 0.898),
            ("Revision#", 0.30, 0.900, 0.32, 0.908),
            ("Description", 0.33, 0.900, 0.38, 0.908),
            ("Date:", 0.45, 0.900, 0.47, 0.908),
            ("SHEET", 0.80, 0.95, 0.83, 0.96),
        ]);
        let r = revisions(&p);
        assert_eq!(r.len(), 2, "{r:?}");
        assert_eq!(r[0].mark.as_deref(), Some("1"));
        assert_eq!(r[0].date.as_deref(), Some("07/6/2021"));
        assert_eq!(r[0].description.as_deref(), Some("REVISION SET"));
        assert_eq!(r[1].mark.as_deref(), Some("2"));
        assert_eq!(r[1].description.as_deref(), Some("ADDENDUM 2"));
    }

    #[test]
    fn an_empty_revision_table_gives_nothing() {
        let p = page(&[
            ("REVISION", 0.60, 0.90, 0.65, 0.91),
            ("DATE", 0.70, 0.90, 0.72, 0.91),
            ("BY", 0.74, 0.90, 0.75, 0.91),
            ("P.E.", 0.80, 0.90, 0.82, 0.91),
        ]);
        assert!(revisions(&p).is_empty());
    }

    #[test]
    fn a_date_elsewhere_on_the_sheet_is_not_a_revision() {
        let p = page(&[
            ("PROJECT", 0.60, 0.80, 0.65, 0.81),
            ("NO.", 0.66, 0.80, 0.67, 0.81),
            ("DATE:", 0.70, 0.80, 0.72, 0.81),
            ("12/31/2024", 0.73, 0.80, 0.77, 0.81),
        ]);
        assert!(revisions(&p).is_empty());
    }
}
