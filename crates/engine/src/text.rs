//! Page text with boxes: glyphs from hayro's interpreter, grouped into words and lines, in
//! displayed-page coordinates (points, origin top-left, `/Rotate` applied), plus the path and
//! image statistics that page classification needs.

use crate::error::PageError;
use crate::pdf::{Document, PageGeometry, guarded};
use hayro_interpret::font::{Glyph, GlyphRun};
use hayro_interpret::kurbo::{Affine, BezPath, PathEl, Point, Rect as KRect};
use hayro_interpret::util::TransformExt;
use hayro_interpret::{
    BlendMode, ClipPath, Context, Device, DrawMode, DrawProps, Image, ImageDrawProps,
    InterpreterCache, InterpreterSettings, SoftMask, interpret_page,
};
use serde::{Deserialize, Serialize};

/// An axis-aligned rectangle in displayed points, origin top-left.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Rect {
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
}

impl Rect {
    pub fn width(&self) -> f32 {
        self.x1 - self.x0
    }
    pub fn height(&self) -> f32 {
        self.y1 - self.y0
    }
    pub fn union(&self, o: &Rect) -> Rect {
        Rect {
            x0: self.x0.min(o.x0),
            y0: self.y0.min(o.y0),
            x1: self.x1.max(o.x1),
            y1: self.y1.max(o.y1),
        }
    }
    pub fn center(&self) -> (f32, f32) {
        ((self.x0 + self.x1) / 2.0, (self.y0 + self.y1) / 2.0)
    }
}

/// Reading direction of a run of text as displayed: 0 left-to-right, 90 top-to-bottom,
/// 180 upside down, 270 bottom-to-top (vertical title strips).
pub type Direction = u16;

/// One word: a run of glyphs on one baseline without a gap.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Word {
    pub text: String,
    pub bbox: Rect,
    /// Font size in displayed points (the em height).
    pub size: f32,
    pub dir: Direction,
}

/// A line: words on one baseline in reading order, joined by single spaces.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Line {
    pub text: String,
    pub bbox: Rect,
    pub size: f32,
    pub dir: Direction,
    /// Indices into the page's words.
    pub words: Vec<u32>,
}

/// Counts that describe what a page is made of.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PageStats {
    pub glyphs: u32,
    /// Glyphs with no Unicode mapping (junk text layers).
    pub unmapped_glyphs: u32,
    pub paths: u32,
    pub path_segments: u32,
    /// Share of the page covered by raster images, 0–1 (overlaps counted twice).
    pub image_coverage: f32,
    /// Pixels per inch of the largest image on the page as drawn (a scan's own resolution,
    /// whatever page size the PDF declares); 0 without images.
    #[serde(default)]
    pub image_dpi: f32,
}

/// Everything read off one page.
#[derive(Clone, Debug, Default)]
pub struct PageText {
    pub words: Vec<Word>,
    pub lines: Vec<Line>,
    /// Straight horizontal and vertical strokes long enough to rule a table or a title block.
    pub rulings: Vec<Ruling>,
    pub stats: PageStats,
}

/// A horizontal or vertical line segment in displayed points: at `at` (y for horizontal, x for
/// vertical), running `from`..`to` along the other axis.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ruling {
    pub horizontal: bool,
    pub at: f32,
    pub from: f32,
    pub to: f32,
}

/// Shorter strokes are hatching, text outlines or symbols, not rules.
const MIN_RULING_PT: f64 = 18.0;
/// A bound on what one page may keep, so a hostile page cannot exhaust memory.
const MAX_RULINGS: usize = 200_000;

struct RawGlyph {
    text: String,
    origin: Point,
    /// Unit vector of the baseline direction (displayed space).
    along: (f64, f64),
    advance: f64,
    size: f64,
    bbox: Rect,
    dir: Direction,
}

struct Collector {
    glyphs: Vec<RawGlyph>,
    rulings: Vec<Ruling>,
    stats: PageStats,
    image_area: f64,
    largest_image: f64,
    page_area: f64,
}

impl Collector {
    fn glyph(&mut self, glyph: &Glyph<'_>, t: Affine) {
        self.stats.glyphs += 1;
        let text = match glyph.as_unicode() {
            Some(hayro_interpret::hayro_cmap::BfString::Char(c)) => c.to_string(),
            Some(hayro_interpret::hayro_cmap::BfString::String(s)) => s,
            None => {
                self.stats.unmapped_glyphs += 1;
                return;
            }
        };
        let adv = match glyph {
            Glyph::Outline(g) => g.advance_width(),
            Glyph::Type3(g) => g.advance_width(),
        }
        .unwrap_or(500.0) as f64;
        let adv = if adv > 0.0 { adv } else { 500.0 };
        let o = t * Point::new(0.0, 0.0);
        let e = t * Point::new(adv, 0.0);
        let up = t * Point::new(0.0, 1000.0);
        let size = ((up.x - o.x).powi(2) + (up.y - o.y).powi(2)).sqrt();
        let advance = ((e.x - o.x).powi(2) + (e.y - o.y).powi(2)).sqrt();
        if !size.is_finite() || size < 0.5 || !advance.is_finite() {
            return;
        }
        let along = if advance > 1e-6 {
            ((e.x - o.x) / advance, (e.y - o.y) / advance)
        } else {
            (1.0, 0.0)
        };
        let dir = if along.0.abs() >= along.1.abs() {
            if along.0 >= 0.0 { 0 } else { 180 }
        } else if along.1 >= 0.0 {
            90
        } else {
            270
        };
        let corners = [
            t * Point::new(0.0, -200.0),
            t * Point::new(adv, -200.0),
            t * Point::new(adv, 800.0),
            t * Point::new(0.0, 800.0),
        ];
        let mut r = Rect {
            x0: f32::MAX,
            y0: f32::MAX,
            x1: f32::MIN,
            y1: f32::MIN,
        };
        for c in corners {
            r.x0 = r.x0.min(c.x as f32);
            r.y0 = r.y0.min(c.y as f32);
            r.x1 = r.x1.max(c.x as f32);
            r.y1 = r.y1.max(c.y as f32);
        }
        self.glyphs.push(RawGlyph {
            text,
            origin: o,
            along,
            advance,
            size,
            bbox: r,
            dir,
        });
    }
}

impl Collector {
    /// Collects the straight axis-aligned segments of a path as rulings.
    fn rulings_of(&mut self, path: &BezPath, t: Affine) {
        let (mut current, mut start) = (Point::ZERO, Point::ZERO);
        for el in path.elements() {
            let (a, b) = match *el {
                PathEl::MoveTo(p) => {
                    current = t * p;
                    start = current;
                    continue;
                }
                PathEl::LineTo(p) => (current, t * p),
                PathEl::ClosePath => (current, start),
                PathEl::QuadTo(_, p) | PathEl::CurveTo(_, _, p) => {
                    current = t * p;
                    continue;
                }
            };
            current = b;
            if self.rulings.len() >= MAX_RULINGS {
                continue;
            }
            let (dx, dy) = ((b.x - a.x).abs(), (b.y - a.y).abs());
            if dy < 0.5 && dx >= MIN_RULING_PT {
                self.rulings.push(Ruling {
                    horizontal: true,
                    at: a.y as f32,
                    from: a.x.min(b.x) as f32,
                    to: a.x.max(b.x) as f32,
                });
            } else if dx < 0.5 && dy >= MIN_RULING_PT {
                self.rulings.push(Ruling {
                    horizontal: false,
                    at: a.x as f32,
                    from: a.y.min(b.y) as f32,
                    to: a.y.max(b.y) as f32,
                });
            }
        }
    }
}

impl<'a> Device<'a> for Collector {
    fn draw_path(&mut self, path: &BezPath, props: DrawProps<'a>, _mode: &DrawMode) {
        self.stats.paths += 1;
        self.rulings_of(path, props.transform);
        let segs = path
            .elements()
            .iter()
            .filter(|e| !matches!(e, PathEl::MoveTo(_) | PathEl::ClosePath))
            .count();
        self.stats.path_segments = self.stats.path_segments.saturating_add(segs as u32);
    }
    fn push_clip_path(&mut self, _clip: &ClipPath) {}
    fn push_transparency_group(&mut self, _o: f32, _m: Option<SoftMask<'a>>, _b: BlendMode) {}
    fn draw_glyph_run(&mut self, run: &GlyphRun<'_, 'a>, props: DrawProps<'a>, _mode: &DrawMode) {
        for g in run.glyphs() {
            self.glyph(g, props.transform * g.transform());
        }
    }
    fn draw_image(&mut self, image: Image<'a, '_>, props: ImageDrawProps<'a>) {
        // The transform maps the image's pixel grid to the page.
        let (w, h) = (image.width() as f64, image.height() as f64);
        let r = props
            .transform
            .transform_rect_bbox(KRect::new(0.0, 0.0, w, h));
        self.image_area += r.area().abs();
        if r.area().abs() > self.largest_image {
            self.largest_image = r.area().abs();
            let drawn = r.width().abs().max(r.height().abs()).max(1e-3);
            self.stats.image_dpi = (w.max(h) / drawn * 72.0) as f32;
        }
        self.stats.image_coverage = (self.image_area / self.page_area.max(1.0)) as f32;
    }
    fn pop_clip(&mut self) {}
    fn pop_transparency_group(&mut self) {}
}

/// Reads the words and statistics of one 1-based page; `lines` is left empty for the caller to
/// fill with [`group_lines`] once the page kind is known.
pub fn read_page(doc: &Document, number: usize) -> Result<(PageGeometry, PageText), PageError> {
    let geometry = doc.geometry(number)?;
    let page = doc.page(number)?;
    let (glyphs, rulings, stats) = guarded(number, || {
        let cache = InterpreterCache::new();
        let transform = page.initial_transform(true).to_kurbo();
        let bbox = KRect::new(0.0, 0.0, geometry.width as f64, geometry.height as f64);
        let mut ctx = Context::new(
            transform,
            bbox,
            &cache,
            page.xref(),
            InterpreterSettings::default(),
        );
        let mut collector = Collector {
            glyphs: Vec::new(),
            rulings: Vec::new(),
            stats: PageStats::default(),
            image_area: 0.0,
            largest_image: 0.0,
            page_area: (geometry.width as f64) * (geometry.height as f64),
        };
        interpret_page(page, &mut ctx, &mut collector);
        (collector.glyphs, collector.rulings, collector.stats)
    })?;
    let words = group_words(&glyphs);
    // Lines depend on the page kind (tab stops in documents), so the caller groups them.
    Ok((
        geometry,
        PageText {
            words,
            lines: Vec::new(),
            rulings,
            stats,
        },
    ))
}

/// Glyphs in content order become words: a new word starts at a space, a direction change, a
/// jump off the baseline, or a gap wider than a fraction of the font size.
fn group_words(glyphs: &[RawGlyph]) -> Vec<Word> {
    let mut words = Vec::new();
    let mut cur: Option<(Word, Point, (f64, f64), f64)> = None; // word, pen position, along, size
    for g in glyphs {
        let blank = g.text.chars().all(char::is_whitespace);
        let continues = cur.as_ref().is_some_and(|(w, pen, along, size)| {
            if w.dir != g.dir || (g.size - size).abs() > 0.3 * size {
                return false;
            }
            let dx = g.origin.x - pen.x;
            let dy = g.origin.y - pen.y;
            let gap = dx * along.0 + dy * along.1;
            let off = (-dx * along.1 + dy * along.0).abs();
            off < 0.3 * size && gap > -0.3 * size && gap < 0.18 * size
        });
        if (!continues || blank)
            && let Some((w, ..)) = cur.take()
        {
            words.push(w);
        }
        if blank {
            continue;
        }
        let pen = Point::new(
            g.origin.x + g.along.0 * g.advance,
            g.origin.y + g.along.1 * g.advance,
        );
        match cur.as_mut() {
            Some((w, p, _, _)) => {
                w.text.push_str(&g.text);
                w.bbox = w.bbox.union(&g.bbox);
                *p = pen;
            }
            None => {
                let w = Word {
                    text: g.text.clone(),
                    bbox: g.bbox,
                    size: g.size as f32,
                    dir: g.dir,
                };
                cur = Some((w, pen, g.along, g.size));
            }
        }
    }
    if let Some((w, ..)) = cur {
        words.push(w);
    }
    words
}

/// Position of a word along its reading direction and across it (the baseline), so that one
/// line-grouping routine serves every direction.
fn axes(r: &Rect, dir: Direction) -> (f32, f32, f32) {
    match dir {
        90 => (r.y0, r.y1, -(r.x0 + r.x1) / 2.0),
        180 => (-r.x1, -r.x0, -(r.y0 + r.y1) / 2.0),
        270 => (-r.y1, -r.y0, (r.x0 + r.x1) / 2.0),
        _ => (r.x0, r.x1, (r.y0 + r.y1) / 2.0),
    }
}

/// Widest gap, in font sizes, inside one line of a drawing: neighbouring title-block cells and
/// callouts must stay apart.
pub const DRAWING_LINE_GAP: f32 = 1.5;
/// Widest gap inside one line of a text document: tab stops (`1.01<tab>RELATED DOCUMENTS`).
pub const DOCUMENT_LINE_GAP: f32 = 5.0;

/// Words on one baseline with gaps under `max_gap` font sizes become one line.
pub fn group_lines(words: &[Word], max_gap: f32) -> Vec<Line> {
    let mut order: Vec<usize> = (0..words.len()).collect();
    order.sort_by(|&a, &b| {
        let (wa, wb) = (&words[a], &words[b]);
        let (sa, _, ca) = axes(&wa.bbox, wa.dir);
        let (sb, _, cb) = axes(&wb.bbox, wb.dir);
        wa.dir
            .cmp(&wb.dir)
            .then(ca.total_cmp(&cb))
            .then(sa.total_cmp(&sb))
    });
    // Sweep: attach each word to an open line with the same direction, a close baseline and a
    // small gap; lines are kept open while their baseline is near.
    // A word may come before the words of its line in that order when its baseline sits a
    // fraction lower (OCR boxes jitter), so a line grows at either end.
    struct Open {
        words: Vec<usize>,
        cross: f32,
        start: f32,
        end: f32,
        dir: Direction,
        size: f32,
    }
    let mut lines: Vec<Open> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    for &i in &order {
        let w = &words[i];
        let (s, e, c) = axes(&w.bbox, w.dir);
        let size = w.size.max(1.0);
        open.retain(|&l| lines[l].dir == w.dir && c - lines[l].cross <= 0.5 * size);
        let target = open.iter().copied().find(|&l| {
            let l = &lines[l];
            let after = s - l.end;
            let before = l.start - e;
            (c - l.cross).abs() < 0.35 * l.size.min(size)
                && after.max(before) < max_gap * l.size.max(size)
                && (after > -0.5 * size || before > -0.5 * size)
                && (l.size - size).abs() < 0.35 * l.size.max(size)
        });
        match target {
            Some(l) => {
                let l = &mut lines[l];
                l.words.push(i);
                l.start = l.start.min(s);
                l.end = l.end.max(e);
            }
            None => {
                lines.push(Open {
                    words: vec![i],
                    cross: c,
                    start: s,
                    end: e,
                    dir: w.dir,
                    size,
                });
                open.push(lines.len() - 1);
            }
        }
    }
    // A word swept before the words left of it (`DETAILS` before `STEEL STUD`) started a line of
    // its own: lines on one baseline, close along it, are joined.
    let mut by_baseline: Vec<usize> = (0..lines.len()).collect();
    by_baseline.sort_by(|&a, &b| {
        let (la, lb) = (&lines[a], &lines[b]);
        la.dir.cmp(&lb.dir).then(la.cross.total_cmp(&lb.cross))
    });
    for (k, &i) in by_baseline.iter().enumerate() {
        if lines[i].words.is_empty() {
            continue;
        }
        for &j in &by_baseline[k + 1..] {
            let (a, b) = (&lines[i], &lines[j]);
            if b.dir != a.dir || b.cross - a.cross >= 0.35 * a.size.min(b.size) {
                break;
            }
            let after = b.start - a.end;
            let before = a.start - b.end;
            let joins = !b.words.is_empty()
                && after.max(before) < max_gap * a.size.max(b.size)
                && (after > -0.5 * b.size || before > -0.5 * b.size)
                && (a.size - b.size).abs() < 0.35 * a.size.max(b.size);
            if joins {
                let moved = std::mem::take(&mut lines[j].words);
                let (start, end) = (lines[j].start, lines[j].end);
                let a = &mut lines[i];
                a.words.extend(moved);
                a.start = a.start.min(start);
                a.end = a.end.max(end);
            }
        }
    }
    lines.retain(|l| !l.words.is_empty());
    let mut out: Vec<Line> = lines
        .into_iter()
        .map(
            |Open {
                 words: mut ids,
                 dir,
                 size,
                 ..
             }| {
                ids.sort_by(|&a, &b| {
                    axes(&words[a].bbox, dir)
                        .0
                        .total_cmp(&axes(&words[b].bbox, dir).0)
                });
                let mut bbox = words[ids[0]].bbox;
                let mut text = String::new();
                for &i in &ids {
                    bbox = bbox.union(&words[i].bbox);
                    if !text.is_empty() {
                        text.push(' ');
                    }
                    text.push_str(&words[i].text);
                }
                Line {
                    text,
                    bbox,
                    size,
                    dir,
                    words: ids.into_iter().map(|i| i as u32).collect(),
                }
            },
        )
        .collect();
    // Reading order: top to bottom, then left to right (horizontal lines first).
    out.sort_by(|a, b| {
        (a.dir != 0)
            .cmp(&(b.dir != 0))
            .then(a.bbox.y0.total_cmp(&b.bbox.y0))
            .then(a.bbox.x0.total_cmp(&b.bbox.x0))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str, x0: f32, y0: f32, x1: f32, y1: f32) -> Word {
        Word {
            text: text.into(),
            bbox: Rect { x0, y0, x1, y1 },
            size: 17.5,
            dir: 0,
        }
    }

    #[test]
    fn a_word_whose_baseline_sits_a_fraction_higher_joins_the_line_before_it() {
        // OCR boxes: `DETAILS` ends half a point higher than `FOUNDATION`, so it is swept first.
        let words = [
            word("FOUNDATION", 2776.8, 1920.5, 2866.6, 1933.4),
            word("DETAILS", 2874.7, 1920.5, 2932.3, 1933.0),
        ];
        let lines = group_lines(&words, DRAWING_LINE_GAP);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].text, "FOUNDATION DETAILS");
        // The same with two words before it: they make a line of their own first.
        let words = [
            word("STEEL", 2776.8, 1920.5, 2820.0, 1933.4),
            word("STUD", 2826.0, 1920.5, 2866.6, 1933.4),
            word("DETAILS", 2874.7, 1920.5, 2932.3, 1933.0),
        ];
        let lines = group_lines(&words, DRAWING_LINE_GAP);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert_eq!(lines[0].text, "STEEL STUD DETAILS");
    }

    #[test]
    fn words_far_apart_or_on_top_of_each_other_stay_apart() {
        let words = [
            word("NORTH", 0.0, 0.0, 60.0, 13.0),
            word("SOUTH", 200.0, 0.0, 260.0, 13.0),
            word("OVER", 10.0, 0.2, 50.0, 13.1),
        ];
        let lines = group_lines(&words, DRAWING_LINE_GAP);
        assert_eq!(lines.len(), 3, "{lines:?}");
    }
}
