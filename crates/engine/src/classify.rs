//! Page kind: drawing or document, from explainable features.

use crate::pdf::PageGeometry;
use crate::text::PageStats;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PageKind {
    Drawing,
    Document,
}

impl PageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PageKind::Drawing => "drawing",
            PageKind::Document => "document",
        }
    }
}

/// The longest side of a letter, A4 or legal page is under 15 in; drawing sheets (ANSI B and up,
/// ARCH C and up) are larger. Half-size sets (11×17) are still drawings.
const DRAWING_MIN_LONG_SIDE_PT: f32 = 15.0 * 72.0;

/// Kind from the page size alone: what preflight can tell without reading content.
pub fn kind_from_size(g: &PageGeometry) -> PageKind {
    if g.width.max(g.height) >= DRAWING_MIN_LONG_SIDE_PT {
        PageKind::Drawing
    } else {
        PageKind::Document
    }
}

/// Kind from size and content: a small page that is mostly line work with little text is a
/// drawing (a letter-size detail sheet); a large page of running text stays a drawing, since
/// sets print notes sheets at sheet size.
pub fn classify(g: &PageGeometry, stats: &PageStats, words: usize) -> PageKind {
    if kind_from_size(g) == PageKind::Drawing {
        return PageKind::Drawing;
    }
    let line_work_heavy = stats.path_segments > 2000 && (words as u32) < stats.path_segments / 20;
    // A landscape letter or tabloid page of line work with labels on it is a reduced drawing
    // (a permit set printed small); text documents stand upright.
    let small_drawing = g.width > g.height
        && stats.path_segments > 1000
        && (words as u32) < stats.path_segments / 5;
    if line_work_heavy || small_drawing {
        PageKind::Drawing
    } else {
        PageKind::Document
    }
}
