//! The guide's seed flow, unchanged.

use super::*;

/// The seed flow, written from nothing but the guide's curl steps: create a project and poll
/// until it is ready, create a job, upload with a metadata part, complete, poll, read the
/// result, and fetch `resultUrl` with no key.
#[tokio::test]
async fn the_guides_seed_flow_runs_unchanged() {
    let app = spawn_app().await;
    let (api, key, http) = (app.base.clone(), app.key.clone(), reqwest::Client::new());
    let auth = format!("Bearer {key}");

    let r = http
        .post(format!("{api}/projects"))
        .header("Authorization", &auth)
        .header("Content-Type", "application/json")
        .body(r#"{"name":"Main Street Library"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let project = r.json::<Value>().await.unwrap()["project"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    loop {
        let r = http
            .get(format!("{api}/projects/{project}"))
            .header("Authorization", &auth)
            .send()
            .await
            .unwrap();
        if r.json::<Value>().await.unwrap()["project"]["status"] == "ready" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }

    let r = http
        .post(format!("{api}/projects/{project}/jobs"))
        .header("Authorization", &auth)
        .header("Content-Type", "application/json")
        .body(r#"{"externalId":"bid-set-1"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let job = r.json::<Value>().await.unwrap()["job"]["id"]
        .as_str()
        .unwrap()
        .to_string();

    let metadata = r#"{"files":[{"partName":"file0","fileName":"specs.pdf","contentType":"application/pdf","classification":"specifications"}]}"#;
    let form = reqwest::multipart::Form::new()
        .text("metadata", metadata)
        .part(
            "file0",
            reqwest::multipart::Part::bytes(std::fs::read(corpus(SPEC)).unwrap())
                .file_name("specs.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        );
    let r = http
        .post(format!("{api}/jobs/{job}/files"))
        .header("Authorization", &auth)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let uploaded: Value = r.json().await.unwrap();
    assert_eq!(uploaded["uploads"][0]["status"], "uploaded", "{uploaded}");
    assert!(uploaded["uploads"][0]["documentId"].is_string());

    let r = http
        .post(format!("{api}/jobs/{job}/uploads/complete"))
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    assert_eq!(
        r.json::<Value>().await.unwrap()["job"]["status"],
        "preflighting"
    );

    let started = std::time::Instant::now();
    let job_view = loop {
        let r = http
            .get(format!("{api}/jobs/{job}"))
            .header("Authorization", &auth)
            .send()
            .await
            .unwrap();
        let body: Value = r.json().await.unwrap();
        let status = body["job"]["status"].as_str().unwrap().to_string();
        if [
            "completed",
            "completed_with_errors",
            "failed",
            "cancelled",
            "expired",
        ]
        .contains(&status.as_str())
        {
            break body["job"].clone();
        }
        assert!(started.elapsed().as_secs() < 120, "{body}");
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    };
    assert_eq!(job_view["status"], "completed", "{job_view}");

    let r = http
        .get(format!("{api}/jobs/{job}/result"))
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let result: Value = r.json().await.unwrap();
    assert_eq!(result["schemaVersion"], "v1");
    assert_eq!(result["documents"][0]["fileName"], "specs.pdf");

    // Another process, with no key, fetches the result from the job's resultUrl.
    let url = job_view["resultUrl"].as_str().unwrap();
    let r = reqwest::Client::new().get(url).send().await.unwrap();
    assert_eq!(r.status(), 200, "{url}");
    assert_eq!(r.json::<Value>().await.unwrap(), result);
}
