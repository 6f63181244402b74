//! Opening PDFs with hayro and guarding every call into it.
//!
//! hayro is young: a hostile file may make it panic. Every entry that interprets page content
//! goes through [`guarded`], so a panic becomes a page error instead of taking the process down.

use crate::error::{DocumentError, PageError};
use hayro_syntax::Pdf;
use hayro_syntax::page::{Page, Rotation};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

/// An opened PDF. Cheap to share between threads (`Pdf` is `Send + Sync`).
pub struct Document {
    pdf: Pdf,
    /// Each page's [`crate::limits`] check, made on first use.
    checked: Vec<std::sync::OnceLock<Result<(), PageError>>>,
}

/// Size and orientation of a page as a person sees it.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PageGeometry {
    /// Width in PDF points, rotation applied.
    pub width: f32,
    /// Height in PDF points, rotation applied.
    pub height: f32,
    /// `/Rotate` in degrees: 0, 90, 180 or 270.
    pub rotation: u16,
}

impl Document {
    /// Opens a PDF from its bytes. Non-PDF, damaged and password-protected files are
    /// [`DocumentError`]s, never panics.
    pub fn open(bytes: Arc<Vec<u8>>) -> Result<Document, DocumentError> {
        if !looks_like_pdf(&bytes) {
            return Err(DocumentError::UnsupportedFormat);
        }
        let opened = catch_unwind(AssertUnwindSafe(|| Pdf::new(bytes)));
        let pdf = match opened {
            Ok(Ok(pdf)) => pdf,
            Ok(Err(hayro_syntax::LoadPdfError::Decryption(_))) => {
                return Err(DocumentError::Encrypted);
            }
            Ok(Err(hayro_syntax::LoadPdfError::Invalid)) => {
                return Err(DocumentError::Corrupt(
                    "no readable document structure".into(),
                ));
            }
            Err(_) => {
                return Err(DocumentError::Corrupt(
                    "the parser gave up on this file".into(),
                ));
            }
        };
        let pages = catch_unwind(AssertUnwindSafe(|| pdf.pages().len()))
            .map_err(|_| DocumentError::Corrupt("the page tree cannot be read".into()))?;
        if pages == 0 {
            return Err(DocumentError::Corrupt("the document has no pages".into()));
        }
        let checked = (0..pages).map(|_| std::sync::OnceLock::new()).collect();
        Ok(Document { pdf, checked })
    }

    pub fn page_count(&self) -> usize {
        self.pdf.pages().len()
    }

    /// The page at a 1-based number, once it is known to stay within the resource limits of
    /// [`crate::limits`]: nothing reads a page before that.
    pub(crate) fn page(&self, number: usize) -> Result<&Page<'_>, PageError> {
        let index = number.checked_sub(1).ok_or(PageError::NoSuchPage(number))?;
        let page = self
            .pdf
            .pages()
            .get(index)
            .ok_or(PageError::NoSuchPage(number))?;
        if let Some(check) = self.checked.get(index) {
            check
                .get_or_init(|| {
                    guarded(number, || crate::limits::check_page(page, number)).and_then(|r| r)
                })
                .clone()?;
        }
        Ok(page)
    }

    /// Whether page `number` stays within the resource limits ([`crate::limits`]).
    pub fn check_limits(&self, number: usize) -> Result<(), PageError> {
        self.page(number).map(|_| ())
    }

    /// Displayed size and rotation of a 1-based page.
    pub fn geometry(&self, number: usize) -> Result<PageGeometry, PageError> {
        // The page's size is read from its dictionary alone: no limit check needed.
        let page = number
            .checked_sub(1)
            .and_then(|i| self.pdf.pages().get(i))
            .ok_or(PageError::NoSuchPage(number))?;
        guarded(number, || {
            let (width, height) = page.render_dimensions();
            let rotation = match page.rotation() {
                Rotation::None => 0,
                Rotation::Horizontal => 90,
                Rotation::Flipped => 180,
                Rotation::FlippedHorizontal => 270,
            };
            PageGeometry {
                width,
                height,
                rotation,
            }
        })
    }
}

/// A PDF starts with `%PDF-` within its first kilobyte (readers tolerate leading junk).
pub fn looks_like_pdf(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024)];
    head.windows(5).any(|w| w == b"%PDF-")
}

/// Runs `f`, turning a panic inside the PDF stack into a page error.
pub(crate) fn guarded<T>(page: usize, f: impl FnOnce() -> T) -> Result<T, PageError> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|panic| {
        let reason = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "the page content could not be interpreted".into());
        PageError::Unreadable { page, reason }
    })
}
