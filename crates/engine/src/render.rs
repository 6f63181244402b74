//! Page images: thumbnails (longest side 1024 px by default) rendered with hayro.
//!
//! Rendering is guarded: the pixel size is computed from the displayed page size and clamped,
//! degenerate pages are refused, and a panic inside the renderer becomes a page error.

use crate::error::PageError;
use crate::pdf::{Document, guarded};
use hayro::hayro_interpret::InterpreterSettings;
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::{PixmapSettings, RenderCache, RenderSettings};

/// A rendered page as PNG bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageImage {
    pub png: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// The longest side of a thumbnail, in pixels (Result v1 `thumbnail`).
pub const THUMBNAIL_LONGEST_SIDE: u32 = 1024;

/// Renders a 1-based page so that its longest side is `longest` pixels (at most 8192).
pub fn render_page(doc: &Document, number: usize, longest: u32) -> Result<PageImage, PageError> {
    let g = doc.geometry(number)?;
    let longest = longest.clamp(16, 8192) as f32;
    let side = g.width.max(g.height);
    if !side.is_finite() || side < 1.0 || g.width < 0.5 || g.height < 0.5 {
        return Err(PageError::Unreadable {
            page: number,
            reason: "the page has no area".into(),
        });
    }
    // hayro truncates `side × scale` to whole pixels; aim half a pixel over so the longest
    // side comes out at exactly `longest`.
    let scale = (longest + 0.5) / side;
    let page = doc.page(number)?;
    let pixmap = guarded(number, || {
        let cache = RenderCache::new();
        let settings = PixmapSettings {
            x_scale: scale,
            y_scale: scale,
            bg_color: WHITE,
        };
        hayro::render(
            page,
            &cache,
            &InterpreterSettings::default(),
            &RenderSettings::default(),
            &settings,
        )
    })?;
    let (width, height) = (pixmap.width() as u32, pixmap.height() as u32);
    // Opaque on white: premultiplied RGBA is plain RGB; drop alpha to halve what PNG compresses.
    let rgba = pixmap.data_as_u8_slice();
    let mut rgb = Vec::with_capacity(rgba.len() / 4 * 3);
    for px in rgba.chunks_exact(4) {
        rgb.extend_from_slice(&px[..3]);
    }
    let png = encode_png(&rgb, width, height).map_err(|e| PageError::Unreadable {
        page: number,
        reason: format!("png: {e}"),
    })?;
    Ok(PageImage { png, width, height })
}

/// PNG with the fast DEFLATE mode: thumbnails are mostly white, so it compresses well, and
/// encoding was the larger share of thumbnail time with the default level.
pub fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Fast);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(rgb)?;
    }
    Ok(out)
}
