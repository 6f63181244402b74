//! One page in, one [`PageAnalysis`] out; many pages in, one [`DocumentAnalysis`] out.
//!
//! Page analysis is independent per page so pages can run on any worker; assembly runs once per
//! document over the stored page analyses (sections across pages, set-level sheet checks).

use crate::classify::{PageKind, classify, kind_from_size};
use crate::error::PageError;
use crate::ocr::Ocr;
use crate::pdf::{Document, PageGeometry};
use crate::sheet::{Field, SheetGuess, read_sheet};
use crate::spec_sections::{SpecSection, find_sections};
use crate::text::{PageStats, Rect, read_page};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextSource {
    Vector,
    Ocr,
    None,
}

impl TextSource {
    pub fn as_str(self) -> &'static str {
        match self {
            TextSource::Vector => "vector",
            TextSource::Ocr => "ocr",
            TextSource::None => "none",
        }
    }
}

/// A line of text with its box normalized to the page (0–1, origin top-left).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TextLine {
    pub text: String,
    pub bbox: Rect,
    pub size: f32,
}

/// What one page holds. Serializable so the job runner can persist it between page tasks and
/// document assembly.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PageAnalysis {
    pub page_number: u32,
    pub geometry: PageGeometry,
    pub kind: PageKind,
    pub text_source: TextSource,
    pub stats: PageStats,
    pub word_count: u32,
    /// For drawings: the title block reading.
    pub sheet: Option<SheetGuess>,
    /// For drawings: title block, notes, legends, schedules and view titles.
    #[serde(default)]
    pub regions: Vec<crate::regions::Region>,
    /// Why part of the page could not be read (`ocr_unavailable: …`), as `code: message`.
    #[serde(default)]
    pub warnings: Vec<String>,
    /// For documents: the text lines in reading order (spec and addendum assembly read them).
    pub lines: Vec<TextLine>,
    /// Every word of the page, for search and grep.
    #[serde(default)]
    pub words: PageWords,
}

/// A page's words in reading order with their boxes: compact enough to keep for every page.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PageWords {
    /// Lines in reading order joined by `\n`, the words of a line by single spaces; a word never
    /// holds whitespace, so the n-th whitespace-separated token is the n-th word.
    pub text: String,
    /// One box per word, in the order of `text`: left, top, right, bottom, normalized to the
    /// displayed page and scaled to 0–65535.
    pub boxes: Vec<[u16; 4]>,
}

/// The largest value of a [`PageWords`] box coordinate (the right or bottom edge of the page).
pub const BOX_SCALE: f32 = 65535.0;

impl PageWords {
    fn from_lines(
        words: &[crate::text::Word],
        lines: &[crate::text::Line],
        g: &PageGeometry,
    ) -> Self {
        let mut out = PageWords::default();
        let scale = |v: f32| (v.clamp(0.0, 1.0) * BOX_SCALE).round() as u16;
        for line in lines {
            let mut first = true;
            for &i in &line.words {
                let w = &words[i as usize];
                let token: String = w.text.chars().filter(|c| !c.is_whitespace()).collect();
                if token.is_empty() {
                    continue;
                }
                if !first {
                    out.text.push(' ');
                } else if !out.text.is_empty() {
                    out.text.push('\n');
                }
                first = false;
                out.text.push_str(&token);
                let b = normalize(&w.bbox, g);
                out.boxes
                    .push([scale(b.x0), scale(b.y0), scale(b.x1), scale(b.y1)]);
            }
        }
        out
    }
}

/// A sheet after the set-level check, boxes normalized.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sheet {
    pub page_number: u32,
    pub number: Option<Field>,
    pub title: Option<Field>,
    pub title_block: Option<Rect>,
    pub discipline_code: Option<String>,
    pub discipline: Option<String>,
    pub drawing_type: Option<String>,
    pub regions: Vec<crate::regions::Region>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DocumentAnalysis {
    pub sheets: Vec<Sheet>,
    pub sections: Vec<SpecSection>,
    /// Addenda and other documents, as titled sections with items.
    pub doc_sections: Vec<crate::addenda::DocSection>,
}

impl DocumentAnalysis {
    /// A file is a spec book when it has sections and no drawings, plans when it has drawings.
    pub fn detected_classification(&self, pages: &[PageAnalysis]) -> &'static str {
        let drawings = pages.iter().filter(|p| p.kind == PageKind::Drawing).count();
        if self.doc_sections.iter().any(|d| d.doc_type == "addendum") {
            return "addenda";
        }
        match (drawings, self.sections.len()) {
            (0, 0) => "documents",
            (0, _) => "specifications",
            (d, _) if d == pages.len() => "plans",
            _ => "mixed",
        }
    }
}

fn normalize(r: &Rect, g: &PageGeometry) -> Rect {
    let w = g.width.max(1.0);
    let h = g.height.max(1.0);
    Rect {
        x0: (r.x0 / w).clamp(0.0, 1.0),
        y0: (r.y0 / h).clamp(0.0, 1.0),
        x1: (r.x1 / w).clamp(0.0, 1.0),
        y1: (r.y1 / h).clamp(0.0, 1.0),
    }
}

fn normalize_field(f: Field, g: &PageGeometry) -> Field {
    Field {
        bbox: normalize(&f.bbox, g),
        ..f
    }
}

/// The most a field read by OCR is trusted.
const OCR_FIELD_CONFIDENCE: f32 = 0.75;

/// Below this, a sheet number read from the text layer is checked against an OCR reading of the
/// title block on pages whose line work may hold outlined text.
const WEAK_NUMBER: f32 = 0.3;

/// Analyses one 1-based page.
pub fn analyze_page(doc: &Document, number: usize) -> Result<PageAnalysis, PageError> {
    analyze_page_with(doc, number, None)
}

/// Analyses one 1-based page, reading pages without a usable text layer with `ocr`.
pub fn analyze_page_with(
    doc: &Document,
    number: usize,
    ocr: Option<&dyn Ocr>,
) -> Result<PageAnalysis, PageError> {
    let (geometry, mut text) = read_page(doc, number)?;
    let mut warnings = Vec::new();
    let mut ocr_boxes: Vec<(Rect, f32)> = Vec::new();
    let scanned = crate::ocr_page::needs_ocr(&text);
    let kind = if scanned {
        kind_from_size(&geometry)
    } else {
        classify(&geometry, &text.stats, text.words.len())
    };
    let mut text_source = if text.words.is_empty() {
        TextSource::None
    } else {
        TextSource::Vector
    };
    if scanned {
        match ocr {
            None => warnings.push(
                "ocr_unavailable: the page has no usable text layer and no OCR engine is installed"
                    .to_string(),
            ),
            Some(ocr) => match crate::ocr_page::read_words(
                doc,
                number,
                &geometry,
                kind,
                text.stats.image_dpi,
                ocr,
            ) {
                Ok(words) => {
                    ocr_boxes = words.iter().map(|(w, c)| (w.bbox, *c)).collect();
                    text.words = words.into_iter().map(|(w, _)| w).collect();
                    text_source = if text.words.is_empty() {
                        TextSource::None
                    } else {
                        TextSource::Ocr
                    };
                }
                Err(e) => warnings.push(format!("ocr_failed: {e}")),
            },
        }
    }
    let gap = match kind {
        PageKind::Drawing => crate::text::DRAWING_LINE_GAP,
        PageKind::Document => crate::text::DOCUMENT_LINE_GAP,
    };
    text.lines = crate::text::group_lines(&text.words, gap);
    let mut analysis = PageAnalysis {
        page_number: number as u32,
        geometry,
        kind,
        text_source,
        stats: text.stats,
        word_count: text.words.len() as u32,
        sheet: None,
        regions: Vec::new(),
        lines: Vec::new(),
        words: PageWords::default(),
        warnings,
    };
    analysis.words = PageWords::from_lines(&text.words, &text.lines, &geometry);
    match kind {
        PageKind::Drawing => {
            let mut guess = read_sheet(&text, geometry.width, geometry.height);
            // A mixed page: vector line work and text, but the title block is an image (a pasted
            // scan) or outlined strokes (SHX text). Read the title-block regions with OCR and the
            // sheet from both word sets.
            // A number read with little evidence (a postal code, a grid mark) is as good as none
            // when the real one may be outlined.
            let number_weak = guess
                .number
                .as_ref()
                .is_none_or(|n| n.confidence < WEAK_NUMBER);
            let mixed = number_weak
                && !scanned
                && (text.stats.image_coverage > 0.01 || text.stats.path_segments > 2000);
            if let (true, Some(ocr)) = (mixed, ocr) {
                match crate::ocr_page::read_words(
                    doc,
                    number,
                    &geometry,
                    kind,
                    text.stats.image_dpi,
                    ocr,
                ) {
                    Ok(words) if !words.is_empty() => {
                        let mut both = text.clone();
                        both.words.extend(words.iter().map(|(w, _)| w.clone()));
                        both.lines = crate::text::group_lines(&both.words, gap);
                        let reread = read_sheet(&both, geometry.width, geometry.height);
                        // Where the text layer gave a number, the OCR'd words only replace its
                        // reading when they give a surer one.
                        let sure = |g: &SheetGuess| g.number.as_ref().map_or(0.0, |n| n.confidence);
                        if guess.number.is_none() || sure(&reread) > sure(&guess) {
                            ocr_boxes = words.iter().map(|(w, c)| (w.bbox, *c)).collect();
                            text = both;
                            analysis.words =
                                PageWords::from_lines(&text.words, &text.lines, &geometry);
                            if reread.number.is_some() {
                                analysis.text_source = TextSource::Ocr;
                            }
                            guess = reread;
                        }
                    }
                    Ok(_) => {}
                    Err(e) => analysis.warnings.push(format!("ocr_failed: {e}")),
                }
            }
            if !ocr_boxes.is_empty() {
                // A field read by OCR is only as sure as the words it was read from, and never
                // as sure as printed text: one misread letter makes it wrong.
                let read = |f: &mut Field| {
                    f.confidence = (f.confidence
                        * crate::ocr_page::confidence_within(&ocr_boxes, &f.bbox))
                    .min(OCR_FIELD_CONFIDENCE);
                };
                guess.number.iter_mut().for_each(read);
                guess.title.iter_mut().for_each(read);
                for c in guess
                    .title_candidates
                    .iter_mut()
                    .chain(guess.corner_titles.iter_mut())
                {
                    read(&mut c.field);
                }
                if guess
                    .title
                    .as_ref()
                    .is_some_and(|t| t.confidence < crate::sheet::MIN_TITLE_CONFIDENCE)
                {
                    guess.title = None;
                }
            }
            let field_text = |f: &Option<Field>| {
                f.as_ref()
                    .map(|f| f.text.as_str())
                    .unwrap_or_default()
                    .to_string()
            };
            let summary = format!("{} {}", field_text(&guess.number), field_text(&guess.title))
                .trim()
                .to_string();
            analysis.regions = crate::regions::find_regions(&text, guess.title_block, &summary)
                .into_iter()
                .map(|r| crate::regions::Region {
                    bbox: normalize(&r.bbox, &geometry),
                    ..r
                })
                .collect();
            guess.number = guess.number.map(|f| normalize_field(f, &geometry));
            guess.title = guess.title.map(|f| normalize_field(f, &geometry));
            guess.title_block = guess.title_block.map(|r| normalize(&r, &geometry));
            guess.alternatives = guess
                .alternatives
                .into_iter()
                .map(|f| normalize_field(f, &geometry))
                .collect();
            for c in guess
                .title_candidates
                .iter_mut()
                .chain(guess.corner_titles.iter_mut())
            {
                c.field = normalize_field(c.field.clone(), &geometry);
            }
            analysis.sheet = Some(guess);
        }
        PageKind::Document => {
            analysis.lines = text
                .lines
                .iter()
                .filter(|l| l.dir == 0)
                .map(|l| TextLine {
                    text: l.text.clone(),
                    bbox: normalize(&l.bbox, &geometry),
                    size: l.size,
                })
                .collect();
        }
    }
    Ok(analysis)
}

/// Cross-page assembly of one document's analysed pages (in page order).
pub fn assemble(pages: &[PageAnalysis]) -> DocumentAnalysis {
    let guesses = crate::sheet::check_set(
        pages
            .iter()
            .filter(|p| p.kind == PageKind::Drawing)
            .map(|p| p.sheet.clone().unwrap_or_default())
            .collect(),
    );
    let sheets = pages
        .iter()
        .filter(|p| p.kind == PageKind::Drawing)
        .zip(guesses)
        .map(|(p, guess)| {
            let number_text = guess.number.as_ref().map(|f| f.text.clone());
            let title_text = guess.title.as_ref().map(|f| f.text.clone());
            let code = number_text.as_deref().and_then(crate::sheet::designator);
            Sheet {
                page_number: p.page_number,
                discipline: code
                    .as_deref()
                    .and_then(crate::sheet::discipline)
                    .map(str::to_string),
                drawing_type: crate::sheet::drawing_type(
                    number_text.as_deref(),
                    title_text.as_deref(),
                )
                .map(str::to_string),
                discipline_code: code,
                number: guess.number,
                title: guess.title,
                title_block: guess.title_block,
                regions: p.regions.clone(),
            }
        })
        .collect();
    let sections = find_sections(pages);
    let doc_sections = match crate::addenda::find_addendum(pages, &sections) {
        Some(addendum) => vec![addendum],
        None if sections.is_empty() => crate::addenda::titled_document(pages).into_iter().collect(),
        None => Vec::new(),
    };
    DocumentAnalysis {
        sheets,
        sections,
        doc_sections,
    }
}
