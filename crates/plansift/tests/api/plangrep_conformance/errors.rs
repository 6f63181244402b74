//! Every rejection is the error envelope with a precise code (issue 19 §1), and the Bearer
//! scheme is case-insensitive (§7).

use super::*;

#[tokio::test]
async fn every_rejection_is_the_error_envelope_with_a_precise_code() {
    let app = spawn_app().await;
    let project = app.create_project("Envelopes").await;
    let job = app.create_job(&project).await;
    let files = format!("{}/jobs/{job}/files", app.base);

    // Multipart without a boundary, JSON and a form where a multipart form is taken: 415.
    for (content_type, body) in [
        ("multipart/form-data", "--x\r\n".to_string()),
        ("application/json", json!({ "files": [] }).to_string()),
        ("application/x-www-form-urlencoded", "a=b".to_string()),
    ] {
        let r = app
            .client
            .post(&files)
            .bearer_auth(&app.key)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_envelope(r, 415, "unsupported_media_type").await;
    }
    // No content type at all.
    let r = app
        .client
        .post(&files)
        .bearer_auth(&app.key)
        .send()
        .await
        .unwrap();
    assert_envelope(r, 415, "unsupported_media_type").await;

    // A JSON route given a body of another declared type: 415, not a parse error.
    for content_type in [
        "multipart/form-data; boundary=x",
        "application/xml",
        "application/pdf",
    ] {
        let r = app
            .client
            .post(format!("{}/projects", app.base))
            .bearer_auth(&app.key)
            .header("content-type", content_type)
            .body(json!({ "name": "Typed" }).to_string())
            .send()
            .await
            .unwrap();
        assert_envelope(r, 415, "unsupported_media_type").await;
    }
    // JSON sent the way `curl -d` and `fetch` send a raw body by default is JSON.
    for (n, content_type) in ["application/x-www-form-urlencoded", "text/plain"]
        .iter()
        .enumerate()
    {
        let r = app
            .client
            .post(format!("{}/projects", app.base))
            .bearer_auth(&app.key)
            .header("content-type", *content_type)
            .body(json!({ "name": format!("Raw {n}") }).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 202, "{content_type}");
    }

    // Bad JSON: 400 invalid_request.
    let r = app
        .client
        .post(format!("{}/projects", app.base))
        .bearer_auth(&app.key)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_envelope(r, 400, "invalid_request").await;

    // A JSON body over 1 MiB: 413 payload_too_large.
    let big = json!({ "name": "x".repeat(2 << 20) }).to_string();
    let r = app
        .client
        .post(format!("{}/projects", app.base))
        .bearer_auth(&app.key)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    let body = envelope_body(r, 413, "payload_too_large").await;
    assert_eq!(body["error"]["details"]["limit"], 1 << 20, "{body}");

    // A JSON value of the wrong type: 400 invalid_request naming the field.
    let (status, body) = app.post("/projects", json!({ "name": 5 })).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "invalid_request");
    assert_eq!(body["error"]["details"]["field"], "name", "{body}");
    // A JSON body that is not an object where one is taken.
    let (status, body) = app.post("/projects", json!(["name"])).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "invalid_request");

    // Unknown routes, inside and outside the API: 404 not_found.
    for url in [
        format!("{}/no-such-thing", app.base),
        format!("{}/api/open/v2/projects", app.origin()),
    ] {
        let r = app
            .client
            .get(&url)
            .bearer_auth(&app.key)
            .send()
            .await
            .unwrap();
        assert_envelope(r, 404, "not_found").await;
    }

    // A wrong method: 405 method_not_allowed with `Allow` naming the methods the route takes.
    let r = app
        .client
        .delete(format!("{}/projects", app.base))
        .bearer_auth(&app.key)
        .send()
        .await
        .unwrap();
    let headers = assert_envelope(r, 405, "method_not_allowed").await;
    let allow = headers
        .get("allow")
        .unwrap()
        .to_str()
        .unwrap()
        .to_uppercase();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    let r = app
        .client
        .put(format!("{}/jobs/{job}", app.base))
        .bearer_auth(&app.key)
        .send()
        .await
        .unwrap();
    let headers = assert_envelope(r, 405, "method_not_allowed").await;
    assert!(
        headers
            .get("allow")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("GET")
    );

    // A bad query parameter and a bad path parameter: the envelope, never plain text.
    let r = app
        .client
        .get(format!("{}/projects/{project}/artifact", app.base))
        .bearer_auth(&app.key)
        .send()
        .await
        .unwrap();
    assert_envelope(r, 400, "invalid_request").await;
    let r = app
        .client
        .get(format!(
            "{}/projects/{project}/files/doc_x/pages/1/image?width=wide",
            app.base
        ))
        .bearer_auth(&app.key)
        .send()
        .await
        .unwrap();
    assert_envelope(r, 400, "invalid_request").await;
    let r = app
        .client
        .get(format!("{}/jobs/%FF%FE", app.base))
        .bearer_auth(&app.key)
        .send()
        .await
        .unwrap();
    assert_envelope(r, 400, "invalid_request").await;
    // Bad query parameters of a list: not a number, out of range, a tampered cursor.
    for query in [
        "limit=ten",
        "limit=0",
        "limit=501",
        "cursor=tampered",
        "compact=maybe",
    ] {
        let r = app
            .client
            .get(format!("{}/projects/{project}/files?{query}", app.base))
            .bearer_auth(&app.key)
            .send()
            .await
            .unwrap();
        assert_envelope(r, 400, "invalid_request").await;
    }
    // A path parameter that must be a number and is not.
    let r = app
        .client
        .put(format!("{}/upload-targets/tok/parts/first", app.base))
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16() / 100, 4);
    let body: Value = r.json().await.unwrap();
    assert!(body["error"]["code"].is_string(), "{body}");
    // A malformed id is 404, never 500 (API.md §1).
    let r = app
        .client
        .get(format!("{}/jobs/not-an-id", app.base))
        .bearer_auth(&app.key)
        .send()
        .await
        .unwrap();
    assert_envelope(r, 404, "not_found").await;

    // A trailing slash is tolerated.
    let (status, body) = app.get("/projects/").await;
    assert_eq!(status, 200, "{body}");
    assert!(body["projects"].is_array());
    let (status, body) = app.get(&format!("/jobs/{job}/")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["job"]["id"], job.as_str());
    let (status, body) = app
        .get(&format!("/projects/{project}/files/?status=complete"))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["total"], 0);
    let (status, body) = app.post("/projects/", json!({ "name": "Slash" })).await;
    assert_eq!(status, 202, "{body}");
    // A wrong method on a slashed path still names the allowed ones.
    let r = app
        .client
        .delete(format!("{}/projects/", app.base))
        .bearer_auth(&app.key)
        .send()
        .await
        .unwrap();
    let headers = assert_envelope(r, 405, "method_not_allowed").await;
    assert!(headers.contains_key("allow"));
}

#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive() {
    let app = spawn_app().await;
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let r = app
            .client
            .get(format!("{}/projects", app.base))
            .header("authorization", format!("{scheme} {}", app.key))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{scheme}");
    }
    let r = app
        .client
        .get(format!("{}/projects", app.base))
        .header("authorization", format!("Basic {}", app.key))
        .send()
        .await
        .unwrap();
    assert_envelope(r, 401, "unauthorized").await;
}
