//! A page's words with their boxes in page units, and rows of them: what the readers of small
//! printed tables (revision blocks, drawing lists) work on.

use crate::analysis::{BOX_SCALE, PageWords};

/// A word and its box (left, top, right, bottom), normalized to the displayed page.
#[derive(Clone, Debug)]
pub(crate) struct Placed {
    pub text: String,
    pub b: [f32; 4],
}

impl Placed {
    pub fn cy(&self) -> f32 {
        (self.b[1] + self.b[3]) / 2.0
    }

    pub fn h(&self) -> f32 {
        self.b[3] - self.b[1]
    }
}

/// Every word of the page in reading order.
pub(crate) fn placed(page: &PageWords) -> Vec<Placed> {
    page.text
        .split_whitespace()
        .zip(&page.boxes)
        .map(|(t, b)| Placed {
            text: t.to_string(),
            b: b.map(|v| v as f32 / BOX_SCALE),
        })
        .collect()
}

/// Rows: words whose vertical centres lie within `tolerance` word heights of the row's first
/// word, each row left to right, the rows top to bottom.
pub(crate) fn rows(mut words: Vec<Placed>, tolerance: f32) -> Vec<Vec<Placed>> {
    words.sort_by(|a, b| a.cy().total_cmp(&b.cy()));
    let mut out: Vec<Vec<Placed>> = Vec::new();
    for w in words {
        match out.last_mut() {
            Some(row) if (row[0].cy() - w.cy()).abs() <= row[0].h().max(w.h()) * tolerance => {
                row.push(w)
            }
            _ => out.push(vec![w]),
        }
    }
    for row in &mut out {
        row.sort_by(|a, b| a.b[0].total_cmp(&b.b[0]));
    }
    out
}
