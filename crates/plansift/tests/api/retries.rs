//! A task that keeps failing is retried a bounded number of times, then its pages fail with
//! `page_failed`: the job still ends, and only the pages that were processed are charged.

use crate::helpers::*;

const MANUAL: &str = "spec_test_suite/2024-09-11 Project Manual SC Justice Center Remodel.pdf";
const HVAC: &str = "spectAIchallenge/233000 HVAC Air Distribution (Long).pdf";
const MEDIUM: &str = "spectAIchallenge/271500 (Medium).pdf";

#[tokio::test]
async fn a_task_that_keeps_failing_fails_its_pages_instead_of_retrying_forever() {
    let app = spawn_app_configured(true, |c| {
        c.runner.pages_per_task = 4;
        c.runner.max_attempts = 3;
    })
    .await;
    let state = app.app.as_ref().unwrap().state.clone();
    let project = app.create_project("Retries").await;
    let job = app.create_job(&project).await;
    let (status, up) = app
        .upload(
            &job,
            vec![
                Upload::file("file0", &corpus(MANUAL), "specifications"),
                Upload::file("file1", &corpus(HVAC), "specifications"),
                Upload::file("file2", &corpus(MEDIUM), "specifications"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{up}");
    let docs: Vec<String> = (0..3)
        .map(|i| up["uploads"][i]["documentId"].as_str().unwrap().to_string())
        .collect();
    app.complete(&job).await;
    // Once the first pages are in,
    let started = std::time::Instant::now();
    while app.get(&format!("/jobs/{job}")).await.1["job"]["progress"]["pagesDone"]
        .as_i64()
        .unwrap_or(0)
        == 0
    {
        assert!(started.elapsed() < std::time::Duration::from_secs(60));
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }

    // the documents' bytes vanish. The tasks of the first document go on from the copy the
    // worker holds; those of the two later documents, never read yet, fail every attempt.
    for doc in &docs {
        state
            .blobs
            .delete(&format!("documents/{doc}"))
            .await
            .unwrap();
    }
    let done = app.wait_job(&job).await;
    assert_eq!(done["status"], "completed_with_errors", "{done}");
    let (ok, failed) = (
        done["successfulPageCount"].as_i64().unwrap(),
        done["failedPageCount"].as_i64().unwrap(),
    );
    assert_eq!(ok + failed, 380 + 30 + 7, "{done}");
    assert!(failed > 0 && ok >= 380, "{done}");

    let pages = state.meta.job_pages(&job).await.unwrap();
    let failed_pages: Vec<_> = pages.iter().filter(|p| p.status != "done").collect();
    assert_eq!(failed_pages.len() as i64, failed);
    assert!(failed_pages.iter().all(|p| p.document_id != docs[0]));
    assert!(
        failed_pages
            .iter()
            .all(|p| p.error_code.as_deref() == Some("page_failed")),
        "every page of a task given up on fails with page_failed"
    );
    // Only processed pages are debited; the rest of the reservation is released.
    let org = state.meta.org_by_name("default").await.unwrap().unwrap();
    let ledger = state.meta.ledger(&org.id).await.unwrap();
    let of_job: Vec<_> = ledger
        .iter()
        .filter(|e| e.job_id.as_deref() == Some(job.as_str()))
        .collect();
    assert_eq!(
        of_job.iter().filter(|e| e.kind == "debit").count() as i64,
        ok
    );
    assert_eq!(of_job.iter().map(|e| e.reserved_delta).sum::<i64>(), 0);
    assert_eq!(done["billing"]["creditsDebited"], ok);
}
