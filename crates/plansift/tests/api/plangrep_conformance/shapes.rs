//! Every documented field and enum value of projects, jobs, events and Result v1.

use super::*;

/// Every documented field of the project, job, events and Result v1, with their enum values,
/// id and time formats.
#[tokio::test]
async fn projects_jobs_and_results_have_every_documented_field_and_value() {
    let app = spawn_app().await;
    let (status, created) = app.post("/projects", json!({ "name": "Shapes" })).await;
    assert_eq!(status, 202);
    has_fields(
        &created["billing"],
        &["availableCredits", "creditsCharged", "requiredCredits"],
    );
    let (project, job, done) = {
        let project = created["project"]["id"].as_str().unwrap().to_string();
        app.create_project("Shapes 2").await;
        let (status, body) = app
            .post(
                &format!("/projects/{project}/jobs"),
                json!({ "externalId": "x-1" }),
            )
            .await;
        assert_eq!(status, 202);
        assert!(
            body["webhookSigningSecret"]
                .as_str()
                .unwrap()
                .starts_with("wss_")
        );
        let job = body["job"]["id"].as_str().unwrap().to_string();
        assert_eq!(body["job"]["status"], "awaiting_uploads");
        app.upload(
            &job,
            vec![
                Upload::file("file0", &corpus(SHEET), "plans"),
                Upload::file("file1", &corpus(SPEC), "specifications"),
            ],
        )
        .await;
        assert_eq!(app.complete(&job).await.0, 202);
        let done = app.wait_job(&job).await;
        (project, job, done)
    };

    let (_, p) = app.get(&format!("/projects/{project}")).await;
    let p = &p["project"];
    has_fields(
        p,
        &[
            "id",
            "name",
            "projectKind",
            "status",
            "runtime",
            "createdAt",
            "updatedAt",
        ],
    );
    assert!(is_id(&p["id"], "proj"));
    assert_eq!(p["projectKind"], "open_api");
    one_of(&p["status"], &["provisioning", "ready"]);
    one_of(&p["runtime"]["status"], &["starting", "running"]);
    assert!(p["runtime"]["upgradeStatus"].is_null());
    assert!(is_time(&p["createdAt"]) && is_time(&p["updatedAt"]));
    let (_, list) = app.get("/projects").await;
    assert_eq!(list["projects"][0]["name"], "Shapes 2", "newest first");

    has_fields(
        &done,
        &[
            "id",
            "projectId",
            "externalId",
            "status",
            "limits",
            "pageCount",
            "successfulPageCount",
            "failedPageCount",
            "progress",
            "billing",
            "files",
            "resultUrl",
            "error",
            "createdAt",
            "updatedAt",
            "completedAt",
            "expiresAt",
        ],
    );
    assert!(is_id(&done["id"], "job"));
    assert_eq!(done["status"], "completed");
    assert_eq!(
        done["limits"],
        json!({ "maxDeclaredBytes": 10_000_000_000i64, "maxFiles": 100 })
    );
    has_fields(&done["progress"], &["pagesDone", "pagesTotal"]);
    has_fields(&done["billing"], &["creditsReserved", "creditsDebited"]);
    for f in done["files"].as_array().unwrap() {
        has_fields(f, &["id", "fileName", "status", "error"]);
        assert!(is_id(&f["id"], "doc"));
    }
    assert!(is_time(&done["completedAt"]) && is_time(&done["expiresAt"]));
    let (_, jobs) = app.get(&format!("/projects/{project}/jobs")).await;
    assert_eq!(jobs["jobs"][0]["id"], job.as_str());
    let (_, events) = app.get(&format!("/jobs/{job}/events")).await;
    for e in events["events"].as_array().unwrap() {
        has_fields(e, &["id", "type", "previousStatus", "status", "createdAt"]);
        assert_eq!(e["type"], "job.status_changed");
    }

    let (_, r) = app.get(&format!("/jobs/{job}/result")).await;
    has_fields(
        &r,
        &[
            "schemaVersion",
            "job",
            "usage",
            "documents",
            "evidence",
            "warnings",
            "errors",
            "generatedAt",
        ],
    );
    assert_eq!(r["schemaVersion"], "v1");
    has_fields(
        &r["job"],
        &[
            "id",
            "status",
            "externalId",
            "createdAt",
            "completedAt",
            "expiresAt",
            "resultUrl",
            "error",
        ],
    );
    has_fields(
        &r["usage"],
        &[
            "pageCount",
            "successfulPageCount",
            "failedPageCount",
            "drawingPageCount",
            "documentPageCount",
            "successfulDrawingPageCount",
            "successfulDocumentPageCount",
            "drawingCreditsPerPage",
            "documentCreditsPerPage",
            "creditsDebited",
        ],
    );
    let classifications = [
        "plans",
        "specifications",
        "documents",
        "addenda",
        "mixed",
        "other",
    ];
    for d in r["documents"].as_array().unwrap() {
        has_fields(
            d,
            &[
                "documentId",
                "fileName",
                "classification",
                "detectedClassification",
                "contentType",
                "fileSize",
                "sha256",
                "status",
                "pageCount",
                "successfulPageCount",
                "failedPageCount",
                "error",
                "artifacts",
                "pages",
                "sheets",
                "specifications",
                "docs",
            ],
        );
        one_of(&d["classification"], &classifications);
        one_of(
            &d["status"],
            &["completed", "completed_with_errors", "failed"],
        );
        for page in d["pages"].as_array().unwrap() {
            has_fields(
                page,
                &[
                    "pageNumber",
                    "kind",
                    "width",
                    "height",
                    "rotation",
                    "textSource",
                ],
            );
            one_of(&page["kind"], &["drawing", "document"]);
            one_of(&page["textSource"], &["vector", "ocr", "none"]);
        }
        for a in d["artifacts"].as_array().unwrap() {
            has_fields(a, &["type", "path", "url", "contentType"]);
            one_of(
                &a["type"],
                &[
                    "original",
                    "thumbnail",
                    "vector_crop",
                    "region_crop",
                    "extracted_json",
                ],
            );
        }
        for s in d["sheets"].as_array().unwrap() {
            has_fields(
                s,
                &[
                    "sheetId",
                    "pageNumber",
                    "sheetNumber",
                    "sheetName",
                    "sheetDisplayName",
                    "discipline",
                    "disciplineCode",
                    "drawingType",
                    "titleBlock",
                    "fields",
                    "regionIds",
                    "artifacts",
                ],
            );
            assert!(is_id(&s["sheetId"], "sheet"));
            one_of(
                &s["drawingType"],
                &[
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
                ],
            );
            has_fields(&s["fields"], &["sheetNumber", "sheetName"]);
        }
        for s in d["specifications"].as_array().into_iter().flatten() {
            has_fields(
                s,
                &[
                    "specificationId",
                    "sectionNumber",
                    "sectionTitle",
                    "pageStart",
                    "pageEnd",
                    "startBox",
                    "parts",
                    "articles",
                    "referencedStandards",
                    "relatedSections",
                    "confidence",
                ],
            );
            assert!(is_id(&s["specificationId"], "spec"));
            for part in s["parts"].as_array().unwrap() {
                has_fields(part, &["label", "title", "pageStart", "pageEnd"]);
            }
        }
    }
    for e in r["evidence"].as_array().unwrap() {
        has_fields(
            e,
            &[
                "id",
                "type",
                "label",
                "text",
                "documentId",
                "pageNumber",
                "box",
                "sourceCatalogUri",
            ],
        );
        one_of(
            &e["type"],
            &[
                "region",
                "sheet_field",
                "spec_section",
                "spec_part",
                "doc_item",
                "reference",
            ],
        );
        if e["type"] == "region" {
            one_of(
                &e["regionType"],
                &[
                    "title_block",
                    "plan",
                    "elevation",
                    "section",
                    "detail",
                    "schedule",
                    "note",
                    "legend",
                    "other",
                ],
            );
        }
        if let Some(b) = e["box"].as_object() {
            for k in ["left", "top", "right", "bottom"] {
                let x = b[k].as_f64().unwrap();
                assert!((0.0..=1.0).contains(&x), "{e}");
            }
        }
    }
}

/// `documents[].specifications` is an array only for `specifications` and `mixed` files and
/// `docs` only for `documents`, `addenda` and `mixed` files; `null` otherwise (every value of
/// the classification enum, API.md §4 and §6).
#[tokio::test]
async fn result_sections_follow_every_classification() {
    let app = spawn_app().await;
    let project = app.create_project("Classifications").await;
    let job = app.create_job(&project).await;
    let files = [
        ("plans", "opendesign_kegonsa/kegonsa_01.pdf"),
        ("specifications", SPEC),
        ("documents", "spec_test_suite/NYC_HPD_Table_of_Contents.pdf"),
        ("addenda", ADDENDUM),
        ("mixed", "spectAIchallenge/271500 (Medium).pdf"),
        ("other", "opendesign_kegonsa/kegonsa_03.pdf"),
    ];
    let parts = ["file0", "file1", "file2", "file3", "file4", "file5"];
    let uploads = files
        .iter()
        .zip(parts)
        .map(|((class, path), part)| Upload::file(part, &corpus(path), class))
        .collect();
    let (status, body) = app.upload(&job, uploads).await;
    assert_eq!(status, 200, "{body}");
    for (u, (class, _)) in body["uploads"].as_array().unwrap().iter().zip(&files) {
        assert_eq!(u["classification"], *class, "{u}");
    }
    assert_eq!(app.complete(&job).await.0, 202);
    let done = app.wait_job(&job).await;
    one_of(&done["status"], &["completed", "completed_with_errors"]);
    let (_, result) = app.get(&format!("/jobs/{job}/result")).await;
    for (class, _) in files {
        let d = result["documents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["classification"] == class)
            .unwrap_or_else(|| panic!("{class}: {result}"));
        let object = d.as_object().unwrap();
        assert!(object.contains_key("specifications") && object.contains_key("docs"));
        let specs = matches!(class, "specifications" | "mixed");
        let docs = matches!(class, "documents" | "addenda" | "mixed");
        assert_eq!(d["specifications"].is_array(), specs, "{class}");
        assert_eq!(d["specifications"].is_null(), !specs, "{class}");
        assert_eq!(d["docs"].is_array(), docs, "{class}");
        assert_eq!(d["docs"].is_null(), !docs, "{class}");
    }
}
