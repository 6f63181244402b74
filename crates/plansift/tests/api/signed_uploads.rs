//! Signed uploads (API.md §4.2–4.4): registration, `direct_put`, multipart parts out of order
//! with a re-PUT, base64 content, complete with the uploads listed, and their refusals.

use crate::helpers::*;
use serde_json::{Value, json};

const MANUAL: &str = "spec_test_suite/2024-09-11 Project Manual SC Justice Center Remodel.pdf";
const ADDENDUM: &str = "spec_test_suite/NYC_OGS_Addendum_01.pdf";
const SPEC: &str = "spectAIchallenge/271500 (Medium).pdf";

/// Files over 512 KiB upload in 256 KiB parts; tokens live `ttl_hours`.
async fn app(ttl_hours: i64) -> TestApp {
    spawn_app_configured(true, |c| {
        c.server.multipart_threshold = 512 * 1024;
        c.server.multipart_part_size = 256 * 1024;
        c.server.upload_ttl_hours = ttl_hours;
    })
    .await
}

impl TestApp {
    /// PUT without Authorization to an upload URL (absolute, or relative to the server).
    async fn put(&self, url: &str, bytes: Vec<u8>) -> (u16, Value, Option<String>) {
        let url = if url.starts_with("http") {
            url.to_string()
        } else {
            format!("{}{url}", self.origin())
        };
        let r = self.client.put(url).body(bytes).send().await.unwrap();
        let status = r.status().as_u16();
        let etag = r
            .headers()
            .get("etag")
            .map(|v| v.to_str().unwrap().to_string());
        (status, r.json().await.unwrap_or(Value::Null), etag)
    }

    async fn register(&self, job: &str, files: Value) -> (u16, Value) {
        self.post(&format!("/jobs/{job}/uploads"), json!({ "files": files }))
            .await
    }
}

fn file_entry(rel: &str, bytes: &[u8]) -> Value {
    json!({
        "fileName": rel.rsplit('/').next().unwrap(), "contentType": "application/pdf",
        "fileSize": bytes.len(), "sha256": sha256_hex(bytes),
    })
}

/// A job in a project of its own.
async fn new_job(app: &TestApp) -> String {
    let project = app
        .create_project(&format!("Signed {}", ulid::Ulid::new()))
        .await;
    app.create_job(&project).await
}

#[tokio::test]
async fn direct_put_multipart_and_base64_uploads_make_one_job() {
    let app = app(24).await;
    let job = new_job(&app).await;
    let manual = std::fs::read(corpus(MANUAL)).unwrap();
    let addendum = std::fs::read(corpus(ADDENDUM)).unwrap();
    let spec = std::fs::read(corpus(SPEC)).unwrap();
    let (status, body) = app
        .register(
            &job,
            json!([
                file_entry(MANUAL, &manual),
                file_entry(ADDENDUM, &addendum),
                file_entry(SPEC, &spec)
            ]),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["job"]["status"], "uploading");
    let [big, direct, b64] = [0, 1, 2].map(|i| body["uploads"][i].clone());
    assert_eq!(big["uploadMode"], "multipart");
    assert_eq!(direct["uploadMode"], "direct_put");
    assert_eq!(b64["uploadMode"], "direct_put");
    assert_eq!(direct["uploadHeaders"]["Content-Type"], "application/pdf");

    // Multipart: 5 parts of 256 KiB, sent last to first, part 2 first with wrong bytes and then
    // again with the right ones.
    let parts = big["parts"].as_array().unwrap().clone();
    assert_eq!(parts.len(), 5);
    assert_eq!(big["partSize"], 256 * 1024);
    let mut etags = Vec::new();
    for p in parts.iter().rev() {
        let (start, end) = (
            p["byteStart"].as_u64().unwrap() as usize,
            p["byteEnd"].as_u64().unwrap() as usize,
        );
        let url = p["uploadUrl"].as_str().unwrap();
        if p["partNumber"] == 2 {
            let (status, _, _) = app.put(url, vec![0u8; end - start]).await;
            assert_eq!(status, 200, "a part of the right size is taken");
        }
        let (status, body, etag) = app.put(url, manual[start..end].to_vec()).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["etag"], sha256_hex(&manual[start..end]));
        assert_eq!(
            etag.unwrap(),
            format!("\"{}\"", body["etag"].as_str().unwrap())
        );
        etags.push(json!({ "partNumber": p["partNumber"], "etag": body["etag"] }));
    }

    // direct_put: a wrong body is refused and may be retried until it is right.
    let url = direct["uploadUrl"].as_str().unwrap();
    let mut wrong = addendum.clone();
    wrong[100] ^= 1;
    let (status, body, _) = app.put(url, wrong).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (422, &json!("checksum_mismatch"))
    );
    let (status, body, _) = app.put(url, addendum.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "uploaded");

    // Base64 content for the third.
    let encoded = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(&spec)
    };
    let (status, body) = app
        .post(
            &format!(
                "/jobs/{job}/uploads/{}/content",
                b64["documentId"].as_str().unwrap()
            ),
            json!({ "uploadToken": b64["uploadToken"], "contentBase64": encoded }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["fileSize"], spec.len());

    let (status, body) = app
        .post(
            &format!("/jobs/{job}/uploads/complete"),
            json!({
                "directUploads": [{ "documentId": direct["documentId"], "uploadToken": direct["uploadToken"] },
                                  { "documentId": b64["documentId"], "uploadToken": b64["uploadToken"] }],
                "multipartUploads": [{ "documentId": big["documentId"], "uploadToken": big["uploadToken"], "parts": etags }],
            }),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    let done = app.wait_job(&job).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["pageCount"], 380 + 13 + 7);
    let (_, result) = app.get(&format!("/jobs/{job}/result")).await;
    let docs = result["documents"].as_array().unwrap();
    assert_eq!(docs[0]["sha256"], sha256_hex(&manual));
    assert_eq!(docs[0]["pageCount"], 380);
    // The assembled original is byte for byte the file.
    let path = docs[0]["artifacts"][0]["path"].as_str().unwrap();
    let r = app
        .client
        .get(format!("{}/jobs/{job}/artifact?path={path}", app.base))
        .bearer_auth(&app.key)
        .send()
        .await
        .unwrap();
    assert_eq!(sha256_hex(&r.bytes().await.unwrap()), sha256_hex(&manual));
}

#[tokio::test]
async fn signed_uploads_refuse_what_does_not_match() {
    let app = app(24).await;
    let job = new_job(&app).await;
    let spec = std::fs::read(corpus(SPEC)).unwrap();
    let manual = std::fs::read(corpus(MANUAL)).unwrap();

    // Registration is validated before anything is kept.
    let entry = file_entry(SPEC, &spec);
    let with = |k: &str, v: Value| {
        let mut e = entry.clone();
        e[k] = v;
        json!([e])
    };
    for (files, field) in [
        (json!([]), "files"),
        (Value::Array(vec![entry.clone(); 101]), "files"),
        (with("fileSize", json!(-1)), "files[0].fileSize"),
        (with("sha256", json!("ABC")), "files[0].sha256"),
        (
            with("classification", json!("drawings")),
            "files[0].classification",
        ),
    ] {
        let (status, body) = app.register(&job, files).await;
        assert_eq!(status, 400, "{field}: {body}");
        assert_eq!(body["error"]["details"]["field"], field);
    }
    let (status, body) = app
        .register(&job, with("fileSize", json!(10_000_000_001i64)))
        .await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (422, &json!("limit_exceeded")),
        "{body}"
    );

    let (_, body) = app
        .register(&job, json!([entry.clone(), file_entry(MANUAL, &manual)]))
        .await;
    let (direct, big) = (body["uploads"][0].clone(), body["uploads"][1].clone());
    // The same bytes registered again are skipped with the first document's id.
    let (_, again) = app.register(&job, json!([entry.clone()])).await;
    assert_eq!(again["uploads"][0]["status"], "skipped");
    assert_eq!(again["uploads"][0]["documentId"], direct["documentId"]);

    let url = direct["uploadUrl"].as_str().unwrap().to_string();
    // Longer than declared: cut off and refused.
    let mut longer = spec.clone();
    longer.extend_from_slice(b"trailing bytes");
    let (status, body, _) = app.put(&url, longer).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (422, &json!("checksum_mismatch"))
    );
    // A token edited by one character is unknown.
    let token = direct["uploadToken"].as_str().unwrap();
    let mut forged = token.to_string();
    let last = forged.pop().unwrap();
    forged.push(if last == 'A' { 'B' } else { 'A' });
    let (status, body, _) = app
        .put(
            &format!("/api/open/v1/upload-targets/{forged}"),
            spec.clone(),
        )
        .await;
    assert_eq!((status, &body["error"]["code"]), (404, &json!("not_found")));
    // A direct_put token does not open a part, and parts are numbered 1..=N.
    let (status, _, _) = app.put(&format!("{url}/parts/1"), spec.clone()).await;
    assert_eq!(status, 400);
    let part_url = big["parts"][0]["uploadUrl"].as_str().unwrap();
    let (status, body, _) = app
        .put(&part_url.replace("/parts/1", "/parts/6"), vec![0; 10])
        .await;
    assert_eq!(status, 400, "{body}");
    // A short part is refused.
    let (status, body, _) = app.put(part_url, vec![0; 1000]).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (422, &json!("checksum_mismatch"))
    );

    // Complete with a listed document not uploaded: 422 naming it, and the job stays.
    let (status, body) = app
        .post(
            &format!("/jobs/{job}/uploads/complete"),
            json!({ "directUploads": [{ "documentId": direct["documentId"], "uploadToken": direct["uploadToken"] }] }),
        )
        .await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (422, &json!("upload_incomplete"))
    );
    assert_eq!(
        body["error"]["details"]["documentIds"],
        json!([direct["documentId"]])
    );
    let (status, body) = app
        .post(
            &format!("/jobs/{job}/uploads/complete"),
            json!({ "multipartUploads": [{ "documentId": big["documentId"], "uploadToken": big["uploadToken"], "parts": [] }] }),
        )
        .await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (422, &json!("upload_incomplete")),
        "{body}"
    );
    let (_, j) = app.get(&format!("/jobs/{job}")).await;
    assert_eq!(j["job"]["status"], "uploading");

    // Upload the direct document; complete without a body takes it and drops the unfinished
    // multipart registration.
    let (status, _, _) = app.put(&url, spec.clone()).await;
    assert_eq!(status, 200);
    let (status, body) = app.complete(&job).await;
    assert_eq!(status, 202, "{body}");
    let done = app.wait_job(&job).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["pageCount"], 7);
    // After complete the targets no longer take bytes.
    let (status, _, _) = app.put(part_url, manual[..256 * 1024].to_vec()).await;
    assert!(status == 404 || status == 409, "{status}");
}

#[tokio::test]
async fn expired_upload_tokens_are_gone() {
    let app = app(-1).await;
    let job = new_job(&app).await;
    let spec = std::fs::read(corpus(SPEC)).unwrap();
    let (status, body) = app.register(&job, json!([file_entry(SPEC, &spec)])).await;
    assert_eq!(status, 200, "{body}");
    let up = &body["uploads"][0];
    let (status, body, _) = app.put(up["uploadUrl"].as_str().unwrap(), spec).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (410, &json!("token_expired"))
    );
}

/// Per-job limits hold across every upload mode, before any byte is stored; bodies have their
/// limits; the page limit fails the job at preflight.
#[tokio::test]
async fn limits_hold_across_every_mode() {
    let app = app(24).await;

    // 100 documents registered; a 101st is refused in either mode.
    let job = new_job(&app).await;
    let files: Vec<Value> = (0..100)
        .map(|i| {
            json!({ "fileName": format!("f{i}.pdf"), "contentType": "application/pdf",
                    "fileSize": 10, "sha256": sha256_hex(format!("{i}").as_bytes()) })
        })
        .collect();
    let (status, body) = app.register(&job, Value::Array(files)).await;
    assert_eq!(status, 200, "{body}");
    let spec = corpus(SPEC);
    let (status, body) = app
        .upload(&job, vec![Upload::file("file0", &spec, "specifications")])
        .await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (422, &json!("limit_exceeded")),
        "{body}"
    );
    assert_eq!(body["error"]["details"]["max"], 100);
    let bytes = std::fs::read(&spec).unwrap();
    let (status, body) = app.register(&job, json!([file_entry(SPEC, &bytes)])).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (422, &json!("limit_exceeded")),
        "{body}"
    );

    // 10,000,000,000 bytes declared; one byte more through the form is refused as it arrives.
    let job = new_job(&app).await;
    let (status, body) = app
        .register(
            &job,
            json!([{ "fileName": "huge.pdf", "contentType": "application/pdf",
                     "fileSize": 10_000_000_000i64 - 10, "sha256": sha256_hex(b"huge") }]),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .upload(&job, vec![Upload::file("file0", &spec, "specifications")])
        .await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (422, &json!("limit_exceeded")),
        "{body}"
    );
    assert_eq!(body["error"]["details"]["limit"], "maxDeclaredBytes");
    let (_, job_now) = app.get(&format!("/jobs/{job}")).await;
    assert_eq!(job_now["job"]["files"].as_array().unwrap().len(), 1);

    // Body limits: 1 MiB of JSON, 48 MiB of base64.
    let (status, body) = app
        .register(&job, json!([{ "fileName": "x".repeat(1 << 20) }]))
        .await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (413, &json!("payload_too_large"))
    );
    let job = new_job(&app).await;
    let (_, reg) = app.register(&job, json!([file_entry(SPEC, &bytes)])).await;
    let up = &reg["uploads"][0];
    let (status, body) = app
        .post(
            &format!(
                "/jobs/{job}/uploads/{}/content",
                up["documentId"].as_str().unwrap()
            ),
            json!({ "uploadToken": up["uploadToken"], "contentBase64": "A".repeat(49 << 20) }),
        )
        .await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (413, &json!("payload_too_large"))
    );

    // The same bytes twice in one form: stored once, the second answered as skipped.
    let job = new_job(&app).await;
    let (status, body) = app
        .upload(
            &job,
            vec![
                Upload::file("file0", &spec, "specifications"),
                Upload::file("file1", &spec, "specifications"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["uploads"][0]["status"], "uploaded");
    assert_eq!(body["uploads"][1]["status"], "skipped");
    assert_eq!(
        body["uploads"][1]["documentId"],
        body["uploads"][0]["documentId"]
    );

    // The organization's page limit fails a job at preflight, charging nothing.
    let meta = app.meta();
    let org = meta.org_by_name("default").await.unwrap().unwrap();
    let before = meta.balance(&org.id).await.unwrap().available;
    let mut profile = org.profile.clone();
    profile.job_page_limit = 5;
    meta.set_profile(&org.id, &profile).await.unwrap();
    let (_, done, _) = app
        .run_job(
            "Too long",
            vec![Upload::file("file0", &spec, "specifications")],
        )
        .await;
    assert_eq!(done["status"], "failed", "{done}");
    assert_eq!(done["error"]["code"], "page_limit_exceeded");
    assert_eq!(meta.balance(&org.id).await.unwrap().available, before);
}
