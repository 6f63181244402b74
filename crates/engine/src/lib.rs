//! `plansift-engine` reads construction documents. It knows nothing of servers, databases or
//! async runtimes: it takes the bytes of a PDF and returns plain data.
//!
//! - [`Document`] opens a PDF (hayro), telling bad input ([`DocumentError`]) apart.
//! - [`analyze_page`] reads one page: words and lines with boxes in displayed coordinates,
//!   page statistics, the page kind, and for drawings the title-block fields.
//! - [`assemble`] runs once per document over its analysed pages: sheets after the set-level
//!   check, specification sections across pages.
//! - [`render::render_page`] draws a page to PNG (thumbnails); [`crop::CropSource`] cuts a sheet
//!   out as a single-page vector PDF; [`revision_diff::revision_diff`] pictures what changed
//!   between two versions of a sheet.
//! - [`Engine`] drives a whole document page by page into a caller's sink, with a stop flag.
//!
//! ```no_run
//! use std::sync::Arc;
//! use std::sync::atomic::AtomicBool;
//! let bytes = Arc::new(std::fs::read("set.pdf").unwrap());
//! let doc = plansift_engine::Document::open(bytes).unwrap();
//! let stop = AtomicBool::new(false);
//! let mut pages = Vec::new();
//! plansift_engine::Engine::new().run(&doc, 1..=doc.page_count(), &stop, |page| pages.push(page));
//! let analysis = plansift_engine::assemble(&pages.into_iter().filter_map(Result::ok).collect::<Vec<_>>());
//! println!("{} sheets", analysis.sheets.len());
//! ```

pub mod addenda;
mod analysis;
mod classify;
pub mod crop;
mod error;
pub mod field_labels;
pub mod limits;
pub mod ocr;
pub mod ocr_page;
mod pdf;
pub mod references;
pub mod regions;
pub mod render;
pub mod revision_block;
pub mod revision_diff;
pub mod sheet;
pub mod sheet_index;
pub mod spec_paragraphs;
pub mod spec_sections;
pub mod submittal_types;
pub mod submittals;
pub mod text;
pub mod title_block;
mod word_rows;

pub use analysis::{
    BOX_SCALE, DocumentAnalysis, PageAnalysis, PageWords, Sheet, TextLine, TextSource,
    analyze_page, analyze_page_with, assemble,
};
pub use classify::{PageKind, classify, kind_from_size};
pub use error::{DocumentError, PageError};
pub use pdf::{Document, PageGeometry, looks_like_pdf};

use std::ops::RangeInclusive;
use std::sync::atomic::{AtomicBool, Ordering};

/// Drives page analysis over a range of pages, pushing each result into a sink; the stop flag
/// ends the work at the next page boundary.
#[derive(Clone, Default)]
pub struct Engine {
    ocr: Option<std::sync::Arc<dyn ocr::Ocr>>,
}

impl Engine {
    pub fn new() -> Engine {
        Engine { ocr: None }
    }

    /// Reads pages without a usable text layer with this OCR engine.
    pub fn with_ocr(mut self, ocr: Option<std::sync::Arc<dyn ocr::Ocr>>) -> Engine {
        self.ocr = ocr;
        self
    }

    pub fn has_ocr(&self) -> bool {
        self.ocr.is_some()
    }

    /// Analyses `pages` (1-based, inclusive) in order. Returns how many pages were pushed.
    pub fn run(
        &self,
        doc: &Document,
        pages: RangeInclusive<usize>,
        stop: &AtomicBool,
        mut sink: impl FnMut(Result<PageAnalysis, PageError>),
    ) -> usize {
        let mut done = 0;
        for n in pages {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            sink(analyze_page_with(doc, n, self.ocr.as_deref()));
            done += 1;
        }
        done
    }
}
