//! Plangrep conformance (issue 19): what a client written from Plangrep's published API expects,
//! asserted from the documented names, values, shapes and status codes (API.md, whose Plangrep
//! notes say what Plangrep documents), not from Plansift's code. Each test of the differences
//! fails on the behaviour the issue reports; the shape tests walk every documented field,
//! enum value and filter.

mod errors;
mod jobs;
mod openapi_agrees;
mod projects_search;
mod reads;
mod result_url;
mod routes;
mod seed_flow;
mod shapes;
mod uploads_and_artifacts;

pub use crate::helpers::*;
pub use serde_json::{Value, json};

pub const SPEC: &str = "spectAIchallenge/22 08 00 - COMMISSIONING OF PLUMBING (Short).pdf";
pub const ADDENDUM: &str = "spec_test_suite/NYC_OGS_Addendum_01.pdf";
pub const SHEET: &str = "ranjantx_ocr_parser/E201A-FLOOR-PLAN- P&S.pdf";

/// The error envelope of API.md §1 with `code`, as JSON, with a request id.
pub async fn assert_envelope(
    r: reqwest::Response,
    status: u16,
    code: &str,
) -> reqwest::header::HeaderMap {
    assert_eq!(r.status().as_u16(), status, "{:?}", r.url().to_string());
    let headers = r.headers().clone();
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type} for {code}"
    );
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert!(
        body["error"]["requestId"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert!(headers.contains_key("x-request-id"));
    headers
}

/// [`assert_envelope`], answering the envelope's body.
pub async fn envelope_body(r: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(r.status().as_u16(), status, "{:?}", r.url().to_string());
    assert!(r.headers().contains_key("x-request-id"));
    let content_type = r.headers()["content-type"].to_str().unwrap().to_string();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(body["error"]["requestId"].is_string(), "{body}");
    body
}

/// One project with a job of a drawing, a specification section and an addendum.
pub async fn read_project(app: &TestApp) -> (String, String, Value) {
    let project = app.create_project("Conformance reads").await;
    let job = app.create_job(&project).await;
    let (status, body) = app
        .upload(
            &job,
            vec![
                Upload::file("file0", &corpus(SHEET), "plans"),
                Upload::file("file1", &corpus(SPEC), "specifications"),
                Upload::file("file2", &corpus(ADDENDUM), "addenda"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.complete(&job).await.0, 202);
    let done = app.wait_job(&job).await;
    assert_eq!(done["status"], "completed", "{done}");
    (project, job, done)
}

/// `2026-11-28T10:00:00.000Z`: RFC 3339 UTC with milliseconds (API.md §1).
pub fn is_time(v: &Value) -> bool {
    let Some(s) = v.as_str() else { return false };
    let b = s.as_bytes();
    s.len() == 24
        && b[4] == b'-'
        && b[10] == b'T'
        && b[19] == b'.'
        && s.ends_with('Z')
        && s[..4].bytes().all(|c| c.is_ascii_digit())
}

/// `<prefix>_<26-char lowercase ULID>` (API.md §1).
pub fn is_id(v: &Value, prefix: &str) -> bool {
    v.as_str().is_some_and(|s| {
        s.strip_prefix(prefix)
            .and_then(|r| r.strip_prefix('_'))
            .is_some_and(|u| {
                u.len() == 26
                    && u.bytes()
                        .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase())
            })
    })
}

pub fn has_fields(v: &Value, fields: &[&str]) {
    for f in fields {
        assert!(v.get(f).is_some(), "{f} missing: {v}");
    }
}

pub fn one_of(v: &Value, values: &[&str]) {
    assert!(
        v.as_str().is_some_and(|s| values.contains(&s)),
        "{v} is not one of {values:?}"
    );
}
