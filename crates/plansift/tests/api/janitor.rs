//! The janitor: jobs past `expiresAt` are expired or deleted (404 from then on, project entities
//! kept), registrations whose tokens ran out are dropped with their parts, and temporaries that
//! were never published are removed.

use crate::helpers::*;
use serde_json::json;
use std::time::Duration;

const SHEET: &str = "ranjantx_ocr_parser/E201A-FLOOR-PLAN- P&S.pdf";
const MANUAL: &str = "spec_test_suite/2024-09-11 Project Manual SC Justice Center Remodel.pdf";

#[tokio::test]
async fn the_janitor_deletes_what_outlived_its_time_and_nothing_else() {
    let app = spawn_app_configured(true, |c| {
        c.server.multipart_threshold = 512 * 1024;
        c.server.multipart_part_size = 256 * 1024;
    })
    .await;
    let state = app.app.as_ref().unwrap().state.clone();
    let blobs = state.blobs.clone();

    // A finished job past its retention, and one that keeps its time.
    let (old, _, result) = app
        .run_job("Old", vec![Upload::file("file0", &corpus(SHEET), "plans")])
        .await;
    let (kept, _, _) = app
        .run_job("Kept", vec![Upload::file("file0", &corpus(SHEET), "plans")])
        .await;
    let doc = result["documents"][0]["documentId"]
        .as_str()
        .unwrap()
        .to_string();
    let project = app.get(&format!("/jobs/{old}")).await.1["job"]["projectId"]
        .as_str()
        .unwrap()
        .to_string();
    sql(
        app.data.path(),
        "UPDATE jobs SET expires_at = '2020-01-01T00:00:00.000Z' WHERE id = $1",
        &old,
    )
    .await;

    // A job that never got its uploads, past its time.
    let stale_project = app.create_project("Stale").await;
    let stale = app.create_job(&stale_project).await;
    sql(
        app.data.path(),
        "UPDATE jobs SET expires_at = '2020-01-01T00:00:00.000Z' WHERE id = $1",
        &stale,
    )
    .await;

    // A multipart registration with one part sent, whose token ran out.
    let live_project = app.create_project("Live").await;
    let live = app.create_job(&live_project).await;
    let manual = std::fs::read(corpus(MANUAL)).unwrap();
    let (_, reg) = app
        .post(
            &format!("/jobs/{live}/uploads"),
            json!({ "files": [{ "fileName": "manual.pdf", "contentType": "application/pdf",
                "fileSize": manual.len(), "sha256": sha256_hex(&manual) }] }),
        )
        .await;
    let part = &reg["uploads"][0]["parts"][0];
    let r = app
        .client
        .put(part["uploadUrl"].as_str().unwrap())
        .body(manual[..256 * 1024].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let registered = reg["uploads"][0]["documentId"]
        .as_str()
        .unwrap()
        .to_string();
    sql(
        app.data.path(),
        "UPDATE documents SET upload_expires_at = '2020-01-01T00:00:00.000Z' WHERE id = $1",
        &registered,
    )
    .await;
    let parts = blobs.keys(&format!("uploads/{registered}")).await.unwrap();
    assert_eq!(parts.len(), 1, "{parts:?}");

    // A temporary left behind by a crashed write.
    let mut leftover = blobs.stage().await.unwrap();
    leftover.write(b"partial").await.unwrap();
    leftover.finish().await.unwrap();

    let sweep = plansift_jobs::janitor::sweep(
        state.meta.as_ref(),
        state.blobs.as_ref(),
        &plansift_types::time::now(),
        Duration::ZERO,
    )
    .await
    .unwrap();
    assert_eq!(sweep.expired_jobs, 1, "{sweep:?}");
    assert_eq!(sweep.purged_jobs, 2, "{sweep:?}");
    assert_eq!(sweep.registration_parts, 1, "{sweep:?}");
    assert_eq!(sweep.temporaries, 1, "{sweep:?}");

    // The old job, its result and artifacts are gone; its project entities stay.
    for path in [
        format!("/jobs/{old}"),
        format!("/jobs/{old}/result"),
        format!("/jobs/{old}/artifact?path={doc}/original.pdf"),
        format!("/jobs/{stale}"),
    ] {
        let (status, body) = app.get(&path).await;
        assert_eq!(status, 404, "{path}: {body}");
    }
    assert!(!blobs.exists(&format!("documents/{doc}")).await.unwrap());
    assert!(
        blobs
            .keys(&format!("artifacts/{doc}"))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(!blobs.exists(&format!("results/{old}.json")).await.unwrap());
    let (_, sheets) = app.get(&format!("/projects/{project}/sheets")).await;
    assert_eq!(sheets["total"], 1, "{sheets}");
    // The job that keeps its time is untouched.
    let (status, body) = app.get(&format!("/jobs/{kept}/result")).await;
    assert_eq!(status, 200, "{body}");

    // The expired registration is dropped with its part; the job itself stays.
    let (status, job) = app.get(&format!("/jobs/{live}")).await;
    assert_eq!(status, 200);
    assert_eq!(job["job"]["files"], json!([]));
    assert!(
        blobs
            .keys(&format!("uploads/{registered}"))
            .await
            .unwrap()
            .is_empty()
    );

    // A second sweep has nothing to do.
    let again = plansift_jobs::janitor::sweep(
        state.meta.as_ref(),
        state.blobs.as_ref(),
        &plansift_types::time::now(),
        Duration::ZERO,
    )
    .await
    .unwrap();
    assert_eq!(again, Default::default());
}
