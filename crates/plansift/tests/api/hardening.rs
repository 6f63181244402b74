//! The holes of issue 18 that one request could open, each closed: a disabled organization is
//! refused everywhere, a profile's day count cannot overflow a date, declared sizes cannot wrap,
//! the data directory and database are their owner's only, and `/healthz` reports the loops.

use crate::common::corpus_path;
use crate::helpers::*;
use serde_json::json;

#[tokio::test]
async fn a_disabled_organization_is_refused_on_every_route() {
    let app = spawn_app().await;
    let project = app.create_project("Before").await;
    let meta = app.meta();
    let org = meta.org_by_name("default").await.unwrap().unwrap();
    let mut profile = org.profile.clone();
    profile.enabled = false;
    meta.set_profile(&org.id, &profile).await.unwrap();
    for (status, body) in [
        app.get("/projects").await,
        app.get(&format!("/projects/{project}")).await,
        app.post("/projects", json!({ "name": "After" })).await,
        app.post(&format!("/projects/{project}/jobs"), json!({}))
            .await,
    ] {
        assert_eq!(status, 403, "{body}");
        assert_eq!(body["error"]["code"], "organization_disabled", "{body}");
    }
    profile.enabled = true;
    meta.set_profile(&org.id, &profile).await.unwrap();
    assert_eq!(app.get("/projects").await.0, 200);
}

#[tokio::test]
async fn a_huge_retention_neither_overflows_nor_stops_the_loops() {
    let app = spawn_app().await;
    // The admin API refuses it…
    let token = std::fs::read_to_string(app.data.path().join("admin-token"))
        .unwrap()
        .trim()
        .to_string();
    let org = app.meta().org_by_name("default").await.unwrap().unwrap();
    let r = app
        .client
        .patch(format!(
            "{}/api/admin/v1/orgs/{}/profile",
            app.origin(),
            org.id
        ))
        .bearer_auth(&token)
        .json(&json!({ "retentionDays": 100_000_000 }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // …and one stored anyway (an older server, the CLI) is held to the longest retention.
    let mut profile = org.profile.clone();
    profile.retention_days = 100_000_000;
    app.meta().set_profile(&org.id, &profile).await.unwrap();
    let (job, done, _) = app
        .run_job(
            "Retention",
            vec![Upload::file(
                "file0",
                &corpus_path("opentakeoff/sample-finish-plan.pdf"),
                "plans",
            )],
        )
        .await;
    assert_eq!(done["status"], "completed", "{job}: {done}");
    let r = app
        .client
        .get(format!("{}/healthz", app.origin()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let health: serde_json::Value = r.json().await.unwrap();
    assert_eq!(health["taskPanics"], 0, "{health}");
}

#[tokio::test]
async fn declared_sizes_that_wrap_are_refused_before_anything_is_made() {
    let app = spawn_app().await;
    let project = app.create_project("Sizes").await;
    let job = app.create_job(&project).await;
    let file = |size: i64| json!({ "fileName": "a.pdf", "contentType": "application/pdf", "fileSize": size, "sha256": "0".repeat(64) });
    for files in [
        json!([file(100_000_000), file(9_223_372_036_787_666_944)]),
        json!([file(i64::MAX), file(i64::MAX)]),
        json!([file(10_000_000_001)]),
    ] {
        let (status, body) = app
            .post(&format!("/jobs/{job}/uploads"), json!({ "files": files }))
            .await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["error"]["code"], "limit_exceeded");
        assert_eq!(body["error"]["details"]["limit"], "maxDeclaredBytes");
    }
    let (_, body) = app.get(&format!("/jobs/{job}")).await;
    assert_eq!(body["job"]["status"], "awaiting_uploads", "{body}");
}

#[cfg(unix)]
#[tokio::test]
async fn the_data_directory_and_database_are_the_owners_only() {
    use std::os::unix::fs::PermissionsExt;
    if scale_out() {
        return;
    }
    let app = spawn_app().await;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(app.data.path()), 0o700);
    assert_eq!(mode(&app.data.path().join("plansift.db")), 0o600);
}

#[tokio::test]
async fn the_base64_upload_reports_its_own_limit() {
    let app = spawn_app().await;
    let big = "A".repeat((48 << 20) + 16);
    let r = app
        .client
        .post(format!("{}/jobs/job_x/uploads/doc_x/content", app.base))
        .bearer_auth(&app.key)
        .header("content-type", "application/json")
        .body(format!(
            "{{\"uploadToken\":\"t\",\"contentBase64\":\"{big}\"}}"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "payload_too_large");
    assert_eq!(body["error"]["details"]["limit"], 48 << 20);
}

#[tokio::test]
async fn a_cancelled_jobs_upload_target_takes_no_bytes() {
    let app = spawn_app().await;
    let project = app.create_project("Cancelled").await;
    let job = app.create_job(&project).await;
    let body = vec![b'%'; 4096];
    let (status, reg) = app
        .post(
            &format!("/jobs/{job}/uploads"),
            json!({ "files": [{ "fileName": "a.pdf", "contentType": "application/pdf",
                "fileSize": body.len(), "sha256": sha256_hex(&body) }] }),
        )
        .await;
    assert_eq!(status, 200, "{reg}");
    let url = reg["uploads"][0]["uploadUrl"].as_str().unwrap().to_string();
    let (status, cancelled) = app.post(&format!("/jobs/{job}/cancel"), json!({})).await;
    assert_eq!(status, 200, "{cancelled}");
    let r = app.client.put(&url).body(body).send().await.unwrap();
    assert_eq!(r.status(), 409);
    let answer: serde_json::Value = r.json().await.unwrap();
    assert_eq!(answer["error"]["code"], "invalid_job_state", "{answer}");
}
