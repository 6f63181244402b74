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

/// An 8-bit RGB image, rows top to bottom.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RgbImage {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
}

impl RgbImage {
    pub fn to_png(&self) -> Result<PageImage, png::EncodingError> {
        Ok(PageImage {
            png: encode_png(&self.rgb, self.width, self.height)?,
            width: self.width,
            height: self.height,
        })
    }

    /// The part of the image inside `r` (normalized to the page, origin top-left) as PNG, or
    /// `None` when it covers less than 4×4 pixels.
    pub fn crop_png(&self, r: &crate::text::Rect) -> Option<PageImage> {
        let px = |v: f32, max: u32| ((v.clamp(0.0, 1.0) * max as f32).round() as u32).min(max);
        let (x0, x1) = (px(r.x0, self.width), px(r.x1, self.width));
        let (y0, y1) = (px(r.y0, self.height), px(r.y1, self.height));
        let (w, h) = (x1.saturating_sub(x0), y1.saturating_sub(y0));
        if w < 4 || h < 4 {
            return None;
        }
        let mut rgb = Vec::with_capacity((w * h * 3) as usize);
        for y in y0..y1 {
            let row = (y * self.width * 3) as usize;
            rgb.extend_from_slice(&self.rgb[row + (x0 * 3) as usize..row + (x1 * 3) as usize]);
        }
        RgbImage {
            width: w,
            height: h,
            rgb,
        }
        .to_png()
        .ok()
    }
}

/// Renders a 1-based page so that its longest side is `longest` pixels (at most 8192), as PNG.
pub fn render_page(doc: &Document, number: usize, longest: u32) -> Result<PageImage, PageError> {
    render_page_rgb(doc, number, longest)?
        .to_png()
        .map_err(|e| PageError::Unreadable {
            page: number,
            reason: format!("png: {e}"),
        })
}

/// Renders a 1-based page so that its longest side is `longest` pixels (at most 8192).
pub fn render_page_rgb(doc: &Document, number: usize, longest: u32) -> Result<RgbImage, PageError> {
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
    Ok(RgbImage { width, height, rgb })
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

/// An 8-bit grayscale image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrayImage {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

/// Renders the part `region` (displayed points) of a 1-based page at `dpi`, in grayscale, for
/// OCR. Only the region is rasterized, so a title-block crop of a large sheet stays small.
pub fn render_region(
    doc: &Document,
    number: usize,
    region: crate::text::Rect,
    dpi: f32,
) -> Result<GrayImage, PageError> {
    use hayro::kurbo::Affine;
    use hayro::vello_cpu::{Pixmap, RasterizerSettings, RenderContext, Resources, TargetInit};
    let scale = (dpi / 72.0) as f64;
    let w = ((region.x1 - region.x0) as f64 * scale).round();
    let h = ((region.y1 - region.y0) as f64 * scale).round();
    if !(1.0..=16_000.0).contains(&w) || !(1.0..=16_000.0).contains(&h) || w * h > 80_000_000.0 {
        return Err(PageError::Unreadable {
            page: number,
            reason: "the region to render is empty or too large".into(),
        });
    }
    let page = doc.page(number)?;
    let pixmap = guarded(number, || {
        let cache = RenderCache::new();
        let mut ctx = RenderContext::new(w as u16, h as u16);
        let transform = Affine::scale(scale)
            * Affine::translate((-(region.x0 as f64), -(region.y0 as f64)))
            * hayro::hayro_interpret::util::TransformExt::to_kurbo(&page.initial_transform(true));
        hayro::render_into(
            page,
            &cache,
            &InterpreterSettings::default(),
            &RenderSettings::default(),
            &mut ctx,
            transform,
        );
        ctx.flush();
        let mut pixmap = Pixmap::new(ctx.width(), ctx.height());
        ctx.render_with(
            &mut pixmap,
            &mut Resources::default(),
            RasterizerSettings {
                target_init: TargetInit::Clear(WHITE),
                ..Default::default()
            },
        );
        pixmap
    })?;
    let pixels = pixmap
        .data_as_u8_slice()
        .chunks_exact(4)
        .map(|p| ((p[0] as u32 * 299 + p[1] as u32 * 587 + p[2] as u32 * 114) / 1000) as u8)
        .collect();
    Ok(GrayImage {
        width: w as u32,
        height: h as u32,
        pixels,
    })
}

/// Grayscale PNG (what OCR reads).
pub fn encode_gray_png(image: &GrayImage) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, image.width, image.height);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Fast);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&image.pixels)?;
    }
    Ok(out)
}
