//! Platform promises (API.md §1): every route refuses another organization's key without
//! revealing anything, rate limits with their headers, and the error codes no other test
//! produces.

use crate::helpers::*;
use serde_json::{Value, json};

const SHEET: &str = "ranjantx_ocr_parser/E201A-FLOOR-PLAN- P&S.pdf";

/// Every route of the organization-scoped API with real ids of another organization's data,
/// called with a key that has every scope: 404 and nothing of the other organization's.
#[tokio::test]
async fn no_route_shows_another_organizations_data() {
    let app = spawn_app().await;
    let (job, done, result) = app
        .run_job(
            "Owner",
            vec![Upload::file("file0", &corpus(SHEET), "plans")],
        )
        .await;
    assert_eq!(done["status"], "completed");
    let project = done["projectId"].as_str().unwrap().to_string();
    let doc = &result["documents"][0];
    let file = doc["documentId"].as_str().unwrap().to_string();
    let sheet = doc["sheets"][0]["sheetId"].as_str().unwrap().to_string();
    let region = doc["sheets"][0]["regionIds"][0]
        .as_str()
        .unwrap()
        .to_string();
    let thumb = doc["sheets"][0]["artifacts"][0]["path"]
        .as_str()
        .unwrap()
        .to_string();
    let spec_job = app.create_job(&project).await;

    let meta = app.meta();
    let (other, _) = meta.ensure_org("intruder", 1_000_000).await.unwrap();
    use plansift_types::Scope::*;
    let key = new_key(meta, &other.id, &[JobsRead, JobsWrite, ArtifactsRead]).await;
    let p = format!("/projects/{project}");
    let routes: Vec<(&str, String, Value)> = vec![
        ("GET", p.clone(), Value::Null),
        ("GET", format!("{p}/jobs"), Value::Null),
        ("POST", format!("{p}/jobs"), json!({})),
        ("GET", format!("{p}/files"), Value::Null),
        ("GET", format!("{p}/files/{file}"), Value::Null),
        ("GET", format!("{p}/sheets"), Value::Null),
        ("GET", format!("{p}/sheets/{sheet}"), Value::Null),
        ("GET", format!("{p}/sheets/{sheet}/regions"), Value::Null),
        ("GET", format!("{p}/sheets/{sheet}/versions"), Value::Null),
        (
            "GET",
            format!("{p}/files/{file}/pages/1/image"),
            Value::Null,
        ),
        ("GET", format!("{p}/references"), Value::Null),
        ("GET", format!("{p}/sheet-index-report"), Value::Null),
        ("GET", format!("{p}/regions"), Value::Null),
        ("GET", format!("{p}/regions/{region}"), Value::Null),
        ("GET", format!("{p}/specifications"), Value::Null),
        ("GET", format!("{p}/specifications/spec_x"), Value::Null),
        (
            "GET",
            format!("{p}/specifications/spec_x/sections"),
            Value::Null,
        ),
        (
            "GET",
            format!("{p}/specifications/spec_x/sections/facet_x"),
            Value::Null,
        ),
        ("GET", format!("{p}/docs"), Value::Null),
        ("GET", format!("{p}/docs/docsec_x"), Value::Null),
        (
            "POST",
            format!("{p}/source-search"),
            json!({ "query": "plan" }),
        ),
        (
            "POST",
            format!("{p}/source-text"),
            json!({ "sourceCatalogUri": format!("pgcat://{project}/sheet/{sheet}") }),
        ),
        ("POST", format!("{p}/grep"), json!({ "pattern": "plan" })),
        ("GET", format!("{p}/artifact?path={thumb}"), Value::Null),
        ("GET", format!("/jobs/{job}"), Value::Null),
        ("POST", format!("/jobs/{job}/cancel"), json!({})),
        ("POST", format!("/jobs/{job}/resume"), json!({})),
        ("GET", format!("/jobs/{job}/events"), Value::Null),
        (
            "GET",
            format!("/jobs/{job}/webhook-deliveries"),
            Value::Null,
        ),
        ("GET", format!("/jobs/{job}/result"), Value::Null),
        (
            "GET",
            format!("/jobs/{job}/artifact?path={thumb}"),
            Value::Null,
        ),
        (
            "POST",
            format!("/jobs/{spec_job}/uploads"),
            json!({ "files": [{ "fileName": "a.pdf", "contentType": "application/pdf", "fileSize": 1, "sha256": "0".repeat(64) }] }),
        ),
        (
            "POST",
            format!("/jobs/{spec_job}/uploads/{file}/content"),
            json!({ "uploadToken": "x", "contentBase64": "" }),
        ),
        (
            "POST",
            format!("/jobs/{spec_job}/uploads/complete"),
            json!({}),
        ),
        (
            "POST",
            "/artifact-downloads".to_string(),
            json!({ "jobId": job, "path": thumb }),
        ),
        (
            "POST",
            "/artifact-downloads".to_string(),
            json!({ "projectId": project, "path": thumb }),
        ),
    ];
    let secrets = [&project, &job, &file, &sheet, &region];
    for (method, path, body) in &routes {
        let url = format!("{}{path}", app.base);
        let r = match *method {
            "GET" => app.client.get(url),
            _ => app.client.post(url).json(body),
        }
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        assert_eq!(status, 404, "{method} {path}: {text}");
        for s in secrets {
            assert!(
                !text.contains(s.as_str()),
                "{method} {path} leaks {s}: {text}"
            );
        }
    }
    // The organization's own lists stay empty, and the form upload is refused too.
    let (_, projects) = app.get_as(&key, "/projects").await;
    assert_eq!(projects["projects"], json!([]));
    let (_, all) = app
        .post_as(&key, "/projects/search", json!({ "query": "plan" }))
        .await;
    assert_eq!(all["projects"], json!([]));
    assert_eq!(all["total"], 0);
    let intruder = TestApp::with_key(&app, &key);
    let (status, _) = intruder
        .upload(
            &spec_job,
            vec![Upload::file("file0", &corpus(SHEET), "plans")],
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn rate_limits_answer_429_with_their_headers() {
    let app = spawn_app_configured(true, |c| {
        c.server.rate_limit = 1.0;
        c.server.rate_burst = 5.0;
    })
    .await;
    let mut remaining = Vec::new();
    for _ in 0..5 {
        let r = app
            .client
            .get(format!("{}/projects", app.base))
            .bearer_auth(&app.key)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["ratelimit-limit"], "5");
        assert!(r.headers().contains_key("ratelimit-reset"));
        remaining.push(
            r.headers()["ratelimit-remaining"]
                .to_str()
                .unwrap()
                .to_string(),
        );
    }
    assert_eq!(remaining, ["4", "3", "2", "1", "0"]);
    let r = app
        .client
        .get(format!("{}/projects", app.base))
        .bearer_auth(&app.key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "1");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    // Another key has its own budget.
    let org = app.meta().org_by_name("default").await.unwrap().unwrap();
    let other = new_key(app.meta(), &org.id, &[plansift_types::Scope::JobsRead]).await;
    assert_eq!(app.get_as(&other, "/projects").await.0, 200);
}

#[tokio::test]
async fn the_remaining_error_codes() {
    let app = spawn_app().await;
    let meta = app.meta();
    let org = meta.org_by_name("default").await.unwrap().unwrap();

    // idempotency_key_in_use: the same key while the first request is still running.
    meta.idempotency_begin(&org.id, "POST /projects", "busy-key", "hash")
        .await
        .unwrap();
    let r = app
        .client
        .post(format!("{}/projects", app.base))
        .bearer_auth(&app.key)
        .header("idempotency-key", "busy-key")
        .json(&json!({ "name": "Busy" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "idempotency_key_in_use"
    );

    // invalid_webhook_url.
    let project = app.create_project("Hooks").await;
    for url in [
        "ftp://example.com/x",
        "http://example.com/x",
        "https://127.0.0.1/x",
        "not a url",
    ] {
        let (status, body) = app
            .post(
                &format!("/projects/{project}/jobs"),
                json!({ "webhookUrl": url }),
            )
            .await;
        assert_eq!(
            (status, &body["error"]["code"]),
            (422, &json!("invalid_webhook_url")),
            "{url}"
        );
    }

    // insufficient_credits: a project that costs more than the balance.
    let poor = meta.create_org("Poor").await.unwrap();
    let mut profile = poor.profile.clone();
    profile.project_creation_credits = 5;
    meta.set_profile(&poor.id, &profile).await.unwrap();
    let key = new_key(meta, &poor.id, &[plansift_types::Scope::JobsWrite]).await;
    let (status, body) = app
        .post_as(&key, "/projects", json!({ "name": "Costly" }))
        .await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (402, &json!("insufficient_credits"))
    );

    // internal: a result whose stored bytes are gone is a failure, answered without its cause.
    let (job, done, _) = app
        .run_job(
            "Broken",
            vec![Upload::file("file0", &corpus(SHEET), "plans")],
        )
        .await;
    assert_eq!(done["status"], "completed");
    app.app
        .as_ref()
        .unwrap()
        .state
        .blobs
        .delete(&format!("results/{job}.json"))
        .await
        .unwrap();
    let (status, body) = app.get(&format!("/jobs/{job}/result")).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (500, &json!("internal")),
        "{body}"
    );
    assert_eq!(body["error"]["message"], "internal error");

    // unavailable: the store's schema is behind the binary.
    sql(
        app.data.path(),
        "DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations) AND $1 <> ''",
        "-",
    )
    .await;
    let r = app
        .client
        .get(format!("{}/readyz", app.origin()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "unavailable"
    );
}

#[tokio::test]
async fn metrics_count_requests_jobs_pages_and_webhooks() {
    let app = spawn_app().await;
    let (job, done, _) = app
        .run_job(
            "Metrics",
            vec![Upload::file("file0", &corpus(SHEET), "plans")],
        )
        .await;
    assert_eq!(done["status"], "completed");
    let text = app
        .client
        .get(format!("{}/metrics", app.origin()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let value = |line_start: &str| -> f64 {
        text.lines()
            .find(|l| l.starts_with(line_start))
            .unwrap_or_else(|| panic!("no {line_start} in\n{text}"))
            .rsplit(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    // Route templates, never raw ids.
    assert!(
        value(
            r#"plansift_http_requests_total{route="/api/open/v1/jobs/{job_id}",method="GET",status="200"}"#
        ) >= 1.0
    );
    assert!(!text.contains(&job), "metrics carry no ids");
    assert!(value(r#"plansift_jobs{status="completed"}"#) >= 1.0);
    // Counters are per process; other tests in this binary add to them, so they are at least ours.
    assert!(value(r#"plansift_pages_processed_total{outcome="ok"}"#) >= 1.0);
    assert!(value(r#"plansift_page_seconds_bucket{le="+Inf"}"#) >= 1.0);
    assert!(
        value("plansift_page_seconds_count") >= value(r#"plansift_page_seconds_bucket{le="10"}"#)
    );
    assert!(text.contains(r#"plansift_webhook_attempts_total{outcome="delivered"}"#));
}
