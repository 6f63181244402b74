//! Every route of API.md, written here from the document: listed in `GET /openapi.json` with its
//! method, and served with its documented success status on a real server.

use super::*;

/// `(method, path)` of every route in API.md §2–§4, §8–§11 (paths as API.md spells them).
const API_MD: &[(&str, &str)] = &[
    ("post", "/projects"),
    ("get", "/projects"),
    ("get", "/projects/{projectId}"),
    ("post", "/projects/search"),
    ("post", "/projects/{projectId}/jobs"),
    ("get", "/projects/{projectId}/jobs"),
    ("get", "/jobs/{jobId}"),
    ("get", "/jobs/{jobId}/result"),
    ("post", "/jobs/{jobId}/cancel"),
    ("post", "/jobs/{jobId}/resume"),
    ("get", "/jobs/{jobId}/events"),
    ("get", "/jobs/{jobId}/webhook-deliveries"),
    ("get", "/results/{jobId}"),
    ("post", "/jobs/{jobId}/files"),
    ("post", "/jobs/{jobId}/uploads"),
    ("put", "/upload-targets/{signedToken}"),
    ("put", "/upload-targets/{signedToken}/parts/{partNumber}"),
    ("post", "/jobs/{jobId}/uploads/{documentId}/content"),
    ("post", "/jobs/{jobId}/uploads/complete"),
    ("get", "/jobs/{jobId}/artifact"),
    ("get", "/projects/{projectId}/artifact"),
    ("post", "/artifact-downloads"),
    ("get", "/artifact-downloads/{token}"),
    ("get", "/projects/{p}/files"),
    ("get", "/projects/{p}/files/{fileId}"),
    ("get", "/projects/{p}/sheets"),
    ("get", "/projects/{p}/sheets/{sheetId}"),
    ("get", "/projects/{p}/regions"),
    ("get", "/projects/{p}/regions/{regionId}"),
    ("get", "/projects/{p}/sheets/{sheetId}/regions"),
    ("get", "/projects/{p}/specifications"),
    ("get", "/projects/{p}/specifications/{specificationId}"),
    (
        "get",
        "/projects/{p}/specifications/{specificationId}/sections",
    ),
    (
        "get",
        "/projects/{p}/specifications/{specificationId}/sections/{sectionId}",
    ),
    ("get", "/projects/{p}/submittal-register"),
    ("get", "/projects/{p}/docs"),
    ("get", "/projects/{p}/docs/{docId}"),
    ("post", "/projects/{p}/source-search"),
    ("post", "/projects/{p}/source-text"),
    ("post", "/projects/{p}/grep"),
    ("get", "/openapi.json"),
];

/// Admin and operational routes (API.md §10, §11), outside `/api/open/v1`.
const OUTSIDE: &[(&str, &str)] = &[
    ("get", "/api/open-api/keys"),
    ("post", "/api/open-api/keys"),
    ("post", "/api/open-api/keys/{keyId}/revoke"),
    ("post", "/api/open-api/keys/revoke-all"),
    ("post", "/api/admin/v1/orgs"),
    ("get", "/api/admin/v1/orgs/{orgId}"),
    ("post", "/api/admin/v1/orgs/{orgId}/credits"),
    ("patch", "/api/admin/v1/orgs/{orgId}/profile"),
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/metrics"),
];

/// `/projects/{projectId}` and `/projects/{project_id}` name the same route.
fn template(path: &str) -> String {
    path.split('/')
        .map(|s| if s.starts_with('{') { "{}" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn every_route_of_api_md_is_in_the_openapi_document() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(format!("{}/openapi.json", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let doc: Value = r.json().await.unwrap();
    let listed: Vec<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(|m| (m.to_lowercase(), template(path)))
                .collect::<Vec<_>>()
        })
        .collect();
    // The document's paths are absolute: the API's under `/api/open/v1`.
    let inside = API_MD
        .iter()
        .map(|(m, p)| (m.to_string(), template(&format!("/api/open/v1{p}"))));
    let outside = OUTSIDE.iter().map(|(m, p)| (m.to_string(), template(p)));
    for (method, path) in inside.chain(outside) {
        assert!(
            listed.iter().any(|(m, p)| *m == method && *p == path),
            "{method} {path} of API.md is not in openapi.json"
        );
    }
}

#[tokio::test]
async fn every_route_of_api_md_answers_its_documented_status() {
    let app = spawn_app_configured(true, |c| {
        c.server.multipart_threshold = 512 * 1024;
        c.server.multipart_part_size = 256 * 1024;
    })
    .await;
    let (project, job, _) = read_project(&app).await;
    let p = format!("/projects/{project}");
    let ok = |status: u16, expected: u16, what: &str, body: &Value| {
        assert_eq!(status, expected, "{what}: {body}");
    };

    for path in [
        "/projects".to_string(),
        p.clone(),
        format!("{p}/jobs"),
        format!("/jobs/{job}"),
        format!("/jobs/{job}/result"),
        format!("/jobs/{job}/events"),
        "/openapi.json".to_string(),
    ] {
        let (status, body) = app.get(&path).await;
        ok(status, 200, &path, &body);
    }
    let (status, body) = app.get(&format!("/jobs/{job}/webhook-deliveries")).await;
    ok(status, 200, "webhook-deliveries", &body);
    assert!(body["deliveries"].is_array(), "{body}");
    let (status, body) = app
        .post("/projects/search", json!({ "query": "reads" }))
        .await;
    ok(status, 200, "projects/search", &body);

    // Resume from a status other than blocked_insufficient_credits: 409 with details.status.
    let (status, body) = app.post(&format!("/jobs/{job}/resume"), json!({})).await;
    ok(status, 409, "resume", &body);
    assert_eq!(body["error"]["code"], "invalid_job_state");
    assert_eq!(body["error"]["details"]["status"], "completed");

    // Every project read: the list, and the single read of its first row.
    for (list, many, id) in [
        ("files", "files", "fileId"),
        ("sheets", "sheets", "sheetId"),
        ("regions", "regions", "regionId"),
        ("specifications", "specifications", "specificationId"),
        ("docs", "docs", "docId"),
    ] {
        let (status, body) = app.get(&format!("{p}/{list}")).await;
        ok(status, 200, list, &body);
        let first = body[many][0][id]
            .as_str()
            .unwrap_or_else(|| panic!("{body}"));
        let (status, body) = app.get(&format!("{p}/{list}/{first}")).await;
        ok(status, 200, list, &body);
    }
    let (_, sheets) = app.get(&format!("{p}/sheets")).await;
    let sheet = sheets["sheets"][0]["sheetId"].as_str().unwrap();
    let (status, body) = app.get(&format!("{p}/sheets/{sheet}/regions")).await;
    ok(status, 200, "sheet regions", &body);
    let (_, specs) = app.get(&format!("{p}/specifications")).await;
    let spec = specs["specifications"][0]["specificationId"]
        .as_str()
        .unwrap();
    let (status, parts) = app
        .get(&format!("{p}/specifications/{spec}/sections"))
        .await;
    ok(status, 200, "spec sections", &parts);
    let part = parts["sections"][0]["sectionId"]
        .as_str()
        .or_else(|| parts["sections"][0]["facetId"].as_str())
        .unwrap_or_else(|| panic!("{parts}"));
    let (status, body) = app
        .get(&format!("{p}/specifications/{spec}/sections/{part}"))
        .await;
    ok(status, 200, "spec section", &body);
    assert!(body["section"]["text"].is_string() && body["section"]["textLength"].is_number());
    let (status, body) = app.get(&format!("{p}/submittal-register")).await;
    ok(status, 200, "submittal-register", &body);
    for (path, req) in [
        ("source-search", json!({ "query": "commissioning" })),
        (
            "source-text",
            json!({ "sourceCatalogUri": format!("pgcat://{project}/spec/{spec}") }),
        ),
        ("grep", json!({ "pattern": "commissioning" })),
    ] {
        let (status, body) = app.post(&format!("{p}/{path}"), req).await;
        ok(status, 200, path, &body);
    }

    // Artifacts of the job and of the project, a download token and the keyless result link.
    let (_, result) = app.get(&format!("/jobs/{job}/result")).await;
    let path = result["documents"][0]["artifacts"][0]["path"]
        .as_str()
        .unwrap();
    let sheet_artifact = sheets["sheets"][0]["artifacts"][0]["url"].as_str().unwrap();
    assert!(
        sheet_artifact.contains(&format!("/projects/{project}/artifact?path=")),
        "{sheet_artifact}"
    );
    for url in [
        format!("{}/jobs/{job}/artifact?path={}", app.base, encode(path)),
        sheet_artifact.to_string(),
    ] {
        let r = app
            .client
            .get(&url)
            .bearer_auth(&app.key)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{url}");
    }
    let (status, body) = app
        .post("/artifact-downloads", json!({ "jobId": job, "path": path }))
        .await;
    ok(status, 201, "artifact-downloads", &body);
    let download = body["downloadUrl"].as_str().unwrap();
    let head = app.client.head(download).send().await.unwrap();
    assert_eq!(head.status(), 200, "HEAD does not consume");
    assert!(head.headers().contains_key("content-length"));
    assert_eq!(app.client.get(download).send().await.unwrap().status(), 200);
    let (_, view) = app.get(&format!("/jobs/{job}")).await;
    let link = view["job"]["resultUrl"].as_str().unwrap();
    assert_eq!(app.client.get(link).send().await.unwrap().status(), 200);

    // Uploads of every mode on a new job, then complete; and a cancel.
    let job = app.create_job(&project).await;
    let big = std::fs::read(corpus(SHEET)).unwrap();
    assert!(big.len() > 512 * 1024, "a multipart registration");
    let small = std::fs::read(corpus(SPEC)).unwrap();
    let entry = |name: &str, bytes: &[u8]| {
        json!({ "fileName": name, "contentType": "application/pdf",
                "fileSize": bytes.len(), "sha256": sha256_hex(bytes) })
    };
    let (status, body) = app
        .post(
            &format!("/jobs/{job}/uploads"),
            json!({ "files": [entry("sheet.pdf", &big), entry("spec.pdf", &small)] }),
        )
        .await;
    ok(status, 200, "uploads", &body);
    let (multi, direct) = (&body["uploads"][0], &body["uploads"][1]);
    assert_eq!(multi["uploadMode"], "multipart");
    has_fields(
        multi,
        &[
            "documentId",
            "uploadToken",
            "expiresAt",
            "partSize",
            "parts",
        ],
    );
    let mut etags = Vec::new();
    for part in multi["parts"].as_array().unwrap() {
        has_fields(part, &["partNumber", "uploadUrl", "byteStart", "byteEnd"]);
        let (start, end) = (
            part["byteStart"].as_u64().unwrap() as usize,
            part["byteEnd"].as_u64().unwrap() as usize,
        );
        let r = app
            .client
            .put(part["uploadUrl"].as_str().unwrap())
            .body(big[start..end].to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.headers().contains_key("etag"));
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["partNumber"], part["partNumber"]);
        etags.push(json!({ "partNumber": body["partNumber"], "etag": body["etag"] }));
    }
    use base64::Engine as _;
    let doc = direct["documentId"].as_str().unwrap();
    let (status, body) = app
        .post(
            &format!("/jobs/{job}/uploads/{doc}/content"),
            json!({ "uploadToken": direct["uploadToken"],
                    "contentBase64": base64::engine::general_purpose::STANDARD.encode(&small) }),
        )
        .await;
    ok(status, 200, "content", &body);
    has_fields(
        &body,
        &[
            "status",
            "documentId",
            "fileName",
            "fileSize",
            "contentType",
            "uploadMode",
            "directUpload",
        ],
    );
    assert_eq!(body["uploadMode"], "direct_put");
    let (status, body) = app
        .post(
            &format!("/jobs/{job}/uploads/complete"),
            json!({ "multipartUploads": [{ "documentId": multi["documentId"],
                    "uploadToken": multi["uploadToken"], "parts": etags }],
                    "directUploads": [{ "documentId": doc, "uploadToken": direct["uploadToken"] }] }),
        )
        .await;
    ok(status, 202, "complete", &body);
    assert_eq!(body["job"]["files"].as_array().unwrap().len(), 2, "{body}");
    let job = app.create_job(&project).await;
    let (status, body) = app.post(&format!("/jobs/{job}/cancel"), json!({})).await;
    ok(status, 200, "cancel", &body);
    assert_eq!(body["job"]["status"], "cancelled");

    // Keys and organizations with the admin token; the operational endpoints.
    let token = std::fs::read_to_string(app.data.path().join("admin-token")).unwrap();
    let admin = |method: reqwest::Method, path: &str, body: Option<Value>| {
        let mut r = app
            .client
            .request(method, format!("{}{path}", app.origin()))
            .bearer_auth(token.trim());
        if let Some(b) = body {
            r = r.json(&b);
        }
        async move {
            let r = r.send().await.unwrap();
            (
                r.status().as_u16(),
                r.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    use reqwest::Method;
    let (status, body) = admin(Method::GET, "/api/open-api/keys", None).await;
    ok(status, 200, "keys", &body);
    has_fields(&body, &["keys", "profile"]);
    let (status, body) = admin(
        Method::POST,
        "/api/open-api/keys",
        Some(json!({ "label": "routes", "scopes": ["jobs:read"] })),
    )
    .await;
    ok(status, 201, "create key", &body);
    let key_id = body["key"]["id"].as_str().unwrap();
    let (status, body) = admin(
        Method::POST,
        &format!("/api/open-api/keys/{key_id}/revoke"),
        None,
    )
    .await;
    ok(status, 200, "revoke", &body);
    assert!(is_time(&body["key"]["revokedAt"]), "{body}");
    let (status, org) = admin(
        Method::POST,
        "/api/admin/v1/orgs",
        Some(json!({ "name": "Routes" })),
    )
    .await;
    ok(status, 201, "orgs", &org);
    let org_id = org["org"]["id"].as_str().unwrap();
    let (status, body) = admin(
        Method::POST,
        "/api/open-api/keys/revoke-all",
        Some(json!({ "orgId": org_id })),
    )
    .await;
    ok(status, 200, "revoke-all", &body);
    assert!(body["keys"].is_array());
    let orgs = format!("/api/admin/v1/orgs/{org_id}");
    let (status, body) = admin(Method::GET, &orgs, None).await;
    ok(status, 200, "org", &body);
    has_fields(&body, &["org", "balance", "profile"]);
    let (status, body) = admin(
        Method::POST,
        &format!("{orgs}/credits"),
        Some(json!({ "amount": 5 })),
    )
    .await;
    ok(status, 200, "credits", &body);
    let (status, body) = admin(
        Method::PATCH,
        &format!("{orgs}/profile"),
        Some(json!({ "retentionDays": 10 })),
    )
    .await;
    ok(status, 200, "profile", &body);
    assert_eq!(body["profile"]["retentionDays"], 10);
    for path in ["/healthz", "/readyz", "/metrics"] {
        let r = app
            .client
            .get(format!("{}{path}", app.origin()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
    }
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
