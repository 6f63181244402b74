//! The job lifecycle through the API (API.md §3): cancel from every non-terminal status, with
//! in-flight work stopping at a page boundary and the reservation released; the event history.

use crate::helpers::*;
use serde_json::json;
use std::time::Duration;

const MANUAL: &str = "spec_test_suite/2024-09-11 Project Manual SC Justice Center Remodel.pdf";
const SPEC: &str = "spectAIchallenge/271500 (Medium).pdf";

#[tokio::test]
async fn cancel_works_from_every_non_terminal_status() {
    let app = spawn_app().await;
    let meta = app.meta();
    let org = meta.org_by_name("default").await.unwrap().unwrap();
    let project = app.create_project("Lifecycle").await;

    // awaiting_uploads and uploading.
    let waiting = app.create_job(&project).await;
    let uploading = app.create_job(&project).await;
    app.upload(
        &uploading,
        vec![Upload::file("file0", &corpus(SPEC), "specifications")],
    )
    .await;
    for (job, from) in [(&waiting, "awaiting_uploads"), (&uploading, "uploading")] {
        let (_, before) = app.get(&format!("/jobs/{job}")).await;
        assert_eq!(before["job"]["status"], from);
        let (status, body) = app.post(&format!("/jobs/{job}/cancel"), json!({})).await;
        assert_eq!((status, &body["job"]["status"]), (200, &json!("cancelled")));
    }

    // blocked_insufficient_credits: an organization without credits.
    let poor = meta.create_org("Poor").await.unwrap();
    let key = new_key(
        meta,
        &poor.id,
        &[
            plansift_types::Scope::JobsRead,
            plansift_types::Scope::JobsWrite,
        ],
    )
    .await;
    let poor_app = TestApp::with_key(&app, &key);
    let poor_project = poor_app.create_project("Poor").await;
    let blocked = poor_app.create_job(&poor_project).await;
    poor_app
        .upload(
            &blocked,
            vec![Upload::file("file0", &corpus(SPEC), "specifications")],
        )
        .await;
    poor_app.complete(&blocked).await;
    poor_app
        .wait_status(&blocked, "blocked_insufficient_credits")
        .await;
    let (status, body) = poor_app
        .post(&format!("/jobs/{blocked}/cancel"), json!({}))
        .await;
    assert_eq!((status, &body["job"]["status"]), (200, &json!("cancelled")));

    // processing: a 380-page book, cancelled after some pages; work stops at a page boundary.
    let busy = app.create_job(&project).await;
    app.upload(
        &busy,
        vec![Upload::file("file0", &corpus(MANUAL), "specifications")],
    )
    .await;
    app.complete(&busy).await;
    loop {
        let (_, j) = app.get(&format!("/jobs/{busy}")).await;
        if j["job"]["progress"]["pagesDone"].as_i64().unwrap_or(0) >= 5 {
            break;
        }
        let status = j["job"]["status"].as_str().unwrap();
        assert!(status == "preflighting" || status == "processing", "{j}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let (status, body) = app.post(&format!("/jobs/{busy}/cancel"), json!({})).await;
    assert_eq!(
        (status, &body["job"]["status"]),
        (200, &json!("cancelled")),
        "{body}"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (_, after) = app.get(&format!("/jobs/{busy}")).await;
    let done = after["job"]["progress"]["pagesDone"].as_i64().unwrap();
    assert!(done < 380, "{after}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (_, later) = app.get(&format!("/jobs/{busy}")).await;
    assert_eq!(
        later["job"]["progress"]["pagesDone"], done,
        "pages went on after cancel"
    );
    // Debited only for pages done; nothing stays reserved.
    assert_eq!(later["job"]["billing"]["creditsDebited"], done);
    let held: i64 = meta
        .ledger(&org.id)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.job_id.as_deref() == Some(busy.as_str()))
        .map(|e| e.reserved_delta)
        .sum();
    assert_eq!(held, 0);
    let (status, body) = app.get(&format!("/jobs/{busy}/result")).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (409, &json!("result_not_available"))
    );
    // A terminal job cannot be cancelled again.
    let (status, body) = app.post(&format!("/jobs/{busy}/cancel"), json!({})).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (409, &json!("invalid_job_state"))
    );

    // The history, in order.
    let statuses = app.event_statuses(&busy).await;
    assert_eq!(
        statuses,
        [
            "awaiting_uploads",
            "uploading",
            "preflighting",
            "processing",
            "cancelled"
        ]
    );
}
