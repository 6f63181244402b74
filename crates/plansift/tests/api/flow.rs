//! The seed flow of Plangrep's "submit a job" guide, end to end.

use crate::helpers::*;
use serde_json::json;

#[tokio::test]
async fn submit_a_job_flow_gives_every_page_and_a_sheet_per_drawing() {
    let app = spawn_app().await;
    let project = app.create_project("Seed flow").await;
    let job = app.create_job(&project).await;
    let plans = corpus("wsdot_plansheet/Pages from M01-17-ITS-Tolling-2b.pdf");
    let specs = corpus("spectAIchallenge/271500 (Medium).pdf");
    let (status, body) = app
        .upload(
            &job,
            vec![
                Upload::file("file0", &plans, "plans"),
                Upload::file("file1", &specs, "specifications"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "uploaded");
    assert_eq!(body["job"]["status"], "uploading");
    let ids: Vec<String> = body["uploads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["documentId"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 2);

    let (status, body) = app.complete(&job).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["job"]["status"], "preflighting");
    // Complete is idempotent.
    let (status, again) = app.complete(&job).await;
    assert_eq!(status, 202, "{again}");

    let done = app.wait_job(&job).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["pageCount"], 11);
    assert_eq!(
        done["progress"],
        json!({ "pagesDone": 11, "pagesTotal": 11 })
    );
    assert_eq!(done["billing"]["creditsDebited"], 4 * 10 + 7);
    assert!(
        done["resultUrl"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/api/open/v1/jobs/{job}/result"))
    );

    let r = app
        .client
        .get(format!("{}/jobs/{job}/result", app.base))
        .bearer_auth(&app.key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    let result: serde_json::Value = r.json().await.unwrap();
    assert_eq!(result["schemaVersion"], "v1");
    assert_eq!(result["job"]["externalId"], "ext-1");
    let docs = result["documents"].as_array().unwrap();
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0]["documentId"], ids[0]);
    assert_eq!(docs[0]["pageCount"], 4);
    assert_eq!(docs[1]["pageCount"], 7);
    for d in docs {
        let pages = d["pages"].as_array().unwrap();
        assert_eq!(pages.len() as i64, d["pageCount"].as_i64().unwrap());
        let drawings = pages.iter().filter(|p| p["kind"] == "drawing").count();
        assert_eq!(d["sheets"].as_array().unwrap().len(), drawings);
    }
    let numbers: Vec<&str> = docs[0]["sheets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["sheetNumber"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, ["TSDE01", "TSDE02", "TSDE03", "TSDE04"]);
    assert_eq!(result["usage"]["drawingPageCount"], 4);
    assert_eq!(result["usage"]["documentPageCount"], 7);

    // The same bytes on every read; a matching If-None-Match is 304.
    let r = app
        .client
        .get(format!("{}/jobs/{job}/result", app.base))
        .bearer_auth(&app.key)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);

    // The ledger: reserved at preflight, debited per page, the rest released.
    let org = app.meta().org_by_name("default").await.unwrap().unwrap();
    let ledger = app.meta().ledger(&org.id).await.unwrap();
    let job_entries: Vec<_> = ledger
        .iter()
        .filter(|e| e.job_id.as_deref() == Some(job.as_str()))
        .collect();
    assert_eq!(job_entries.iter().filter(|e| e.kind == "debit").count(), 11);
    assert_eq!(job_entries.iter().map(|e| e.reserved_delta).sum::<i64>(), 0);
    assert_eq!(
        job_entries.iter().map(|e| e.available_delta).sum::<i64>(),
        -47
    );

    // The status history, in order.
    let (_, events) = app.get(&format!("/jobs/{job}/events")).await;
    let statuses: Vec<&str> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "awaiting_uploads",
            "uploading",
            "preflighting",
            "processing",
            "completed"
        ]
    );
}

#[tokio::test]
async fn idempotency_key_replays_job_creation_with_its_secret() {
    let app = spawn_app().await;
    let project = app.create_project("Idempotent").await;
    let send = |body: serde_json::Value| {
        app.client
            .post(format!("{}/projects/{project}/jobs", app.base))
            .bearer_auth(&app.key)
            .header("idempotency-key", "create-1")
            .json(&body)
            .send()
    };
    let first: serde_json::Value = send(json!({ "externalId": "a" }))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r = send(json!({ "externalId": "a" })).await.unwrap();
    assert_eq!(r.status(), 202);
    let replay: serde_json::Value = r.json().await.unwrap();
    assert_eq!(replay["idempotent"], true);
    assert_eq!(replay["job"]["id"], first["job"]["id"]);
    assert_eq!(
        replay["webhookSigningSecret"],
        first["webhookSigningSecret"]
    );
    let r = send(json!({ "externalId": "b" })).await.unwrap();
    assert_eq!(r.status(), 422);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "idempotency_key_reused");
    let (_, jobs) = app.get(&format!("/projects/{project}/jobs")).await;
    assert_eq!(jobs["jobs"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_echoes_a_sane_one() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(format!("{}/projects", app.base))
        .bearer_auth(&app.key)
        .header("x-request-id", "client-abc-1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "client-abc-1");
    let r = app
        .client
        .get(format!("{}/projects", app.base))
        .header("x-request-id", "bad id with spaces")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let id = r.headers()["x-request-id"].to_str().unwrap().to_string();
    assert!(id.starts_with("req_"));
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["requestId"], id);
    assert_eq!(body["error"]["code"], "unauthorized");
}
