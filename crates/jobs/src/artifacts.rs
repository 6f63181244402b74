//! Artifact paths: the opaque strings clients see, and the blob keys behind them.
//!
//! Paths are made here and nowhere else; the server serves a path only when the job's result
//! references it, and maps it to a key with [`blob_key`], which refuses anything it did not make.

use serde::{Deserialize, Serialize};

/// What was written for one page before its commit.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageArtifacts {
    /// Thumbnail size in pixels, when one was rendered.
    pub thumbnail: Option<(u32, u32)>,
    pub vector_crop: bool,
    /// Indices of the page's regions that have a crop, with its size in pixels.
    #[serde(default)]
    pub region_crops: Vec<(usize, (u32, u32))>,
    /// Why an artifact is missing (the page itself succeeded).
    pub warnings: Vec<String>,
}

pub fn original_path(document_id: &str) -> String {
    format!("{document_id}/original.pdf")
}

pub fn thumbnail_path(document_id: &str, page: u32) -> String {
    format!("{document_id}/page-{page}.png")
}

pub fn vector_crop_path(document_id: &str, page: u32) -> String {
    format!("{document_id}/page-{page}.pdf")
}

/// The crop of region `index` (0-based, in the page's region order) of a page.
pub fn region_crop_path(document_id: &str, page: u32, index: usize) -> String {
    format!("{document_id}/page-{page}-region-{index}.png")
}

/// What changed on a page since the previous version of its sheet (PNG).
pub fn revision_diff_path(document_id: &str, page: u32) -> String {
    format!("{document_id}/page-{page}-diff.png")
}

/// The document's part of Result v1 as its own file.
pub fn extracted_path(document_id: &str) -> String {
    format!("{document_id}/extracted.json")
}

fn number(s: &str) -> bool {
    !s.is_empty() && s.len() <= 6 && s.bytes().all(|b| b.is_ascii_digit())
}

/// The blob key of a path made by this module, or `None` for anything else.
pub fn blob_key(path: &str) -> Option<String> {
    let (doc, file) = path.split_once('/')?;
    plansift_types::ids::parse_id(plansift_types::ids::IdKind::Document, doc)?;
    match file {
        "original.pdf" => return Some(format!("documents/{doc}")),
        "extracted.json" => return Some(format!("artifacts/{path}")),
        _ => {}
    }
    let page = file.strip_prefix("page-")?;
    let (stem, ext) = page.split_once('.')?;
    let made = match stem.split_once("-region-") {
        None if stem.ends_with("-diff") => number(&stem[..stem.len() - 5]) && ext == "png",
        None => number(stem) && (ext == "png" || ext == "pdf"),
        Some((n, i)) => number(n) && number(i) && ext == "png",
    };
    made.then(|| format!("artifacts/{path}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_made_paths_map_to_keys() {
        let doc = plansift_types::ids::new_id(plansift_types::ids::IdKind::Document);
        assert_eq!(
            blob_key(&original_path(&doc)),
            Some(format!("documents/{doc}"))
        );
        assert_eq!(
            blob_key(&thumbnail_path(&doc, 3)),
            Some(format!("artifacts/{doc}/page-3.png"))
        );
        assert_eq!(
            blob_key(&vector_crop_path(&doc, 12)),
            Some(format!("artifacts/{doc}/page-12.pdf"))
        );
        assert_eq!(
            blob_key(&region_crop_path(&doc, 2, 3)),
            Some(format!("artifacts/{doc}/page-2-region-3.png"))
        );
        assert_eq!(
            blob_key(&revision_diff_path(&doc, 4)),
            Some(format!("artifacts/{doc}/page-4-diff.png"))
        );
        assert_eq!(
            blob_key(&extracted_path(&doc)),
            Some(format!("artifacts/{doc}/extracted.json"))
        );
        for bad in [
            "../etc/passwd",
            &format!("{doc}/../x"),
            &format!("{doc}/page-1.png/.."),
            "doc_x/original.pdf",
            &format!("{doc}/page-.png"),
            &format!("/{doc}/original.pdf"),
            &format!("{doc}/page-1-region-x.png"),
            &format!("{doc}/page-1-region-2.pdf"),
            &format!("{doc}/extracted.json/.."),
            &format!("{doc}/page--diff.png"),
            &format!("{doc}/page-1-diff.pdf"),
        ] {
            assert_eq!(blob_key(bad), None, "{bad}");
        }
    }
}
