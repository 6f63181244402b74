//! The OpenAPI document (API.md §11): valid OpenAPI 3.1 by an independent validator
//! (openapi-spec-validator, installed by scripts/setup.sh --test), and every operation it lists is
//! served by the router, with the method it names.

use crate::helpers::*;
use serde_json::Value;

#[tokio::test]
async fn the_document_validates_and_matches_the_router() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(format!("{}/openapi.json", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let doc: Value = r.json().await.unwrap();

    let file = app.data.path().join("openapi.json");
    std::fs::write(&file, serde_json::to_vec(&doc).unwrap()).unwrap();
    let py_path = std::path::Path::new(&std::env::var("HOME").unwrap()).join(".cache/plansift-py");
    let out = std::process::Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/support/validate_openapi.py"
        ))
        .arg(&file)
        .env("PYTHONPATH", py_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the document is not valid OpenAPI 3.1 (is scripts/setup.sh --test run?): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let operations: usize = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    assert!(operations >= 49, "{operations}");

    // Every error code of the contract is in the Error schema.
    let codes =
        &doc["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]["enum"];
    assert_eq!(
        codes.as_array().unwrap().len(),
        plansift_types::ErrorCode::ALL.len()
    );
    assert!(doc["components"]["schemas"]["ResultV1"].is_object());

    // Every listed operation is routed: never the router's own "no such route" answers.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let concrete: String = path
                .split('/')
                .map(|s| if s.starts_with('{') { "x" } else { s })
                .collect::<Vec<_>>()
                .join("/");
            let url = format!("{}{concrete}", app.origin());
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let r = app.client.request(m, &url).send().await.unwrap();
            let status = r.status().as_u16();
            let body: Value = r.json().await.unwrap_or(Value::Null);
            let message = body["error"]["message"].as_str().unwrap_or_default();
            assert!(
                !message.starts_with("no such route"),
                "{method} {path} is listed but not routed ({status} {message})"
            );
        }
    }
    // And a method the document does not list for a path is not served.
    let r = app
        .client
        .delete(format!("{}/projects", app.base))
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["message"], "no such route for this method");
}
