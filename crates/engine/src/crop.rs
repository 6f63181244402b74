//! Vector crops: each sheet as a single-page PDF that keeps its vector content.
//!
//! The source is parsed once per batch; each crop copies only the objects its page reaches
//! (never through `/Parent`), with the attributes the page inherits from its page tree
//! (`MediaBox`, `CropBox`, `Resources`, `Rotate`) written onto it.

use lopdf::{Dictionary, Object, ObjectId};
use std::collections::{BTreeMap, HashSet};

/// A parsed source document for cropping.
pub struct CropSource {
    doc: lopdf::Document,
    pages: BTreeMap<u32, ObjectId>,
}

const INHERITED: [&[u8]; 4] = [b"MediaBox", b"CropBox", b"Resources", b"Rotate"];

impl CropSource {
    pub fn parse(bytes: &[u8]) -> Result<CropSource, String> {
        let doc = std::panic::catch_unwind(|| lopdf::Document::load_mem(bytes))
            .map_err(|_| "the PDF could not be parsed for cropping".to_string())?
            .map_err(|e| e.to_string())?;
        let pages = doc.get_pages();
        Ok(CropSource { doc, pages })
    }

    /// A single-page PDF holding page `number` (1-based).
    pub fn page_pdf(&self, number: u32) -> Result<Vec<u8>, String> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.page_pdf_inner(number)))
            .map_err(|_| format!("page {number} could not be cropped"))?
    }

    fn page_pdf_inner(&self, number: u32) -> Result<Vec<u8>, String> {
        let page_id = *self
            .pages
            .get(&number)
            .ok_or_else(|| format!("no page {number}"))?;
        let mut page = self
            .doc
            .get_dictionary(page_id)
            .map_err(|e| e.to_string())?
            .clone();
        // Inherited attributes, nearest ancestor first.
        let mut parent = page.get(b"Parent").and_then(Object::as_reference).ok();
        let mut seen = HashSet::new();
        while let Some(pid) = parent.filter(|p| seen.insert(*p)) {
            let Ok(node) = self.doc.get_dictionary(pid) else {
                break;
            };
            for key in INHERITED {
                if !page.has(key)
                    && let Ok(v) = node.get(key)
                {
                    page.set(key, v.clone());
                }
            }
            parent = node.get(b"Parent").and_then(Object::as_reference).ok();
        }
        page.remove(b"Parent");
        page.remove(b"Annots"); // annotations point back into the source's page tree

        let mut out = lopdf::Document::with_version("1.7");
        let mut copied: BTreeMap<ObjectId, Object> = BTreeMap::new();
        let mut stack: Vec<ObjectId> = Vec::new();
        collect_refs(&Object::Dictionary(page.clone()), &mut stack);
        while let Some(id) = stack.pop() {
            if copied.contains_key(&id) {
                continue;
            }
            let Ok(obj) = self.doc.get_object(id) else {
                continue;
            };
            let mut obj = obj.clone();
            if let Object::Dictionary(d) = &mut obj {
                d.remove(b"Parent");
            }
            collect_refs(&obj, &mut stack);
            copied.insert(id, obj);
            if copied.len() > 1_000_000 {
                return Err("the page references too many objects".into());
            }
        }
        let max_id = copied
            .keys()
            .map(|id| id.0)
            .chain(std::iter::once(page_id.0))
            .max()
            .unwrap_or(0);
        out.objects = copied;
        let pages_id = (max_id + 1, 0);
        let new_page_id = (max_id + 2, 0);
        let catalog_id = (max_id + 3, 0);
        page.set("Parent", Object::Reference(pages_id));
        out.objects.insert(new_page_id, Object::Dictionary(page));
        let mut pages = Dictionary::new();
        pages.set("Type", Object::Name(b"Pages".to_vec()));
        pages.set("Kids", Object::Array(vec![Object::Reference(new_page_id)]));
        pages.set("Count", Object::Integer(1));
        out.objects.insert(pages_id, Object::Dictionary(pages));
        let mut catalog = Dictionary::new();
        catalog.set("Type", Object::Name(b"Catalog".to_vec()));
        catalog.set("Pages", Object::Reference(pages_id));
        out.objects.insert(catalog_id, Object::Dictionary(catalog));
        out.trailer.set("Root", Object::Reference(catalog_id));
        out.max_id = max_id + 3;
        let mut bytes = Vec::new();
        out.save_to(&mut bytes).map_err(|e| e.to_string())?;
        Ok(bytes)
    }
}

fn collect_refs(obj: &Object, out: &mut Vec<ObjectId>) {
    match obj {
        Object::Reference(id) => out.push(*id),
        Object::Array(items) => items.iter().for_each(|o| collect_refs(o, out)),
        Object::Dictionary(d) => d
            .iter()
            .filter(|(k, _)| k.as_slice() != b"Parent")
            .for_each(|(_, v)| collect_refs(v, out)),
        Object::Stream(s) => s
            .dict
            .iter()
            .filter(|(k, _)| k.as_slice() != b"Parent")
            .for_each(|(_, v)| collect_refs(v, out)),
        _ => {}
    }
}
