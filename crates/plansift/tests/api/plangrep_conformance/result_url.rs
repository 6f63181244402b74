//! `resultUrl` is pre-signed, expires with the job, and answers like `GET /jobs/{id}/result`
//! (§2).

use super::*;

#[tokio::test]
async fn result_url_is_pre_signed_and_expires() {
    let app = spawn_app().await;
    let project = app.create_project("Result links").await;
    let job = app.create_job(&project).await;
    app.upload(
        &job,
        vec![Upload::file("file0", &corpus(SPEC), "specifications")],
    )
    .await;
    assert_eq!(app.complete(&job).await.0, 202);
    let done = app.wait_job(&job).await;
    assert_eq!(done["status"], "completed", "{done}");
    let url = done["resultUrl"].as_str().unwrap().to_string();
    assert!(url.starts_with(&app.origin()), "{url}");
    assert!(url.contains("token="), "{url}");

    // The same bytes and ETag as the authenticated result, without any key.
    let authed = app
        .client
        .get(format!("{}/jobs/{job}/result", app.base))
        .bearer_auth(&app.key)
        .send()
        .await
        .unwrap();
    let etag = authed.headers()["etag"].clone();
    let authed_bytes = authed.bytes().await.unwrap();
    let r = app.client.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"], etag);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(r.bytes().await.unwrap(), authed_bytes);
    let r = app
        .client
        .get(&url)
        .header("if-none-match", etag.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);

    // The result's own `job.resultUrl` works the same way.
    let result: Value = serde_json::from_slice(&authed_bytes).unwrap();
    let inner = result["job"]["resultUrl"].as_str().unwrap();
    let r = app.client.get(inner).send().await.unwrap();
    assert_eq!(r.status(), 200, "{inner}");

    // A tampered token, or a token for another job: 404; an expired one: 410.
    let r = app.client.get(format!("{url}x")).send().await.unwrap();
    assert_envelope(r, 404, "not_found").await;
    let other = url.replace(&job, "job_01jzzzzzzzzzzzzzzzzzzzzzzz");
    let r = app.client.get(&other).send().await.unwrap();
    assert_envelope(r, 404, "not_found").await;
    let key = plansift_jobs::signed::signing_key(app.meta())
        .await
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let expired = plansift_jobs::signed::result_url(&key, &app.origin(), &job, now - 5);
    let r = app.client.get(&expired).send().await.unwrap();
    assert_envelope(r, 410, "token_expired").await;
    // Valid until the job's expiresAt, not longer.
    let expires = app
        .meta()
        .job(None, &job)
        .await
        .unwrap()
        .unwrap()
        .expires_at
        .unwrap()
        .timestamp();
    let too_long = plansift_jobs::signed::result_url(&key, &app.origin(), &job, expires + 3600);
    assert_ne!(too_long, url);
    assert_eq!(
        plansift_jobs::signed::result_url(&key, &app.origin(), &job, expires),
        url
    );
}
