//! Regions of a drawing: the title block, notes blocks, legends, schedules and view titles.
//!
//! A block heading (GENERAL NOTES, LEGEND, … SCHEDULE) opens a region that takes in the lines
//! below it in the same column until a gap of several line heights. A view title is a line
//! that names a view with a drawing word (`3  WALL SECTION`, `ENLARGED PLAN`), usually with a
//! number before it or a SCALE line beside it; its type follows the word.

use crate::text::{Line, PageText, Rect};
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Region {
    /// `title_block`, `plan`, `elevation`, `section`, `detail`, `schedule`, `note`, `legend`, `other`.
    pub region_type: String,
    pub label: String,
    pub text: String,
    pub bbox: Rect,
}

static NOTES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^((GENERAL|KEYED|KEY|SHEET|DRAWING|CONSTRUCTION|DEMOLITION|PLAN|FINISH|[A-Z]+)\s+)*NOTES:?$").unwrap()
});
static LEGEND: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^([A-Z&/]+\s+)*(LEGEND|SYMBOLS|ABBREVIATIONS)(\s+[A-Z&/]+)*:?$").unwrap()
});
static SCHEDULE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^([A-Z0-9&/,()'-]+\s+)*SCHEDULES?:?$").unwrap());
static VIEW: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:(\d{1,2}|[A-Z]\d?)\s+)?(.*\b(PLAN|ELEVATION|SECTION|DETAIL|VIEW|ISOMETRIC|DIAGRAM|RISER)S?\b.*?)$").unwrap()
});
static SCALE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)^SCALE\b|\bSCALE\s*:").unwrap());

const MAX_TEXT: usize = 4000;

/// Finds the regions of a drawing page. `title_block` is the box the sheet fields came from.
pub fn find_regions(text: &PageText, title_block: Option<Rect>, title_text: &str) -> Vec<Region> {
    let mut regions = Vec::new();
    if let Some(bbox) = title_block {
        regions.push(Region {
            region_type: "title_block".into(),
            label: "TITLE BLOCK".into(),
            text: title_text.into(),
            bbox,
        });
    }
    let lines: Vec<&Line> = text.lines.iter().filter(|l| l.dir == 0).collect();
    let inside_title_block = |l: &Line| {
        title_block.is_some_and(|t| {
            l.bbox.x0 >= t.x0 && l.bbox.x1 <= t.x1 && l.bbox.y0 >= t.y0 && l.bbox.y1 <= t.y1
        })
    };
    for (i, l) in lines.iter().enumerate() {
        let t = l.text.trim();
        if t.len() < 4 || inside_title_block(l) {
            continue;
        }
        // A heading inside a block already found (a two-line heading, a sub-heading) belongs to it.
        let inside_earlier = regions.iter().any(|r: &Region| {
            r.region_type != "title_block"
                && r.region_type != "plan"
                && l.bbox.y0 > r.bbox.y0
                && l.bbox.y1 <= r.bbox.y1 + 0.1
                && l.bbox.x0 >= r.bbox.x0
                && l.bbox.x1 <= r.bbox.x1
        });
        if inside_earlier {
            continue;
        }
        let letters: Vec<char> = t.chars().filter(|c| c.is_alphabetic()).collect();
        let heading_like =
            letters.iter().all(|c| c.is_uppercase()) && t.split_whitespace().count() <= 6;
        let kind = if heading_like && SCHEDULE.is_match(t) {
            "schedule"
        } else if heading_like && NOTES.is_match(t) {
            "note"
        } else if heading_like && LEGEND.is_match(t) {
            "legend"
        } else {
            if let Some(view) = view_title(&lines, i) {
                regions.push(view);
            }
            continue;
        };
        let (bbox, body) = block_below(&lines, i);
        regions.push(Region {
            region_type: kind.into(),
            label: t.trim_end_matches(':').to_string(),
            text: body,
            bbox,
        });
    }
    regions
}

/// A view title: a drawing word in capitals, numbered or next to a SCALE line.
fn view_title(lines: &[&Line], i: usize) -> Option<Region> {
    let l = lines[i];
    let t = l.text.trim();
    let letters: Vec<char> = t.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.len() < 6 || letters.iter().any(|c| c.is_lowercase()) || t.len() > 80 {
        return None;
    }
    let c = VIEW.captures(t)?;
    let numbered = c.get(1).is_some();
    let scale = lines.iter().find(|o| {
        SCALE.is_match(o.text.trim())
            && (o.bbox.y0 - l.bbox.y1).abs() < 2.5 * l.size
            && o.bbox.x0 < l.bbox.x1 + 20.0 * l.size
            && o.bbox.x1 > l.bbox.x0
    });
    if !numbered && scale.is_none() && !SCALE.is_match(t) {
        return None;
    }
    let word = c[3].to_uppercase();
    let region_type = match word.as_str() {
        "PLAN" => "plan",
        "ELEVATION" => "elevation",
        "SECTION" => "section",
        "DETAIL" | "ISOMETRIC" | "RISER" | "DIAGRAM" | "VIEW" => "detail",
        _ => "other",
    };
    let mut bbox = l.bbox;
    let mut text = t.to_string();
    if let Some(s) = scale.filter(|s| !std::ptr::eq(**s, l)) {
        bbox = bbox.union(&s.bbox);
        text.push(' ');
        text.push_str(s.text.trim());
    }
    Some(Region {
        region_type: region_type.into(),
        label: t.to_string(),
        text,
        bbox,
    })
}

/// The heading and the lines under it in its column, until a gap of three line heights.
fn block_below(lines: &[&Line], i: usize) -> (Rect, String) {
    let head = lines[i];
    let mut bbox = head.bbox;
    let mut text = String::new();
    let width = (head.bbox.x1 - head.bbox.x0).max(10.0 * head.size);
    let (left, right) = (head.bbox.x0 - 2.0 * head.size, head.bbox.x0 + 4.0 * width);
    let mut last = head.bbox.y1;
    let mut below: Vec<&Line> = lines
        .iter()
        .copied()
        .filter(|l| {
            l.bbox.y0 > head.bbox.y0 + 0.5 * head.size && l.bbox.x0 >= left && l.bbox.x0 < right
        })
        .collect();
    below.sort_by(|a, b| a.bbox.y0.total_cmp(&b.bbox.y0));
    for l in below {
        if l.bbox.y0 - last > 3.0 * l.size.max(head.size * 0.5) {
            break;
        }
        last = last.max(l.bbox.y1);
        bbox = bbox.union(&l.bbox);
        if text.len() < MAX_TEXT {
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(l.text.trim());
        }
    }
    (bbox, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_are_recognised_by_kind() {
        assert!(NOTES.is_match("GENERAL NOTES"));
        assert!(NOTES.is_match("KEYED NOTES:"));
        assert!(LEGEND.is_match("SYMBOL LEGEND"));
        assert!(LEGEND.is_match("ABBREVIATIONS"));
        assert!(SCHEDULE.is_match("DOOR SCHEDULE"));
        assert!(SCHEDULE.is_match("MATERIAL AND ROOM FINISH SCHEDULE"));
        assert!(!SCHEDULE.is_match("SEE SCHEDULE ON SHEET A601 FOR DOOR TYPES"));
        let c = VIEW.captures("3 WALL SECTION").unwrap();
        assert_eq!(&c[3], "SECTION");
    }
}
