//! OCR goes where there is no text layer and nowhere else.

mod common;

use common::{TEXT_LAYER_DOCUMENTS, corpus_bytes as corpus};
use plansift_engine::ocr::{Ocr, TesseractCli};
use plansift_engine::{Document, Engine, TextSource};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

fn analyse(engine: &Engine, rel: &str) -> Vec<plansift_engine::PageAnalysis> {
    let doc = Document::open(Arc::new(corpus(rel))).unwrap();
    let mut pages = Vec::new();
    engine.run(&doc, 1..=doc.page_count(), &AtomicBool::new(false), |p| {
        pages.push(p.unwrap())
    });
    pages
}

/// Counts the calls made through it, whatever other tests do at the same time.
struct Counting {
    inner: TesseractCli,
    calls: Arc<std::sync::atomic::AtomicUsize>,
}

impl Ocr for Counting {
    fn recognize(
        &self,
        png: &[u8],
        layout: plansift_engine::ocr::Layout,
    ) -> Result<Vec<plansift_engine::ocr::OcrWord>, plansift_engine::ocr::OcrError> {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.recognize(png, layout)
    }
}

#[test]
fn text_layer_pages_never_go_through_ocr_and_scans_do() {
    let tesseract = TesseractCli::detect().expect("tesseract is installed by scripts/setup.sh");
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let engine = Engine::new().with_ocr(Some(Arc::new(Counting {
        inner: tesseract,
        calls: calls.clone(),
    }) as Arc<dyn Ocr>));
    let ocr_calls = || calls.load(std::sync::atomic::Ordering::SeqCst);
    let before = ocr_calls();
    let mut pages = 0;
    for rel in TEXT_LAYER_DOCUMENTS {
        for p in analyse(&engine, rel) {
            assert_eq!(
                p.text_source,
                TextSource::Vector,
                "{rel} p{}",
                p.page_number
            );
            pages += 1;
        }
    }
    assert_eq!(
        ocr_calls() - before,
        0,
        "OCR calls on {pages} text-layer pages"
    );
    assert!(pages > 400);

    let scanned = analyse(&engine, "derived_raster/E201A_raster150.pdf");
    assert!(ocr_calls() > before, "the counter counts");
    assert_eq!(scanned[0].text_source, TextSource::Ocr);
    let sheet = scanned[0].sheet.as_ref().unwrap();
    assert_eq!(sheet.number.as_ref().unwrap().text, "E201A");
    assert!(
        sheet.number.as_ref().unwrap().confidence < 0.99,
        "OCR confidence is carried"
    );
}

#[test]
fn without_an_ocr_engine_scans_end_with_a_warning() {
    let pages = analyse(&Engine::new(), "derived_raster/E201A_raster150.pdf");
    assert_eq!(pages[0].text_source, TextSource::None);
    assert!(
        pages[0].warnings[0].starts_with("ocr_unavailable"),
        "{:?}",
        pages[0].warnings
    );
}

/// The scanned E201A sheet with a vector text layer of notes added: text everywhere but the
/// title block, which is only in the image.
fn mixed_page() -> Vec<u8> {
    use lopdf::{Dictionary, Object, Stream, dictionary};
    let mut doc = lopdf::Document::load_mem(&corpus("derived_raster/E201A_raster150.pdf")).unwrap();
    let page_id = *doc.get_pages().get(&1).unwrap();
    let font = doc.add_object(
        dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" },
    );
    let content = b"BT /FNotes 24 Tf 100 2000 Td (GENERAL NOTES FOR ALL WORK SHOWN ON THIS SHEET) Tj 0 -40 Td (COORDINATE WITH EXISTING CONDITIONS BEFORE STARTING) Tj ET".to_vec();
    let notes = doc.add_object(Stream::new(Dictionary::new(), content));
    let page = doc.get_object_mut(page_id).unwrap().as_dict_mut().unwrap();
    let contents = match page.get(b"Contents").unwrap().clone() {
        Object::Array(mut a) => {
            a.push(Object::Reference(notes));
            a
        }
        other => vec![other, Object::Reference(notes)],
    };
    page.set("Contents", Object::Array(contents));
    let resources = page.get(b"Resources").unwrap().clone();
    let mut resources = match resources {
        Object::Reference(id) => doc.get_dictionary(id).unwrap().clone(),
        Object::Dictionary(d) => d,
        _ => Dictionary::new(),
    };
    resources.set("Font", dictionary! { "FNotes" => Object::Reference(font) });
    let page = doc.get_object_mut(page_id).unwrap().as_dict_mut().unwrap();
    page.set("Resources", Object::Dictionary(resources));
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

#[test]
fn a_text_layer_page_with_an_image_only_title_block_reads_the_title_block_by_ocr() {
    let tesseract = TesseractCli::detect().expect("tesseract is installed by scripts/setup.sh");
    let doc = Document::open(Arc::new(mixed_page())).unwrap();
    let vector_only = plansift_engine::analyze_page(&doc, 1).unwrap();
    assert!(vector_only.word_count >= 10, "the notes are a text layer");
    assert!(
        vector_only.sheet.as_ref().unwrap().number.is_none(),
        "no number in the text layer"
    );
    let page = plansift_engine::analyze_page_with(&doc, 1, Some(&tesseract as &dyn Ocr)).unwrap();
    assert_eq!(
        page.sheet.as_ref().unwrap().number.as_ref().unwrap().text,
        "E201A"
    );
    assert_eq!(page.text_source, TextSource::Ocr);
}
