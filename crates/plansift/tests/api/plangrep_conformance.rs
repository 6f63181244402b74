//! Plangrep conformance (issue 19): what a client written from Plangrep's published API expects,
//! asserted from the documented names, values, shapes and status codes (API.md, whose Plangrep
//! notes say what Plangrep documents), not from Plansift's code. Each test fails on one of the
//! differences the issue lists.

use crate::helpers::*;
use serde_json::{Value, json};

const SPEC: &str = "spectAIchallenge/22 08 00 - COMMISSIONING OF PLUMBING (Short).pdf";
const ADDENDUM: &str = "spec_test_suite/NYC_OGS_Addendum_01.pdf";
const SHEET: &str = "ranjantx_ocr_parser/E201A-FLOOR-PLAN- P&S.pdf";

/// The error envelope of API.md §1 with `code`, as JSON, with a request id.
async fn assert_envelope(
    r: reqwest::Response,
    status: u16,
    code: &str,
) -> reqwest::header::HeaderMap {
    assert_eq!(r.status().as_u16(), status, "{:?}", r.url().to_string());
    let headers = r.headers().clone();
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type} for {code}"
    );
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert!(
        body["error"]["requestId"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert!(headers.contains_key("x-request-id"));
    headers
}

#[tokio::test]
async fn every_rejection_is_the_error_envelope_with_a_precise_code() {
    let app = spawn_app().await;
    let project = app.create_project("Envelopes").await;
    let job = app.create_job(&project).await;
    let files = format!("{}/jobs/{job}/files", app.base);

    // Multipart without a boundary, JSON and a form where a multipart form is taken: 415.
    for (content_type, body) in [
        ("multipart/form-data", "--x\r\n".to_string()),
        ("application/json", json!({ "files": [] }).to_string()),
        ("application/x-www-form-urlencoded", "a=b".to_string()),
    ] {
        let r = app
            .client
            .post(&files)
            .bearer_auth(&app.key)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_envelope(r, 415, "unsupported_media_type").await;
    }
    // No content type at all.
    let r = app
        .client
        .post(&files)
        .bearer_auth(&app.key)
        .send()
        .await
        .unwrap();
    assert_envelope(r, 415, "unsupported_media_type").await;

    // Bad JSON: 400 invalid_request.
    let r = app
        .client
        .post(format!("{}/projects", app.base))
        .bearer_auth(&app.key)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_envelope(r, 400, "invalid_request").await;

    // A JSON body over 1 MiB: 413 payload_too_large.
    let big = json!({ "name": "x".repeat(2 << 20) }).to_string();
    let r = app
        .client
        .post(format!("{}/projects", app.base))
        .bearer_auth(&app.key)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_envelope(r, 413, "payload_too_large").await;

    // Unknown routes, inside and outside the API: 404 not_found.
    for url in [
        format!("{}/no-such-thing", app.base),
        format!("{}/api/open/v2/projects", app.origin()),
    ] {
        let r = app
            .client
            .get(&url)
            .bearer_auth(&app.key)
            .send()
            .await
            .unwrap();
        assert_envelope(r, 404, "not_found").await;
    }

    // A wrong method: 405 method_not_allowed with `Allow` naming the methods the route takes.
    let r = app
        .client
        .delete(format!("{}/projects", app.base))
        .bearer_auth(&app.key)
        .send()
        .await
        .unwrap();
    let headers = assert_envelope(r, 405, "method_not_allowed").await;
    let allow = headers
        .get("allow")
        .unwrap()
        .to_str()
        .unwrap()
        .to_uppercase();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    let r = app
        .client
        .put(format!("{}/jobs/{job}", app.base))
        .bearer_auth(&app.key)
        .send()
        .await
        .unwrap();
    let headers = assert_envelope(r, 405, "method_not_allowed").await;
    assert!(
        headers
            .get("allow")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("GET")
    );

    // A bad query parameter and a bad path parameter: the envelope, never plain text.
    let r = app
        .client
        .get(format!("{}/projects/{project}/artifact", app.base))
        .bearer_auth(&app.key)
        .send()
        .await
        .unwrap();
    assert_envelope(r, 400, "invalid_request").await;
    let r = app
        .client
        .get(format!(
            "{}/projects/{project}/files/doc_x/pages/1/image?width=wide",
            app.base
        ))
        .bearer_auth(&app.key)
        .send()
        .await
        .unwrap();
    assert_envelope(r, 400, "invalid_request").await;
    let r = app
        .client
        .get(format!("{}/jobs/%FF%FE", app.base))
        .bearer_auth(&app.key)
        .send()
        .await
        .unwrap();
    assert_envelope(r, 400, "invalid_request").await;
    // A malformed id is 404, never 500 (API.md §1).
    let r = app
        .client
        .get(format!("{}/jobs/not-an-id", app.base))
        .bearer_auth(&app.key)
        .send()
        .await
        .unwrap();
    assert_envelope(r, 404, "not_found").await;

    // A trailing slash is tolerated.
    let (status, body) = app.get("/projects/").await;
    assert_eq!(status, 200, "{body}");
    assert!(body["projects"].is_array());
    let (status, body) = app.get(&format!("/jobs/{job}/")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["job"]["id"], job.as_str());
}

#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive() {
    let app = spawn_app().await;
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let r = app
            .client
            .get(format!("{}/projects", app.base))
            .header("authorization", format!("{scheme} {}", app.key))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{scheme}");
    }
    let r = app
        .client
        .get(format!("{}/projects", app.base))
        .header("authorization", format!("Basic {}", app.key))
        .send()
        .await
        .unwrap();
    assert_envelope(r, 401, "unauthorized").await;
}

#[tokio::test]
async fn job_files_say_why_they_failed_and_follow_a_cancel() {
    let app = spawn_app().await;
    let project = app.create_project("File outcomes").await;

    // A job whose only file is not a PDF ends failed, and the file says why.
    let job = app.create_job(&project).await;
    let (status, body) = app
        .upload(
            &job,
            vec![Upload::bytes(
                "file0",
                "notes.pdf",
                b"plain text, no PDF".to_vec(),
                "documents",
            )],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.complete(&job).await.0, 202);
    let done = app.wait_job(&job).await;
    assert_eq!(done["status"], "failed", "{done}");
    let file = &done["files"][0];
    assert_eq!(file["status"], "failed", "{done}");
    assert_eq!(file["error"]["code"], "unsupported_format", "{done}");
    assert!(
        file["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );

    // Encrypted and damaged files beside a good one: each failed file carries its reason, the
    // good one `error: null`.
    let damaged = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 9 0 R\ntorn off here".to_vec();
    let job = app.create_job(&project).await;
    let (status, body) = app
        .upload(
            &job,
            vec![
                Upload::file("file0", &corpus(SPEC), "specifications"),
                Upload::bytes("file1", "locked.pdf", encrypted_pdf(), "documents"),
                Upload::bytes("file2", "torn.pdf", damaged, "documents"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.complete(&job).await.0, 202);
    let done = app.wait_job(&job).await;
    assert_eq!(done["status"], "completed_with_errors", "{done}");
    let files = done["files"].as_array().unwrap();
    assert_eq!(files.len(), 3);
    assert!(files[0]["error"].is_null(), "{done}");
    assert_eq!(files[1]["error"]["code"], "encrypted_pdf", "{done}");
    assert_eq!(files[2]["status"], "failed", "{done}");
    assert_eq!(files[2]["error"]["code"], "corrupt_pdf", "{done}");
    for f in files {
        assert!(f.as_object().unwrap().contains_key("error"), "{f}");
    }

    // A form upload whose every file is a duplicate answers batch status `skipped`.
    let job = app.create_job(&project).await;
    let first = app
        .upload(
            &job,
            vec![Upload::file("file0", &corpus(SPEC), "specifications")],
        )
        .await;
    assert_eq!(first.1["status"], "uploaded", "{}", first.1);
    let again = app
        .upload(
            &job,
            vec![Upload::file("file0", &corpus(SPEC), "specifications")],
        )
        .await;
    assert_eq!(again.0, 200, "{}", again.1);
    assert_eq!(again.1["status"], "skipped", "{}", again.1);
    assert_eq!(again.1["uploads"][0]["status"], "skipped");
    assert_eq!(
        again.1["uploads"][0]["documentId"],
        first.1["uploads"][0]["documentId"]
    );

    // After a cancel, the job's files say `cancelled`.
    let (status, body) = app.post(&format!("/jobs/{job}/cancel"), json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["job"]["status"], "cancelled");
    for f in body["job"]["files"].as_array().unwrap() {
        assert_eq!(f["status"], "cancelled", "{body}");
    }
    let (_, body) = app.get(&format!("/jobs/{job}")).await;
    assert_eq!(body["job"]["files"][0]["status"], "cancelled", "{body}");
}

#[tokio::test]
async fn api_keys_carry_created_by_user_id() {
    let app = spawn_app().await;
    let token = std::fs::read_to_string(app.data.path().join("admin-token")).unwrap();
    let r = app
        .client
        .post(format!("{}/api/open-api/keys", app.origin()))
        .bearer_auth(token.trim())
        .json(&json!({ "label": "ci", "scopes": ["jobs:read"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.unwrap();
    assert!(
        created["key"]
            .as_object()
            .unwrap()
            .contains_key("createdByUserId"),
        "{created}"
    );
    let r = app
        .client
        .get(format!("{}/api/open-api/keys", app.origin()))
        .bearer_auth(token.trim())
        .send()
        .await
        .unwrap();
    let list: Value = r.json().await.unwrap();
    for k in list["keys"].as_array().unwrap() {
        assert!(
            k.as_object().unwrap().contains_key("createdByUserId"),
            "{k}"
        );
    }
}

/// One project with a job of a drawing, a specification section and an addendum.
async fn read_project(app: &TestApp) -> (String, String, Value) {
    let project = app.create_project("Conformance reads").await;
    let job = app.create_job(&project).await;
    let (status, body) = app
        .upload(
            &job,
            vec![
                Upload::file("file0", &corpus(SHEET), "plans"),
                Upload::file("file1", &corpus(SPEC), "specifications"),
                Upload::file("file2", &corpus(ADDENDUM), "addenda"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.complete(&job).await.0, 202);
    let done = app.wait_job(&job).await;
    assert_eq!(done["status"], "completed", "{done}");
    (project, job, done)
}

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

#[tokio::test]
async fn result_url_is_pre_signed_and_expires() {
    let app = spawn_app().await;
    let project = app.create_project("Result links").await;
    let job = app.create_job(&project).await;
    app.upload(
        &job,
        vec![Upload::file("file0", &corpus(SPEC), "specifications")],
    )
    .await;
    assert_eq!(app.complete(&job).await.0, 202);
    let done = app.wait_job(&job).await;
    assert_eq!(done["status"], "completed", "{done}");
    let url = done["resultUrl"].as_str().unwrap().to_string();
    assert!(url.starts_with(&app.origin()), "{url}");
    assert!(url.contains("token="), "{url}");

    // The same bytes and ETag as the authenticated result, without any key.
    let authed = app
        .client
        .get(format!("{}/jobs/{job}/result", app.base))
        .bearer_auth(&app.key)
        .send()
        .await
        .unwrap();
    let etag = authed.headers()["etag"].clone();
    let authed_bytes = authed.bytes().await.unwrap();
    let r = app.client.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"], etag);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(r.bytes().await.unwrap(), authed_bytes);
    let r = app
        .client
        .get(&url)
        .header("if-none-match", etag.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);

    // The result's own `job.resultUrl` works the same way.
    let result: Value = serde_json::from_slice(&authed_bytes).unwrap();
    let inner = result["job"]["resultUrl"].as_str().unwrap();
    let r = app.client.get(inner).send().await.unwrap();
    assert_eq!(r.status(), 200, "{inner}");

    // A tampered token, or a token for another job: 404; an expired one: 410.
    let r = app.client.get(format!("{url}x")).send().await.unwrap();
    assert_envelope(r, 404, "not_found").await;
    let other = url.replace(&job, "job_01jzzzzzzzzzzzzzzzzzzzzzzz");
    let r = app.client.get(&other).send().await.unwrap();
    assert_envelope(r, 404, "not_found").await;
    let key = plansift_jobs::signed::signing_key(app.meta())
        .await
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let expired = plansift_jobs::signed::result_url(&key, &app.origin(), &job, now - 5);
    let r = app.client.get(&expired).send().await.unwrap();
    assert_envelope(r, 410, "token_expired").await;
    // Valid until the job's expiresAt, not longer.
    let expires = app
        .meta()
        .job(None, &job)
        .await
        .unwrap()
        .unwrap()
        .expires_at
        .unwrap()
        .timestamp();
    let too_long = plansift_jobs::signed::result_url(&key, &app.origin(), &job, expires + 3600);
    assert_ne!(too_long, url);
    assert_eq!(
        plansift_jobs::signed::result_url(&key, &app.origin(), &job, expires),
        url
    );
}

#[tokio::test]
async fn projects_search_finds_projects_by_name_and_content() {
    let app = spawn_app().await;
    let library = app.create_project("Main Street Library").await;
    let pump = app.create_project("Harbor Pump Station").await;
    let job = app.create_job(&pump).await;
    app.upload(
        &job,
        vec![Upload::file("file0", &corpus(SPEC), "specifications")],
    )
    .await;
    assert_eq!(app.complete(&job).await.0, 202);
    assert_eq!(app.wait_job(&job).await["status"], "completed");

    let search = |body: Value| app.post("/projects/search", body);
    let (status, body) = search(json!({ "query": "library" })).await;
    assert_eq!(status, 200, "{body}");
    for field in [
        "query",
        "projects",
        "total",
        "limit",
        "cursor",
        "nextCursor",
        "returnedCount",
        "hasMore",
        "warnings",
    ] {
        assert!(body.get(field).is_some(), "{field}: {body}");
    }
    assert_eq!(body["query"], "library");
    assert_eq!(body["limit"], 25);
    assert_eq!(body["total"], 1, "{body}");
    let hit = &body["projects"][0];
    assert_eq!(hit["project"]["id"], library.as_str());
    assert_eq!(hit["matchReasons"], json!(["name"]));
    assert!(hit["score"].is_number());
    assert_eq!(hit["hits"], json!([]));

    // By content: at most three source hits, each a SourceHit.
    let (_, body) = search(json!({ "query": "commissioning" })).await;
    assert_eq!(body["total"], 1, "{body}");
    let hit = &body["projects"][0];
    assert_eq!(hit["project"]["id"], pump.as_str());
    assert_eq!(hit["matchReasons"], json!(["content"]));
    let hits = hit["hits"].as_array().unwrap();
    assert!(!hits.is_empty() && hits.len() <= 3, "{hit}");
    for h in hits {
        assert!(
            h["sourceCatalogUri"]
                .as_str()
                .unwrap()
                .starts_with(&format!("pgcat://{pump}/"))
        );
        assert!(h["snippet"].is_string() && h["score"].is_number() && h["source"].is_object());
    }

    // Both, paged one at a time with the cursor; projectIds restricts.
    let query = "station commissioning library";
    let (_, first) = search(json!({ "query": query, "limit": 1 })).await;
    assert_eq!(first["total"], 2, "{first}");
    assert_eq!(first["returnedCount"], 1);
    assert_eq!(first["hasMore"], true);
    let cursor = first["nextCursor"].as_str().unwrap();
    let (_, second) = search(json!({ "query": query, "limit": 1, "cursor": cursor })).await;
    assert_eq!(second["returnedCount"], 1, "{second}");
    assert_eq!(second["hasMore"], false);
    assert_eq!(second["cursor"], cursor);
    assert!(second["nextCursor"].is_null());
    assert_ne!(
        first["projects"][0]["project"]["id"],
        second["projects"][0]["project"]["id"]
    );
    let (_, only) = search(json!({ "query": query, "projectIds": [library] })).await;
    assert_eq!(only["total"], 1, "{only}");
    assert_eq!(only["projects"][0]["project"]["id"], library.as_str());
    // A filter narrows content hits.
    let (_, none) = search(json!({ "query": "commissioning", "classification": "plans" })).await;
    assert_eq!(none["total"], 0, "{none}");

    for bad in [
        json!({ "query": query, "limit": 0 }),
        json!({ "query": query, "limit": 101 }),
        json!({ "query": query, "cursor": "bogus" }),
        json!({ "limit": 5 }),
    ] {
        let (status, body) = search(bad.clone()).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert_eq!(body["error"]["code"], "invalid_request");
    }
}

/// The seed flow, written from nothing but the guide's curl steps: create a project and poll
/// until it is ready, create a job, upload with a metadata part, complete, poll, read the
/// result, and fetch `resultUrl` with no key.
#[tokio::test]
async fn the_guides_seed_flow_runs_unchanged() {
    let app = spawn_app().await;
    let (api, key, http) = (app.base.clone(), app.key.clone(), reqwest::Client::new());
    let auth = format!("Bearer {key}");

    let r = http
        .post(format!("{api}/projects"))
        .header("Authorization", &auth)
        .header("Content-Type", "application/json")
        .body(r#"{"name":"Main Street Library"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let project = r.json::<Value>().await.unwrap()["project"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    loop {
        let r = http
            .get(format!("{api}/projects/{project}"))
            .header("Authorization", &auth)
            .send()
            .await
            .unwrap();
        if r.json::<Value>().await.unwrap()["project"]["status"] == "ready" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }

    let r = http
        .post(format!("{api}/projects/{project}/jobs"))
        .header("Authorization", &auth)
        .header("Content-Type", "application/json")
        .body(r#"{"externalId":"bid-set-1"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let job = r.json::<Value>().await.unwrap()["job"]["id"]
        .as_str()
        .unwrap()
        .to_string();

    let metadata = r#"{"files":[{"partName":"file0","fileName":"specs.pdf","contentType":"application/pdf","classification":"specifications"}]}"#;
    let form = reqwest::multipart::Form::new()
        .text("metadata", metadata)
        .part(
            "file0",
            reqwest::multipart::Part::bytes(std::fs::read(corpus(SPEC)).unwrap())
                .file_name("specs.pdf"),
        );
    let r = http
        .post(format!("{api}/jobs/{job}/files"))
        .header("Authorization", &auth)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let uploaded: Value = r.json().await.unwrap();
    assert_eq!(uploaded["uploads"][0]["status"], "uploaded", "{uploaded}");
    assert!(uploaded["uploads"][0]["documentId"].is_string());

    let r = http
        .post(format!("{api}/jobs/{job}/uploads/complete"))
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    assert_eq!(
        r.json::<Value>().await.unwrap()["job"]["status"],
        "preflighting"
    );

    let started = std::time::Instant::now();
    let job_view = loop {
        let r = http
            .get(format!("{api}/jobs/{job}"))
            .header("Authorization", &auth)
            .send()
            .await
            .unwrap();
        let body: Value = r.json().await.unwrap();
        let status = body["job"]["status"].as_str().unwrap().to_string();
        if [
            "completed",
            "completed_with_errors",
            "failed",
            "cancelled",
            "expired",
        ]
        .contains(&status.as_str())
        {
            break body["job"].clone();
        }
        assert!(started.elapsed().as_secs() < 120, "{body}");
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    };
    assert_eq!(job_view["status"], "completed", "{job_view}");

    let r = http
        .get(format!("{api}/jobs/{job}/result"))
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let result: Value = r.json().await.unwrap();
    assert_eq!(result["schemaVersion"], "v1");
    assert_eq!(result["documents"][0]["fileName"], "specs.pdf");

    // Another process, with no key, fetches the result from the job's resultUrl.
    let url = job_view["resultUrl"].as_str().unwrap();
    let r = reqwest::Client::new().get(url).send().await.unwrap();
    assert_eq!(r.status(), 200, "{url}");
    assert_eq!(r.json::<Value>().await.unwrap(), result);
}
