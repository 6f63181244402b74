//! Bad input gets the error envelope with a precise code, and nothing of a bad request is kept.

use crate::helpers::*;
use plansift_types::Scope;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn missing_unknown_or_underscoped_keys_are_refused() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(format!("{}/projects", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let (status, body) = app
        .get_as(
            "pgk_live_0000000000000000000000000000000000000000",
            "/projects",
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("unauthorized"))
    );
    let org = app.meta().org_by_name("default").await.unwrap().unwrap();
    let reader = new_key(app.meta(), &org.id, &[Scope::JobsRead]).await;
    let (status, body) = app
        .post_as(&reader, "/projects", json!({ "name": "x" }))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("forbidden"))
    );
}

#[tokio::test]
async fn another_organizations_project_and_job_are_not_found() {
    let app = spawn_app().await;
    let project = app.create_project("Mine").await;
    let job = app.create_job(&project).await;
    let (other, _) = app.meta().ensure_org("other", 1000).await.unwrap();
    let stranger = new_key(
        app.meta(),
        &other.id,
        &[Scope::JobsRead, Scope::JobsWrite, Scope::ArtifactsRead],
    )
    .await;
    for path in [
        format!("/projects/{project}"),
        format!("/projects/{project}/jobs"),
        format!("/jobs/{job}"),
        format!("/jobs/{job}/result"),
        format!("/jobs/{job}/events"),
    ] {
        let (status, body) = app.get_as(&stranger, &path).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert_eq!(body["error"]["code"], "not_found");
        assert!(!body.to_string().contains(&job) && !body.to_string().contains(&project));
    }
    let (status, _) = app
        .post_as(&stranger, &format!("/jobs/{job}/cancel"), json!({}))
        .await;
    assert_eq!(status, 404);
    let (status, _) = app
        .post_as(&stranger, &format!("/projects/{project}/jobs"), json!({}))
        .await;
    assert_eq!(status, 404);
    let (_, list) = app.get_as(&stranger, "/projects").await;
    assert_eq!(list["projects"].as_array().unwrap().len(), 0);
    // Malformed ids are 404 too, never 500.
    let (status, _) = app.get("/jobs/job_../../etc/passwd").await;
    assert_eq!(status, 404);
    let (status, _) = app.get("/jobs/not-an-id").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_job_against_a_project_that_is_not_ready_is_refused() {
    let app = spawn_app_with(false).await; // no workers: the project stays provisioning
    let (status, body) = app.post("/projects", json!({ "name": "Slow" })).await;
    assert_eq!(status, 202);
    assert_eq!(body["project"]["status"], "provisioning");
    let project = body["project"]["id"].as_str().unwrap();
    let (status, body) = app
        .post(&format!("/projects/{project}/jobs"), json!({}))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("project_not_ready"))
    );
    let (status, body) = app.post("/projects", json!({ "name": "Slow" })).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("project_name_taken"))
    );
}

#[tokio::test]
async fn malformed_metadata_or_an_undescribed_part_stores_nothing() {
    let app = spawn_app().await;
    let project = app.create_project("Bad uploads").await;
    let job = app.create_job(&project).await;
    let pdf = std::fs::read(corpus(
        "spectAIchallenge/22 08 00 - COMMISSIONING OF PLUMBING (Short).pdf",
    ))
    .unwrap();
    let part = |name| Upload {
        part: name,
        name: "a.pdf".into(),
        bytes: pdf.clone(),
        classification: None,
        sha256: None,
    };

    let (status, body) = app
        .upload_raw(&job, json!({ "files": "nope" }), vec![part("file0")])
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_request")),
        "{body}"
    );
    assert_eq!(body["error"]["details"]["field"], "metadata.files");

    let metadata = json!({ "files": [{ "partName": "file0", "fileName": "a.pdf", "contentType": "application/pdf" }] });
    let (status, body) = app
        .upload_raw(&job, metadata.clone(), vec![part("file0"), part("file9")])
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_request")),
        "{body}"
    );

    let (status, body) = app.upload_raw(&job, metadata, vec![]).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_request")),
        "{body}"
    );

    let bad_class = json!({ "files": [{ "partName": "file0", "fileName": "a.pdf", "contentType": "application/pdf", "classification": "blueprints" }] });
    let (status, body) = app.upload_raw(&job, bad_class, vec![part("file0")]).await;
    assert_eq!(
        (status, body["error"]["details"]["field"].as_str()),
        (400, Some("files[0].classification")),
        "{body}"
    );

    let (_, body) = app.get(&format!("/jobs/{job}")).await;
    assert_eq!(body["job"]["status"], "awaiting_uploads");
    assert_eq!(body["job"]["files"].as_array().unwrap().len(), 0);
    assert_no_blobs(&app).await;
}

async fn assert_no_blobs(app: &TestApp) {
    let blobs = &app.app.as_ref().unwrap().state.blobs;
    let kept = blobs.keys("documents").await.unwrap();
    assert!(kept.is_empty(), "a document blob was kept: {kept:?}");
    let swept = blobs.sweep_temporaries(Duration::ZERO).await.unwrap();
    assert_eq!(swept, 0, "a temporary blob was kept");
}

#[tokio::test]
async fn a_wrong_declared_sha256_is_refused_and_nothing_is_kept() {
    let app = spawn_app().await;
    let project = app.create_project("Checksums").await;
    let job = app.create_job(&project).await;
    let good = Upload::file(
        "file0",
        &corpus("spectAIchallenge/271500 (Medium).pdf"),
        "specifications",
    );
    let mut bad = Upload::file(
        "file1",
        &corpus("spectAIchallenge/22 08 00 - COMMISSIONING OF PLUMBING (Short).pdf"),
        "specifications",
    );
    bad.sha256 = Some("0".repeat(64));
    let (status, body) = app.upload(&job, vec![good, bad]).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("checksum_mismatch")),
        "{body}"
    );
    let (_, body) = app.get(&format!("/jobs/{job}")).await;
    assert_eq!(body["job"]["files"].as_array().unwrap().len(), 0);
    assert_no_blobs(&app).await;
}

#[tokio::test]
async fn bad_documents_fail_alone_uncharged_next_to_a_good_one() {
    let app = spawn_app().await;
    let project = app.create_project("Mixed bag").await;
    let job = app.create_job(&project).await;
    let good = Upload::file(
        "file0",
        &corpus("spectAIchallenge/22 08 00 - COMMISSIONING OF PLUMBING (Short).pdf"),
        "specifications",
    );
    let text = b"this is a text file, not a PDF".to_vec();
    let not_pdf = Upload {
        part: "file1",
        name: "notes.txt".into(),
        sha256: Some(sha256_hex(&text)),
        bytes: text,
        classification: None,
    };
    let locked = encrypted_pdf();
    let encrypted = Upload {
        part: "file2",
        name: "locked.pdf".into(),
        sha256: Some(sha256_hex(&locked)),
        bytes: locked,
        classification: Some("plans"),
    };
    let (status, body) = app.upload(&job, vec![good, not_pdf, encrypted]).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = app.complete(&job).await;
    assert_eq!(status, 202);
    let done = app.wait_job(&job).await;
    assert_eq!(done["status"], "completed_with_errors", "{done}");
    assert_eq!(done["pageCount"], 2);
    assert_eq!(done["billing"]["creditsDebited"], 2);

    let (status, result) = app.get(&format!("/jobs/{job}/result")).await;
    assert_eq!(status, 200);
    let docs = result["documents"].as_array().unwrap();
    assert_eq!(docs[0]["status"], "completed");
    assert_eq!(docs[0]["successfulPageCount"], 2);
    assert_eq!(docs[1]["status"], "failed");
    assert_eq!(docs[1]["error"]["code"], "unsupported_format");
    assert_eq!(docs[2]["status"], "failed");
    assert_eq!(docs[2]["error"]["code"], "encrypted_pdf");
    let codes: Vec<&str> = result["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["unsupported_format", "encrypted_pdf"]);
    assert_eq!(result["usage"]["creditsDebited"], 2);

    // Uploads after complete are refused.
    let late = Upload::file(
        "file0",
        &corpus("spectAIchallenge/271500 (Medium).pdf"),
        "specifications",
    );
    let (status, body) = app.upload(&job, vec![late]).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("invalid_job_state")),
        "{body}"
    );
    assert_eq!(body["error"]["details"]["status"], "completed_with_errors");
}

#[tokio::test]
async fn results_of_unfinished_jobs_and_completes_without_uploads_are_refused() {
    let app = spawn_app().await;
    let project = app.create_project("Early").await;
    let job = app.create_job(&project).await;
    let (status, body) = app.get(&format!("/jobs/{job}/result")).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("result_not_available"))
    );
    let (status, body) = app.complete(&job).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("upload_incomplete"))
    );
    let (status, body) = app.post(&format!("/jobs/{job}/cancel"), json!({})).await;
    assert_eq!(
        (status, body["job"]["status"].as_str()),
        (200, Some("cancelled"))
    );
    let (status, body) = app.post(&format!("/jobs/{job}/cancel"), json!({})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("invalid_job_state"))
    );
    let r = app
        .client
        .post(format!("{}/projects", app.base))
        .bearer_auth(&app.key)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = app
        .client
        .post(format!("{}/projects", app.base))
        .bearer_auth(&app.key)
        .header("content-type", "application/json")
        .body(vec![b' '; 2 << 20])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "payload_too_large");
}
