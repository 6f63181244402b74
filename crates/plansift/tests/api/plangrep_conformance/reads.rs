//! Result v1 sections, project files, docs, specifications, spec sections and facet text in
//! Plangrep's shapes (§4–§7), and every documented filter of the project reads.

use super::*;

#[tokio::test]
async fn result_sections_project_reads_and_spec_reads_are_plangreps() {
    let app = spawn_app().await;
    let (project, job, _) = read_project(&app).await;
    let p = format!("/projects/{project}");

    // Result v1: `specifications` only for specifications/mixed files, `docs` only for
    // documents/addenda/mixed files; null otherwise.
    let (_, result) = app.get(&format!("/jobs/{job}/result")).await;
    let docs = result["documents"].as_array().unwrap();
    let by_class = |c: &str| {
        docs.iter()
            .find(|d| d["classification"] == c)
            .unwrap()
            .clone()
    };
    let (plans, specs, addenda) = (
        by_class("plans"),
        by_class("specifications"),
        by_class("addenda"),
    );
    assert!(
        plans["specifications"].is_null() && plans["docs"].is_null(),
        "{plans}"
    );
    assert!(specs["specifications"].is_array() && specs["docs"].is_null());
    assert!(addenda["docs"].is_array() && addenda["specifications"].is_null());
    for d in docs {
        assert!(d.as_object().unwrap().contains_key("specifications"));
        assert!(d.as_object().unwrap().contains_key("docs"));
    }

    // Files: Plangrep's statuses, and the `status` filter honours them.
    let (status, body) = app.get(&format!("{p}/files")).await;
    assert_eq!(status, 200);
    let files = body["files"].as_array().unwrap();
    assert_eq!(files.len(), 3);
    for f in files {
        assert_eq!(f["status"], "complete", "{f}");
    }
    let (_, body) = app.get(&format!("{p}/files?status=complete")).await;
    assert_eq!(body["files"].as_array().unwrap().len(), 3, "{body}");
    for s in ["failed", "processing"] {
        let (status, body) = app.get(&format!("{p}/files?status={s}")).await;
        assert_eq!(status, 200);
        assert_eq!(body["total"], 0, "{s}: {body}");
    }
    let (status, body) = app.get(&format!("{p}/files?status=finished")).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "invalid_request");
    let file_id = files[0]["fileId"].as_str().unwrap();
    let (status, body) = app
        .get(&format!("{p}/files/{file_id}?status=complete"))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["file"]["status"], "complete");

    // Docs: Plangrep's ProjectDocEntity.
    let (status, body) = app.get(&format!("{p}/docs")).await;
    assert_eq!(status, 200);
    let list = body["docs"].as_array().unwrap();
    assert!(!list.is_empty());
    for d in list {
        for field in [
            "docId",
            "fileId",
            "fileName",
            "docType",
            "status",
            "artifacts",
        ] {
            assert!(d.get(field).is_some_and(|v| !v.is_null()), "{field}: {d}");
        }
        assert_eq!(d["status"], "complete");
        let types: Vec<&str> = d["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["type"].as_str().unwrap())
            .collect();
        assert!(types.contains(&"extracted_json"), "{d}");
        assert!(types.contains(&"thumbnail"), "{d}");
    }
    let doc_id = list[0]["docId"].as_str().unwrap();
    let (status, body) = app.get(&format!("{p}/docs/{doc_id}")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["doc"]["docId"], doc_id);

    // Specifications: artifacts and facets with Plangrep's fields.
    let (_, body) = app
        .get(&format!("{p}/specifications?sectionNumber=220800"))
        .await;
    let spec = body["specifications"][0].clone();
    assert_eq!(spec["sectionNumber"], "22 08 00", "{body}");
    let types: Vec<&str> = spec["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["type"].as_str().unwrap())
        .collect();
    assert!(types.contains(&"extracted_json"), "{spec}");
    let facets = spec["facets"].as_array().unwrap();
    assert_eq!(facets.len(), 3, "{spec}");
    for f in facets {
        for field in [
            "facetId",
            "facetKey",
            "facetKind",
            "facetLabel",
            "coverageKind",
            "facetText",
            "requirements",
            "pageStart",
            "pageEnd",
        ] {
            assert!(f.get(field).is_some_and(|v| !v.is_null()), "{field}: {f}");
        }
        assert!(["part", "article"].contains(&f["facetKind"].as_str().unwrap()));
        assert!(f["requirements"].is_array());
    }

    // Spec sections: every documented filter works.
    let spec_id = spec["specificationId"].as_str().unwrap();
    let sections = format!("{p}/specifications/{spec_id}/sections");
    let (_, all) = app.get(&sections).await;
    assert_eq!(all["total"], 3, "{all}");
    for number in ["220800", "22 08 00", "22-08-00"] {
        let (_, body) = app.get(&format!("{sections}?sectionNumber={number}")).await;
        assert_eq!(body["total"], 3, "{number}: {body}");
    }
    let (_, body) = app.get(&format!("{sections}?sectionNumber=099123")).await;
    assert_eq!(body["total"], 0, "{body}");
    let parts = all["sections"].as_array().unwrap();
    let later = parts
        .iter()
        .filter(|s| s["pageStart"].as_i64() >= Some(2))
        .count();
    let (_, body) = app.get(&format!("{sections}?pageStart=2")).await;
    assert_eq!(body["total"], later, "{body}");
    let early = parts
        .iter()
        .filter(|s| s["pageEnd"].as_i64() <= Some(1))
        .count();
    let (_, body) = app.get(&format!("{sections}?pageEnd=1")).await;
    assert_eq!(body["total"], early, "{body}");
    assert!(
        later < 3 || early < 3,
        "the page filters must select: {all}"
    );
    let (status, body) = app.get(&format!("{sections}?pageStart=two")).await;
    assert_eq!(status, 400, "{body}");

    // Source text of one facet: its text as printed, and as search matches it.
    let facet = &facets[0];
    let facet_id = facet["facetId"].as_str().unwrap();
    let (_, detail) = app.get(&format!("{sections}/{facet_id}")).await;
    let uri = format!("pgcat://{project}/spec/{spec_id}");
    let (status, body) = app
        .post(
            &format!("{p}/source-text"),
            json!({ "sourceCatalogUri": uri, "textKind": "facet_source_text", "facetId": facet_id }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["textKind"], "facet_source_text");
    assert_eq!(body["text"], detail["section"]["text"], "{body}");
    let (status, body) = app
        .post(
            &format!("{p}/source-text"),
            json!({ "sourceCatalogUri": uri, "textKind": "facet_match_text", "facetId": facet_id }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let text = body["text"].as_str().unwrap();
    assert!(
        !text.is_empty() && !text.contains('\n') && !text.contains("  "),
        "{text}"
    );
    // A facet kind without facetId, or facetId without a facet kind: refused, not ignored.
    for req in [
        json!({ "sourceCatalogUri": uri, "textKind": "facet_source_text" }),
        json!({ "sourceCatalogUri": uri, "textKind": "text", "facetId": facet_id }),
    ] {
        let (status, body) = app.post(&format!("{p}/source-text"), req).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["error"]["code"], "invalid_request");
    }
    let (status, _) = app
        .post(
            &format!("{p}/source-text"),
            json!({ "sourceCatalogUri": uri, "textKind": "facet_source_text", "facetId": "facet_01jxxxxxxxxxxxxxxxxxxxxxxx" }),
        )
        .await;
    assert_eq!(status, 404);
}

/// Every documented filter of the project reads selects: a matching value keeps rows and a
/// value that matches nothing leaves none (never silently ignored); every list has the
/// documented envelope.
#[tokio::test]
async fn every_documented_project_read_filter_selects() {
    let app = spawn_app().await;
    let (project, _job, _) = read_project(&app).await;
    let p = format!("/projects/{project}");
    let total = |path: String| {
        let app = &app;
        async move {
            let (status, body) = app.get(&path).await;
            assert_eq!(status, 200, "{path}: {body}");
            has_fields(
                &body,
                &[
                    "total",
                    "limit",
                    "cursor",
                    "nextCursor",
                    "returnedCount",
                    "hasMore",
                    "pageInfo",
                ],
            );
            has_fields(
                &body["pageInfo"],
                &["startCursor", "endCursor", "hasPreviousPage", "hasNextPage"],
            );
            body["total"].as_i64().unwrap()
        }
    };
    let (_, sheets) = app.get(&format!("{p}/sheets")).await;
    let sheet = &sheets["sheets"][0];
    let sheet_id = sheet["sheetId"].as_str().unwrap();
    let file_id = sheet["fileId"].as_str().unwrap();
    for (path, hit, miss) in [
        (
            format!("{p}/sheets"),
            "sheetNumber=E-201A",
            "sheetNumber=E-999",
        ),
        (format!("{p}/sheets"), "pageNumber=1", "pageNumber=7"),
        (
            format!("{p}/sheets"),
            "discipline=electrical",
            "discipline=civil",
        ),
        (
            format!("{p}/sheets"),
            "drawingType=floor_plan",
            "drawingType=elevation",
        ),
        (
            format!("{p}/sheets"),
            &format!("fileId={file_id}") as &str,
            "fileId=doc_01jzzzzzzzzzzzzzzzzzzzzzzz",
        ),
        (
            format!("{p}/sheets"),
            "fileName=FLOOR",
            "fileName=nothing-like-it",
        ),
        (
            format!("{p}/sheets"),
            "classification=plans",
            "classification=addenda",
        ),
        (format!("{p}/sheets"), "status=complete", "status=failed"),
        (
            format!("{p}/sheets"),
            &format!("sheets={sheet_id}") as &str,
            "sheets=sheet_01jzzzzzzzzzzzzzzzzzzzzzzz",
        ),
        (
            format!("{p}/regions"),
            "regionType=legend",
            "regionType=schedule",
        ),
        (
            format!("{p}/regions"),
            "layoutType=text_block",
            "layoutType=viewport",
        ),
        (
            format!("{p}/regions"),
            &format!("sheetId={sheet_id}") as &str,
            "sheetId=sheet_01jzzzzzzzzzzzzzzzzzzzzzzz",
        ),
        (format!("{p}/regions"), "pageNumber=1", "pageNumber=9"),
        (
            format!("{p}/regions"),
            "drawingType=floor_plan",
            "drawingType=schedule",
        ),
        (
            format!("{p}/specifications"),
            "sectionNumber=22-08-00",
            "sectionNumber=099123",
        ),
        (format!("{p}/specifications"), "pageStart=1", "pageStart=99"),
        (format!("{p}/specifications"), "pageEnd=2", "pageEnd=0"),
        (format!("{p}/docs"), "docType=addendum", "docType=rfi"),
        (
            format!("{p}/files"),
            "classification=addenda",
            "classification=other",
        ),
        (
            format!("{p}/files"),
            "fileName=addendum",
            "fileName=nothing-like-it",
        ),
    ] {
        assert!(total(format!("{path}?{hit}")).await > 0, "{path}?{hit}");
        assert_eq!(total(format!("{path}?{miss}")).await, 0, "{path}?{miss}");
    }
    // Every documented value of an enum filter is taken (200, never 400).
    let disciplines = [
        "general",
        "civil",
        "landscape",
        "structural",
        "architectural",
        "interiors",
        "fire_protection",
        "plumbing",
        "mechanical",
        "electrical",
        "telecommunications",
    ];
    let drawing_types = [
        "cover",
        "index",
        "general_notes",
        "site_plan",
        "floor_plan",
        "plan",
        "elevation",
        "section",
        "enlarged_view",
        "detail",
        "schedule",
        "diagram",
        "three_d",
        "other",
    ];
    let region_types = [
        "title_block",
        "plan",
        "elevation",
        "section",
        "detail",
        "schedule",
        "note",
        "legend",
        "other",
    ];
    let doc_types = [
        "addendum",
        "rfi",
        "submittal",
        "report",
        "schedule",
        "letter",
        "form",
        "other",
    ];
    let classifications = [
        "plans",
        "specifications",
        "documents",
        "addenda",
        "mixed",
        "other",
    ];
    let mut queries = Vec::new();
    for v in disciplines {
        queries.push(format!("{p}/sheets?discipline={v}"));
    }
    for v in drawing_types {
        queries.push(format!("{p}/sheets?drawingType={v}"));
        queries.push(format!("{p}/regions?drawingType={v}"));
    }
    for v in region_types {
        queries.push(format!("{p}/regions?regionType={v}"));
    }
    for v in doc_types {
        queries.push(format!("{p}/docs?docType={v}"));
    }
    for list in ["files", "sheets", "regions", "specifications", "docs"] {
        for v in classifications {
            queries.push(format!("{p}/{list}?classification={v}"));
        }
        for v in ["complete", "processing", "failed"] {
            queries.push(format!("{p}/{list}?status={v}"));
        }
        queries.push(format!("{p}/{list}?fileId={file_id}&compact=true&limit=1"));
    }
    for q in queries {
        total(q).await;
    }
    // The shared filters select on every list: this file's rows, none of another's.
    for list in ["sheets", "regions"] {
        assert!(
            total(format!("{p}/{list}?fileId={file_id}")).await > 0,
            "{list}"
        );
        assert_eq!(
            total(format!("{p}/{list}?fileId=doc_01jzzzzzzzzzzzzzzzzzzzzzzz")).await,
            0
        );
    }
    for list in ["specifications", "docs", "files"] {
        assert!(
            total(format!("{p}/{list}?status=complete")).await > 0,
            "{list}"
        );
        assert_eq!(
            total(format!("{p}/{list}?status=failed")).await,
            0,
            "{list}"
        );
        assert_eq!(
            total(format!("{p}/{list}?fileName=nothing-like-it")).await,
            0,
            "{list}"
        );
    }
    let n = total(format!("{p}/sheets/{sheet_id}/regions")).await;
    assert!(n > 0);
    assert_eq!(
        total(format!("{p}/sheets/{sheet_id}/regions?regionType=schedule")).await,
        0
    );
    // A single read takes the filters as guards.
    let (status, _) = app
        .get(&format!("{p}/sheets/{sheet_id}?discipline=electrical"))
        .await;
    assert_eq!(status, 200);
    let (status, body) = app
        .get(&format!("{p}/sheets/{sheet_id}?discipline=civil"))
        .await;
    assert_eq!(status, 404, "{body}");
    // compact drops artifact urls.
    let (_, compact) = app
        .get(&format!("{p}/sheets/{sheet_id}?compact=true"))
        .await;
    assert!(compact["sheet"]["artifacts"][0].get("url").is_none());

    // Source search: the documented answer and every entity type.
    for kind in ["sheet", "region", "specification", "doc"] {
        let query = match kind {
            "sheet" => "floor",
            "region" => "legend",
            "specification" => "commissioning",
            _ => "addendum",
        };
        let (status, body) = app
            .post(
                &format!("{p}/source-search"),
                json!({ "query": query, "entityTypes": [kind] }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        has_fields(
            &body,
            &["status", "query", "hitCount", "searchedCount", "hits"],
        );
        assert_eq!(body["status"], "success");
        let hits = body["hits"].as_array().unwrap();
        assert!(!hits.is_empty(), "{kind}: {body}");
        for h in hits {
            has_fields(h, &["score", "snippet", "sourceCatalogUri", "source"]);
            has_fields(
                &h["source"],
                &["type", "id", "fileId", "fileName", "pageNumber"],
            );
            assert!(
                h["sourceCatalogUri"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("pgcat://{project}/"))
            );
        }
        // Source text in every documented whole-entry kind.
        let uri = hits[0]["sourceCatalogUri"].as_str().unwrap();
        for text_kind in ["text", "markdown", "page_regions"] {
            let (status, body) = app
                .post(
                    &format!("{p}/source-text"),
                    json!({ "sourceCatalogUri": uri, "textKind": text_kind, "maxChars": 50 }),
                )
                .await;
            assert_eq!(status, 200, "{kind} {text_kind}: {body}");
            has_fields(
                &body,
                &[
                    "status",
                    "sourceCatalogUri",
                    "textKind",
                    "text",
                    "totalChars",
                    "nextCursor",
                ],
            );
            assert_eq!(body["textKind"], text_kind);
        }
    }
    let (status, body) = app
        .post(
            &format!("{p}/source-search"),
            json!({ "query": "floor", "entityTypes": ["page"] }),
        )
        .await;
    assert_eq!(status, 400, "{body}");
}
