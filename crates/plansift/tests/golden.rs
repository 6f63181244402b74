//! Golden results: what `plansift process` reads from each corpus document, pinned by `insta`
//! snapshots (ids, times and hashes left out). A change in the engine's answers shows up as a
//! snapshot diff to review (`cargo insta review`), not as a silent drift.

mod common;

use common::{TEXT_LAYER_DOCUMENTS, corpus_bytes};
use serde_json::{Value, json};
use std::path::Path;

/// The answers of a result without ids, times or hashes.
fn summary(result: &Value) -> Value {
    let doc = &result["documents"][0];
    let regions: Vec<Value> = result["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "region")
        .map(|e| json!([e["pageNumber"], e["regionType"], e["label"]]))
        .collect();
    json!({
        "status": doc["status"],
        "detectedClassification": doc["detectedClassification"],
        "pages": doc["pages"].as_array().unwrap().iter().map(|p| json!([p["pageNumber"], p["kind"], p["rotation"], p["textSource"]])).collect::<Vec<_>>(),
        "sheets": doc["sheets"].as_array().unwrap().iter().map(|s| json!({
            "page": s["pageNumber"], "number": s["sheetNumber"], "name": s["sheetName"],
            "discipline": s["discipline"], "drawingType": s["drawingType"],
            "references": s["references"].as_array().unwrap().iter().map(|r| json!([r["type"], r["text"], r["status"]])).collect::<Vec<_>>(),
            "revisions": s["revisions"].as_array().unwrap().iter().map(|r| json!([r["mark"], r["date"], r["description"]])).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "regions": regions,
        "specifications": doc["specifications"].as_array().map(|specs| specs.iter().map(|s| json!({
            "number": s["sectionNumber"], "title": s["sectionTitle"], "pages": [s["pageStart"], s["pageEnd"]],
            "parts": s["parts"].as_array().unwrap().iter().map(|p| format!("{} {}", p["label"].as_str().unwrap(), p["title"].as_str().unwrap())).collect::<Vec<_>>(),
            "articles": s["articles"].as_array().unwrap().len(),
            "relatedSections": s["relatedSections"],
        })).collect::<Vec<_>>()),
        "docs": doc["docs"].as_array().map(|docs| docs.iter().map(|d| json!({
            "type": d["docType"], "title": d["title"], "pages": [d["pageStart"], d["pageEnd"]],
            "items": d["items"].as_array().unwrap().iter().map(|i| json!([i["label"], i["pageNumber"], i["references"]])).collect::<Vec<_>>(),
        })).collect::<Vec<_>>()),
        "sheetIndexEntries": doc["sheetIndex"]["entries"].as_array().map(Vec::len),
        "errors": result["errors"].as_array().unwrap().iter().map(|e| e["code"].clone()).collect::<Vec<_>>(),
    })
}

#[test]
fn corpus_documents_read_as_pinned() {
    for rel in TEXT_LAYER_DOCUMENTS {
        let bytes = corpus_bytes(rel);
        let name = Path::new(rel)
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .replace([' ', '&', '(', ')'], "_");
        let result = serde_json::to_value(plansift_jobs::process_file(rel, bytes, None)).unwrap();
        for sheet in result["documents"][0]["sheets"].as_array().unwrap() {
            let (tb, n) = (
                &sheet["titleBlock"]["box"],
                &sheet["fields"]["sheetNumber"]["box"],
            );
            if n.is_object() {
                let inside = tb["left"].as_f64() <= n["left"].as_f64()
                    && tb["top"].as_f64() <= n["top"].as_f64()
                    && tb["right"].as_f64() >= n["right"].as_f64()
                    && tb["bottom"].as_f64() >= n["bottom"].as_f64();
                assert!(
                    inside,
                    "{rel}: the title block {tb} does not hold the sheet number {n}"
                );
            }
        }
        insta::assert_json_snapshot!(name, summary(&result));
    }
}
