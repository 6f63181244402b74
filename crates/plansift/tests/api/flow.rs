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
            .starts_with(&format!("{}/results/{job}?token=", app.base))
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
    let statuses = app.event_statuses(&job).await;
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

#[tokio::test]
async fn sheets_carry_thumbnails_and_vector_crops_that_keep_their_text() {
    let app = spawn_app().await;
    let plans = corpus("opentakeoff/sample-finish-plan.pdf");
    let (job, done, result) = app
        .run_job("Artifacts", vec![Upload::file("file0", &plans, "plans")])
        .await;
    assert_eq!(done["status"], "completed");
    let doc = &result["documents"][0];
    assert_eq!(doc["artifacts"][0]["type"], "original");
    let fetch = |path: &str, key: &str| {
        app.client
            .get(format!("{}/jobs/{job}/artifact", app.base))
            .query(&[("path", path)])
            .bearer_auth(key.to_string())
            .send()
    };
    let original = fetch(doc["artifacts"][0]["path"].as_str().unwrap(), &app.key)
        .await
        .unwrap();
    assert_eq!(original.status(), 200);
    assert_eq!(
        original.bytes().await.unwrap(),
        std::fs::read(&plans).unwrap()
    );

    let crop_dir = tempfile::tempdir().unwrap();
    for sheet in doc["sheets"].as_array().unwrap() {
        let kinds: Vec<&str> = sheet["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["type"].as_str().unwrap())
            .collect();
        // A thumbnail, a vector crop, then a crop per region that has a box.
        assert_eq!(kinds[..2], ["thumbnail", "vector_crop"], "{sheet}");
        assert!(kinds[2..].iter().all(|k| *k == "region_crop"), "{sheet}");
        assert!(kinds.len() - 2 <= sheet["regionIds"].as_array().unwrap().len());
        let thumb = &sheet["artifacts"][0];
        assert_eq!(
            thumb["width"]
                .as_u64()
                .unwrap()
                .max(thumb["height"].as_u64().unwrap()),
            1024
        );
        assert!(thumb["url"].as_str().unwrap().contains("/artifact?path="));
        let r = fetch(thumb["path"].as_str().unwrap(), &app.key)
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "image/png");
        assert!(r.headers().contains_key("etag"));
        assert!(r.bytes().await.unwrap().starts_with(b"\x89PNG\r\n\x1a\n"));

        let r = fetch(sheet["artifacts"][1]["path"].as_str().unwrap(), &app.key)
            .await
            .unwrap();
        assert_eq!(r.headers()["content-type"], "application/pdf");
        let pdf = r.bytes().await.unwrap();
        let file = crop_dir.path().join("crop.pdf");
        std::fs::write(&file, &pdf).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_plansift"))
            .arg("process")
            .arg(&file)
            .output()
            .unwrap();
        let crop: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(crop["documents"][0]["pageCount"], 1);
        assert_eq!(
            crop["documents"][0]["sheets"][0]["sheetNumber"], sheet["sheetNumber"],
            "the crop keeps the vector text"
        );
    }

    // Only referenced paths, only for the owner, only with the scope.
    let doc_id = doc["documentId"].as_str().unwrap();
    for bad in [
        "../plansift.db",
        "/etc/passwd",
        &format!("{doc_id}/page-99.png"),
        &format!("{doc_id}/../../plansift.db"),
        "results/x.json",
    ] {
        assert_eq!(fetch(bad, &app.key).await.unwrap().status(), 404, "{bad}");
    }
    let (other, _) = app.meta().ensure_org("other", 0).await.unwrap();
    let stranger = new_key(
        app.meta(),
        &other.id,
        &[plansift_types::Scope::ArtifactsRead],
    )
    .await;
    let thumb = doc["sheets"][0]["artifacts"][0]["path"].as_str().unwrap();
    assert_eq!(fetch(thumb, &stranger).await.unwrap().status(), 404);
    let org = app.meta().org_by_name("default").await.unwrap().unwrap();
    let reader = new_key(app.meta(), &org.id, &[plansift_types::Scope::JobsRead]).await;
    assert_eq!(fetch(thumb, &reader).await.unwrap().status(), 403);
}

#[tokio::test]
async fn an_image_only_pdf_gives_sheets_with_numbers_and_titles() {
    let app = spawn_app().await;
    let scan = corpus("derived_raster/M01-17-ITS-Tolling-2b_raster150.pdf");
    let (_, done, result) = app
        .run_job("Scans", vec![Upload::file("file0", &scan, "plans")])
        .await;
    assert_eq!(done["status"], "completed");
    let doc = &result["documents"][0];
    assert!(
        doc["pages"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["textSource"] == "ocr"),
        "{}",
        doc["pages"]
    );
    let sheets = doc["sheets"].as_array().unwrap();
    let numbers: Vec<&str> = sheets
        .iter()
        .map(|s| s["sheetNumber"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(numbers, ["TSDE01", "TSDE02", "TSDE03", "TSDE04"]);
    for s in sheets {
        assert_eq!(s["sheetName"], "COMMUNICATION ONE-LINE DIAGRAM");
        let confidence = s["fields"]["sheetNumber"]["confidence"].as_f64().unwrap();
        assert!(confidence > 0.0 && confidence < 1.0);
    }
}
