//! What changed between two versions of a sheet, as a picture: both page images (PNG) are
//! compared ink against ink, and the newer one is drawn faded with the ink it added in red and
//! the ink it lost in blue.
//!
//! Ink is a pixel darker than [`INK`]. A pixel counts as changed only when the other version has
//! no ink within [`SLACK`] pixels of it, so anti-aliasing and the rounding of two renderings a
//! pixel apart are not reported. Images of different sizes are compared in the newer one's frame.

use crate::render::{RgbImage, encode_png};

/// Luminance below which a pixel is ink.
pub const INK: u8 = 160;
/// Pixels of tolerance when looking for the same ink in the other version.
pub const SLACK: i64 = 1;

const ADDED: [u8; 3] = [220, 30, 30];
const REMOVED: [u8; 3] = [30, 90, 220];

/// The diff image and where the changes are.
#[derive(Clone, Debug, PartialEq)]
pub struct RevisionDiff {
    /// PNG, the size of the newer image.
    pub png: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// Pixels with ink only in the newer version, and only in the older one.
    pub added: u64,
    pub removed: u64,
    /// The box around every changed pixel, normalized to the page (left, top, right, bottom),
    /// or `None` when nothing changed.
    pub changed: Option<[f32; 4]>,
}

#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    #[error("image: {0}")]
    Decode(String),
    #[error("png: {0}")]
    Encode(#[from] png::EncodingError),
}

/// Luminance of a decoded PNG, rows top to bottom.
struct Gray {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
}

fn decode(png_bytes: &[u8]) -> Result<Gray, DiffError> {
    let bad = |e: png::DecodingError| DiffError::Decode(e.to_string());
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(bad)?;
    let (width, height) = (reader.info().width, reader.info().height);
    if width == 0 || height == 0 || width as u64 * height as u64 > 64_000_000 {
        return Err(DiffError::Decode("image size out of range".into()));
    }
    let mut buf = vec![
        0;
        reader
            .output_buffer_size()
            .ok_or_else(|| DiffError::Decode("image too large".into()))?
    ];
    let frame = reader.next_frame(&mut buf).map_err(bad)?;
    let channels = frame.color_type.samples();
    let luminance = |px: &[u8]| -> u8 {
        match px.len() {
            1 | 2 => px[0],
            _ => ((px[0] as u32 * 299 + px[1] as u32 * 587 + px[2] as u32 * 114) / 1000) as u8,
        }
    };
    let pixels = buf[..frame.buffer_size()]
        .chunks_exact(channels)
        .map(luminance)
        .collect();
    Ok(Gray {
        width,
        height,
        pixels,
    })
}

impl Gray {
    /// Ink at (x, y) of a `width`×`height` frame, sampling this image scaled to that frame.
    fn ink_in_frame(&self, x: i64, y: i64, width: u32, height: u32) -> bool {
        if x < 0 || y < 0 || x >= width as i64 || y >= height as i64 {
            return false;
        }
        let sx = (x as u64 * self.width as u64 / width as u64) as usize;
        let sy = (y as u64 * self.height as u64 / height as u64) as usize;
        self.pixels[sy * self.width as usize + sx] < INK
    }

    fn ink_near(&self, x: i64, y: i64, width: u32, height: u32) -> bool {
        (-SLACK..=SLACK)
            .any(|dy| (-SLACK..=SLACK).any(|dx| self.ink_in_frame(x + dx, y + dy, width, height)))
    }
}

/// Compares the older and newer page images (PNG bytes) of one sheet.
pub fn revision_diff(older: &[u8], newer: &[u8]) -> Result<RevisionDiff, DiffError> {
    let old = decode(older)?;
    let new = decode(newer)?;
    let (w, h) = (new.width, new.height);
    let mut rgb = Vec::with_capacity(w as usize * h as usize * 3);
    let (mut added, mut removed) = (0u64, 0u64);
    let mut bounds = [u32::MAX, u32::MAX, 0, 0];
    for y in 0..h {
        for x in 0..w {
            let (xi, yi) = (x as i64, y as i64);
            let now = new.ink_in_frame(xi, yi, w, h);
            let before = old.ink_in_frame(xi, yi, w, h);
            let change = if now && !old.ink_near(xi, yi, w, h) {
                added += 1;
                Some(ADDED)
            } else if before && !new.ink_near(xi, yi, w, h) {
                removed += 1;
                Some(REMOVED)
            } else {
                None
            };
            match change {
                Some(color) => {
                    rgb.extend_from_slice(&color);
                    bounds = [
                        bounds[0].min(x),
                        bounds[1].min(y),
                        bounds[2].max(x + 1),
                        bounds[3].max(y + 1),
                    ];
                }
                None => {
                    // The newer page, faded so that the changes stand out.
                    let l = new.pixels[(y * w + x) as usize];
                    let faded = 255 - (255 - l) / 3;
                    rgb.extend_from_slice(&[faded, faded, faded]);
                }
            }
        }
    }
    let changed = (added + removed > 0).then(|| {
        [
            bounds[0] as f32 / w as f32,
            bounds[1] as f32 / h as f32,
            bounds[2] as f32 / w as f32,
            bounds[3] as f32 / h as f32,
        ]
    });
    let image = RgbImage {
        width: w,
        height: h,
        rgb,
    };
    Ok(RevisionDiff {
        png: encode_png(&image.rgb, w, h)?,
        width: w,
        height: h,
        added,
        removed,
        changed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A white `w`×`h` image with black rectangles (x0, y0, x1, y1 in pixels), as PNG.
    fn page(w: u32, h: u32, rects: &[(u32, u32, u32, u32)]) -> Vec<u8> {
        let mut rgb = vec![255u8; (w * h * 3) as usize];
        for &(x0, y0, x1, y1) in rects {
            for y in y0..y1 {
                for x in x0..x1 {
                    let i = ((y * w + x) * 3) as usize;
                    rgb[i..i + 3].copy_from_slice(&[0, 0, 0]);
                }
            }
        }
        encode_png(&rgb, w, h).unwrap()
    }

    #[test]
    fn the_same_page_has_no_changes() {
        let a = page(200, 100, &[(10, 10, 60, 12), (100, 40, 102, 90)]);
        let d = revision_diff(&a, &a).unwrap();
        assert_eq!((d.added, d.removed, d.changed), (0, 0, None));
        assert_eq!((d.width, d.height), (200, 100));
    }

    #[test]
    fn added_and_removed_ink_are_found_where_they_are() {
        let older = page(200, 100, &[(10, 10, 60, 12), (150, 70, 170, 80)]);
        let newer = page(200, 100, &[(10, 10, 60, 12), (100, 40, 120, 50)]);
        let d = revision_diff(&older, &newer).unwrap();
        assert_eq!(d.added, 200);
        assert_eq!(d.removed, 200);
        let [l, t, r, b] = d.changed.unwrap();
        assert_eq!([l, t, r, b], [0.5, 0.4, 0.85, 0.8]);
    }

    #[test]
    fn a_one_pixel_shift_is_not_a_change() {
        let older = page(200, 100, &[(10, 10, 60, 12)]);
        let newer = page(200, 100, &[(11, 11, 61, 13)]);
        assert_eq!(revision_diff(&older, &newer).unwrap().changed, None);
    }

    #[test]
    fn images_of_other_sizes_are_compared_in_the_newer_frame() {
        let older = page(100, 50, &[(5, 5, 30, 6)]);
        let newer = page(200, 100, &[(10, 10, 60, 12), (100, 40, 120, 50)]);
        let d = revision_diff(&older, &newer).unwrap();
        let [l, t, r, b] = d.changed.unwrap();
        assert!(
            l >= 0.49 && t >= 0.39 && r <= 0.61 && b <= 0.51,
            "{l} {t} {r} {b}"
        );
    }

    #[test]
    fn bytes_that_are_not_png_are_an_error() {
        assert!(revision_diff(b"not a png", b"nor this").is_err());
    }
}
