//! Artifacts (API.md §8): headers, HEAD, ranges and revalidation, single-use download tokens,
//! and paths that are not referenced or are crafted, which are 404 without touching storage.

use crate::helpers::*;
use serde_json::{Value, json};

const SHEET: &str = "ranjantx_ocr_parser/E201A-FLOOR-PLAN- P&S.pdf";

/// A finished job with the sheet in a project of its own: (job id, result).
async fn finished(app: &TestApp) -> (String, Value) {
    let name = format!("Artifacts {}", ulid::Ulid::new());
    let (job, done, result) = app
        .run_job(&name, vec![Upload::file("file0", &corpus(SHEET), "plans")])
        .await;
    assert_eq!(done["status"], "completed", "{done}");
    (job, result)
}

fn artifact<'a>(list: &'a Value, kind: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|a| a["type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {list}"))
}

/// Every byte but letters and digits as `%XX`, so the path reaches the server as written.
fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

impl TestApp {
    async fn fetch(&self, url: &str, headers: &[(&str, &str)]) -> reqwest::Response {
        let mut r = self.client.get(url).bearer_auth(&self.key);
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        r.send().await.unwrap()
    }
}

#[tokio::test]
async fn artifacts_stream_with_headers_ranges_and_revalidation() {
    let app = spawn_app().await;
    let (job, result) = finished(&app).await;
    let original_bytes = std::fs::read(corpus(SHEET)).unwrap();
    let doc = &result["documents"][0];
    let original = artifact(&doc["artifacts"], "original");
    let url = format!(
        "{}/jobs/{job}/artifact?path={}",
        app.base,
        original["path"].as_str().unwrap()
    );

    let r = app.fetch(&url, &[]).await;
    assert_eq!(r.status(), 200);
    let h = r.headers().clone();
    assert_eq!(h["content-type"], "application/pdf");
    assert_eq!(
        h["content-length"],
        original_bytes.len().to_string().as_str()
    );
    assert_eq!(h["accept-ranges"], "bytes");
    assert!(
        h["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=")
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["content-security-policy"], "default-src 'none'; sandbox");
    let etag = h["etag"].to_str().unwrap().to_string();
    assert_eq!(r.bytes().await.unwrap().as_ref(), original_bytes.as_slice());

    // HEAD: the same headers, no body.
    let r = app
        .client
        .head(&url)
        .bearer_auth(&app.key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"].to_str().unwrap(), etag);
    assert_eq!(
        r.headers()["content-length"],
        original_bytes.len().to_string().as_str()
    );
    assert!(r.bytes().await.unwrap().is_empty());

    // Ranges.
    let r = app.fetch(&url, &[("range", "bytes=100-199")]).await;
    assert_eq!(r.status(), 206);
    assert_eq!(
        r.headers()["content-range"],
        format!("bytes 100-199/{}", original_bytes.len()).as_str()
    );
    assert_eq!(r.bytes().await.unwrap().as_ref(), &original_bytes[100..200]);
    let r = app.fetch(&url, &[("range", "bytes=-10")]).await;
    assert_eq!(
        r.bytes().await.unwrap().as_ref(),
        &original_bytes[original_bytes.len() - 10..]
    );
    let r = app.fetch(&url, &[("range", "bytes=999999999-")]).await;
    assert_eq!(r.status(), 416);

    // Revalidation.
    let r = app.fetch(&url, &[("if-none-match", &etag)]).await;
    assert_eq!(r.status(), 304);

    // The document's part of the result as its own file.
    let extracted = artifact(&doc["artifacts"], "extracted_json");
    let r = app.fetch(extracted["url"].as_str().unwrap(), &[]).await;
    assert_eq!(r.headers()["content-type"], "application/json");
    let own: Value = r.json().await.unwrap();
    assert_eq!(own["documentId"], doc["documentId"]);
    assert_eq!(own["sheets"][0]["sheetNumber"], "E201A");

    // Each region with a crop of the sheet where its box is, here and in the project.
    let crops: Vec<&Value> = doc["sheets"][0]["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["type"] == "region_crop")
        .collect();
    assert!(!crops.is_empty(), "{}", doc["sheets"][0]);
    for c in &crops {
        let r = app.fetch(c["url"].as_str().unwrap(), &[]).await;
        assert_eq!(r.status(), 200);
        let png = r.bytes().await.unwrap();
        let w = u32::from_be_bytes(png[16..20].try_into().unwrap());
        let h = u32::from_be_bytes(png[20..24].try_into().unwrap());
        assert_eq!(
            (Some(w as u64), Some(h as u64)),
            (c["width"].as_u64(), c["height"].as_u64())
        );
    }
    let (_, projects) = app.get("/projects").await;
    let project = projects["projects"][0]["id"].as_str().unwrap().to_string();
    let (_, regions) = app.get(&format!("/projects/{project}/regions")).await;
    let with_crop = regions["regions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["artifacts"][0]["type"] == "region_crop")
        .expect("a region with its crop");
    let r = app
        .fetch(with_crop["artifacts"][0]["url"].as_str().unwrap(), &[])
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");

    // The sheet's thumbnail and vector crop are typed.
    let sheet = &doc["sheets"][0];
    for (kind, content_type) in [
        ("thumbnail", "image/png"),
        ("vector_crop", "application/pdf"),
    ] {
        let a = artifact(&sheet["artifacts"], kind);
        let r = app.fetch(a["url"].as_str().unwrap(), &[]).await;
        assert_eq!(r.status(), 200, "{kind}");
        assert_eq!(r.headers()["content-type"], content_type);
    }
}

#[tokio::test]
async fn unreferenced_or_crafted_paths_are_not_found() {
    let app = spawn_app().await;
    let (job, result) = finished(&app).await;
    let (other_job, other) = finished(&app).await;
    let doc = result["documents"][0]["documentId"].as_str().unwrap();
    let other_doc = other["documents"][0]["documentId"].as_str().unwrap();
    for path in [
        "../plansift.db".to_string(),
        "/etc/passwd".to_string(),
        format!("{doc}/../../plansift.db"),
        format!("{doc}%2F..%2F..%2Fplansift.db"),
        format!("{doc}/original.pdf/.."),
        "results/x.json".to_string(),
        format!("{doc}/page-999.png"),
        // Another job's artifact, real on disk, not referenced by this job.
        format!("{other_doc}/original.pdf"),
        String::new(),
    ] {
        let encoded = percent_encode(&path);
        let r = app
            .fetch(
                &format!("{}/jobs/{job}/artifact?path={encoded}", app.base),
                &[],
            )
            .await;
        assert_eq!(r.status(), 404, "{path}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "not_found", "{path}");
    }
    // The other job serves its own.
    let r = app
        .fetch(
            &format!(
                "{}/jobs/{other_job}/artifact?path={other_doc}/original.pdf",
                app.base
            ),
            &[],
        )
        .await;
    assert_eq!(r.status(), 200);

    // Another organization sees neither the job's nor the project's artifacts.
    let meta = app.meta();
    let (org, _) = meta.ensure_org("elsewhere", 0).await.unwrap();
    let key = new_key(meta, &org.id, &[plansift_types::Scope::ArtifactsRead]).await;
    let path = format!("{doc}/original.pdf");
    let r = app
        .client
        .get(format!("{}/jobs/{job}/artifact?path={path}", app.base))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // Without the artifacts scope: 403.
    let read_only = new_key(
        meta,
        &meta.org_by_name("default").await.unwrap().unwrap().id,
        &[plansift_types::Scope::JobsRead],
    )
    .await;
    let r = app
        .client
        .get(format!("{}/jobs/{job}/artifact?path={path}", app.base))
        .bearer_auth(&read_only)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn download_tokens_are_single_use_and_expire() {
    let app = spawn_app().await;
    let (job, result) = finished(&app).await;
    let path = artifact(&result["documents"][0]["artifacts"], "original")["path"].clone();
    let (status, created) = app
        .post("/artifact-downloads", json!({ "jobId": job, "path": path }))
        .await;
    assert_eq!(status, 201, "{created}");
    assert!(created["token"].as_str().unwrap().starts_with("dl_"));
    let url = created["downloadUrl"].as_str().unwrap().to_string();
    assert!(url.ends_with(created["token"].as_str().unwrap()));

    // No Authorization header: HEAD does not consume, the first GET does.
    let anonymous = reqwest::Client::new();
    let r = anonymous.head(&url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    // Nor does a range of part of it.
    let r = anonymous
        .get(&url)
        .header("range", "bytes=0-99")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 206);
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    let r = anonymous.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let original = std::fs::read(corpus(SHEET)).unwrap();
    assert_eq!(r.bytes().await.unwrap().as_ref(), original.as_slice());
    let r = anonymous.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 410);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "token_expired");
    let r = anonymous
        .get(url.replace(created["token"].as_str().unwrap(), "dl_unknown.token"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // Refusals when creating one.
    for (body, status) in [
        (json!({ "jobId": job, "path": "../x" }), 404),
        (
            json!({ "jobId": job, "projectId": "proj_x", "path": path }),
            400,
        ),
        (json!({ "path": path }), 400),
        (json!({ "jobId": job }), 400),
    ] {
        let (got, answer) = app.post("/artifact-downloads", body.clone()).await;
        assert_eq!(got, status, "{body}: {answer}");
    }

    // A project's artifact, through a token that expires at once.
    let short = spawn_app_configured(true, |c| c.server.download_ttl_secs = -1).await;
    let (_, result) = finished(&short).await;
    let (_, projects) = short.get("/projects").await;
    let project_id = projects["projects"][0]["id"].as_str().unwrap().to_string();
    let thumb = artifact(
        &result["documents"][0]["sheets"][0]["artifacts"],
        "thumbnail",
    )["path"]
        .clone();
    let (status, created) = short
        .post(
            "/artifact-downloads",
            json!({ "projectId": project_id, "path": thumb }),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let r = anonymous
        .get(created["downloadUrl"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 410);
}
