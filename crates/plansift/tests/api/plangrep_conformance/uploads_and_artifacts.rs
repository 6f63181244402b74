//! Signed uploads and artifacts as documented (API.md §4.2, §4.4, §8): the upload instruction's
//! fields and enum values, a keyless PUT to its URL, complete with `directUploads`, and every
//! artifact a result references served with its content type, ETag and ranges.

use super::*;

#[tokio::test]
async fn a_signed_upload_and_every_artifact_of_its_result() {
    let app = spawn_app().await;
    let project = app.create_project("Signed and served").await;
    let job = app.create_job(&project).await;
    let bytes = std::fs::read(corpus(SHEET)).unwrap();
    let (status, body) = app
        .post(
            &format!("/jobs/{job}/uploads"),
            json!({ "files": [{
                "fileName": "E201A.pdf", "contentType": "application/pdf",
                "fileSize": bytes.len(), "sha256": sha256_hex(&bytes), "classification": "plans",
            }] }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let upload = &body["uploads"][0];
    has_fields(
        upload,
        &[
            "documentId",
            "fileName",
            "uploadMode",
            "uploadToken",
            "expiresAt",
            "uploadUrl",
            "uploadHeaders",
        ],
    );
    assert_eq!(upload["uploadMode"], "direct_put");
    assert!(is_id(&upload["documentId"], "doc") && is_time(&upload["expiresAt"]));
    assert_eq!(upload["uploadHeaders"]["Content-Type"], "application/pdf");

    // The upload URL needs no key.
    let r = app
        .client
        .put(upload["uploadUrl"].as_str().unwrap())
        .header("content-type", "application/pdf")
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let put: Value = r.json().await.unwrap();
    assert_eq!(put["status"], "uploaded");
    assert_eq!(put["documentId"], upload["documentId"]);

    let (status, body) = app
        .post(
            &format!("/jobs/{job}/uploads/complete"),
            json!({ "directUploads": [{
                "documentId": upload["documentId"], "uploadToken": upload["uploadToken"],
            }] }),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["job"]["status"], "preflighting");
    let done = app.wait_job(&job).await;
    assert_eq!(done["status"], "completed", "{done}");

    // Every artifact the result references, by its URL with the key.
    let (_, result) = app.get(&format!("/jobs/{job}/result")).await;
    let doc = &result["documents"][0];
    let artifacts: Vec<Value> = doc["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .chain(doc["sheets"][0]["artifacts"].as_array().unwrap())
        .cloned()
        .collect();
    let mut kinds: Vec<&str> = artifacts
        .iter()
        .map(|a| a["type"].as_str().unwrap())
        .collect();
    kinds.sort();
    kinds.dedup();
    for kind in [
        "original",
        "thumbnail",
        "vector_crop",
        "region_crop",
        "extracted_json",
    ] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
    for a in &artifacts {
        let url = a["url"].as_str().unwrap();
        assert!(
            url.contains(&format!("/jobs/{job}/artifact?path=")),
            "{url}"
        );
        let r = app
            .client
            .get(url)
            .bearer_auth(&app.key)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{url}");
        assert_eq!(
            r.headers()["content-type"],
            a["contentType"].as_str().unwrap()
        );
        assert!(r.headers().contains_key("etag") && r.headers().contains_key("content-length"));
        let r = app
            .client
            .get(url)
            .bearer_auth(&app.key)
            .header("range", "bytes=0-9")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 206, "{url}");
        assert_eq!(r.bytes().await.unwrap().len(), 10);
    }
    // An artifact path the result does not reference: 404 in the envelope.
    let r = app
        .client
        .get(format!(
            "{}/jobs/{job}/artifact?path=../../etc/passwd",
            app.base
        ))
        .bearer_auth(&app.key)
        .send()
        .await
        .unwrap();
    assert_envelope(r, 404, "not_found").await;

    // A download token: keyless, used once.
    let path = artifacts[0]["path"].as_str().unwrap();
    let (status, body) = app
        .post("/artifact-downloads", json!({ "jobId": job, "path": path }))
        .await;
    assert_eq!(status, 201, "{body}");
    has_fields(&body, &["token", "downloadUrl", "expiresAt"]);
    let url = body["downloadUrl"].as_str().unwrap();
    assert_eq!(app.client.get(url).send().await.unwrap().status(), 200);
    let r = app.client.get(url).send().await.unwrap();
    assert_envelope(r, 410, "token_expired").await;
}
