//! Which pages need OCR, which part of them to read, and OCR words as page words.
//!
//! A page needs OCR when it has (almost) no usable text but images or heavy line work cover it
//! (a scan; a plot with outlined text), or when most of its glyphs map to no character. Drawings
//! are read where title blocks stand: the bottom-right corner first, the right-edge and bottom
//! strips only when the corner yields no sheet number. Text documents are read whole.

use crate::classify::PageKind;
use crate::error::PageError;
use crate::ocr::{Layout, Ocr};
use crate::pdf::{Document, PageGeometry};
use crate::render::{encode_gray_png, render_region};
use crate::text::{PageText, Rect, Word};

/// Drawings are rendered at the resolution scans are usually made at; title-block text of 6 pt
/// is then about 12 px tall, which Tesseract reads.
const DRAWING_DPI: f32 = 150.0;
/// Text documents at a little more, for 8-10 pt body text.
const DOCUMENT_DPI: f32 = 200.0;
/// Scans are read at their own resolution up to this (the cost of OCR grows with its square).
const MAX_SCAN_DPI: f32 = 300.0;

pub fn needs_ocr(text: &PageText) -> bool {
    let s = &text.stats;
    let junk = s.glyphs > 20 && s.unmapped_glyphs * 2 > s.glyphs;
    let little_text = text.words.len() < 5;
    junk || (little_text && (s.image_coverage > 0.25 || s.path_segments > 2000))
}

/// Regions to read, as fractions of the page, in order of likelihood.
fn regions(kind: PageKind) -> &'static [[f32; 4]] {
    match kind {
        PageKind::Drawing => &[
            [0.55, 0.70, 1.0, 1.0],
            [0.80, 0.0, 1.0, 0.70],
            [0.0, 0.85, 0.55, 1.0],
        ],
        PageKind::Document => &[[0.0, 0.0, 1.0, 1.0]],
    }
}

/// OCR words of the page as page words (displayed points) with their confidence (0–1).
pub fn read_words(
    doc: &Document,
    number: usize,
    g: &PageGeometry,
    kind: PageKind,
    image_dpi: f32,
    ocr: &dyn Ocr,
) -> Result<Vec<(Word, f32)>, PageError> {
    let (dpi, layout) = match kind {
        PageKind::Drawing => (DRAWING_DPI, Layout::Sparse),
        PageKind::Document => (DOCUMENT_DPI, Layout::Page),
    };
    // A scan is read at its own resolution (within bounds), whatever page size the PDF declares:
    // the same sheet declared at 300 dpi would otherwise be shrunk to half its letter height.
    let dpi = if image_dpi > 0.0 {
        image_dpi.clamp(dpi, MAX_SCAN_DPI)
    } else {
        dpi
    };
    let mut words: Vec<(Word, f32)> = Vec::new();
    for [fx0, fy0, fx1, fy1] in regions(kind) {
        let region = Rect {
            x0: fx0 * g.width,
            y0: fy0 * g.height,
            x1: fx1 * g.width,
            y1: fy1 * g.height,
        };
        let mut image = render_region(doc, number, region, dpi)?;
        erase_rules(&mut image, dpi as usize);
        let png = encode_gray_png(&image).map_err(|e| PageError::Unreadable {
            page: number,
            reason: format!("png: {e}"),
        })?;
        let found = ocr
            .recognize(&png, layout)
            .map_err(|e| PageError::Unreadable {
                page: number,
                reason: e.to_string(),
            })?;
        let scale = dpi / 72.0;
        // Tesseract found the lines: every word of a line takes the line's letter height, so a
        // hyphen or an ampersand does not break it apart.
        let mut line_height: std::collections::HashMap<(u32, u32, u32), u32> =
            std::collections::HashMap::new();
        for w in found
            .iter()
            .filter(|w| w.text.chars().any(char::is_alphanumeric))
        {
            let h = line_height.entry(w.line).or_default();
            *h = (*h).max(w.height);
        }
        for w in found {
            let height = line_height
                .get(&w.line)
                .copied()
                .unwrap_or(w.height)
                .max(w.height);
            let bbox = Rect {
                x0: region.x0 + w.left as f32 / scale,
                y0: region.y0 + w.top as f32 / scale,
                x1: region.x0 + (w.left + w.width) as f32 / scale,
                y1: region.y0 + (w.top + w.height) as f32 / scale,
            };
            // Tesseract boxes hug the ink; a font's em is about 1.35 times the cap height.
            let size = 1.35 * height as f32 / scale;
            words.push((
                Word {
                    text: w.text,
                    bbox,
                    size,
                    dir: 0,
                },
                w.confidence / 100.0,
            ));
        }
        let page_words = PageText {
            words: words.iter().map(|(w, _)| w.clone()).collect(),
            ..Default::default()
        };
        if kind == PageKind::Document
            || crate::sheet::read_sheet(&page_words, g.width, g.height)
                .number
                .is_some()
        {
            break;
        }
    }
    Ok(words)
}

/// The mean OCR confidence of the words inside `bbox` (1.0 when none is).
pub fn confidence_within(words: &[(Rect, f32)], bbox: &Rect) -> f32 {
    let inside: Vec<f32> = words
        .iter()
        .filter(|(r, _)| {
            r.x0 >= bbox.x0 - 1.0
                && r.x1 <= bbox.x1 + 1.0
                && r.y0 >= bbox.y0 - 1.0
                && r.y1 <= bbox.y1 + 1.0
        })
        .map(|(_, c)| *c)
        .collect();
    if inside.is_empty() {
        1.0
    } else {
        inside.iter().sum::<f32>() / inside.len() as f32
    }
}

/// Whitens dark horizontal and vertical runs longer than `min_run` pixels: the rules of title
/// blocks and tables, which OCR otherwise reads as `I`, `l` or `|` glued to the words beside them.
/// Letters are shorter than an inch at drawing scales.
fn erase_rules(image: &mut crate::render::GrayImage, min_run: usize) {
    let (w, h) = (image.width as usize, image.height as usize);
    let dark = |v: u8| v < 128;
    let mut erase = vec![false; w * h];
    for y in 0..h {
        let row = &image.pixels[y * w..(y + 1) * w];
        let mut start = 0;
        for x in 0..=w {
            if x == w || !dark(row[x]) {
                if x - start >= min_run {
                    erase[y * w + start..y * w + x]
                        .iter_mut()
                        .for_each(|e| *e = true);
                }
                start = x + 1;
            }
        }
    }
    for x in 0..w {
        let mut start = 0;
        for y in 0..=h {
            if y == h || !dark(image.pixels[y * w + x]) {
                if y - start >= min_run {
                    (start..y).for_each(|yy| erase[yy * w + x] = true);
                }
                start = y + 1;
            }
        }
    }
    for (p, e) in image.pixels.iter_mut().zip(erase) {
        if e {
            *p = 255;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::GrayImage;

    #[test]
    fn long_rules_are_erased_and_letters_kept() {
        let (w, h) = (300usize, 200usize);
        let mut pixels = vec![255u8; w * h];
        for x in 0..w {
            pixels[100 * w + x] = 0; // a horizontal rule across the image
        }
        for y in 0..h {
            pixels[y * w + 20] = 0; // a vertical rule
        }
        for y in 40..70 {
            pixels[y * w + 150] = 0; // a letter stroke, 30 px
        }
        let mut image = GrayImage {
            width: w as u32,
            height: h as u32,
            pixels,
        };
        erase_rules(&mut image, 150);
        assert_eq!(image.pixels[100 * w + 50], 255);
        assert_eq!(image.pixels[10 * w + 20], 255);
        assert_eq!(image.pixels[50 * w + 150], 0);
    }
}
