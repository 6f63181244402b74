//! `GET /openapi.json` agrees with what is served: the project, job and Result v1 a real server
//! answers validate against the document's own schemas (jsonschema, 2020-12), and the enums the
//! document states hold the values API.md names.

use super::*;

#[tokio::test]
async fn served_answers_validate_against_the_openapi_schemas() {
    let app = spawn_app().await;
    let (project, job, _) = read_project(&app).await;
    let r = app
        .client
        .get(format!("{}/openapi.json", app.base))
        .send()
        .await
        .unwrap();
    let doc: Value = r.json().await.unwrap();
    let schemas = &doc["components"]["schemas"];
    let dir = app.data.path().join("served");
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, v: &Value| {
        let path = dir.join(name);
        std::fs::write(&path, serde_json::to_vec(v).unwrap()).unwrap();
        path.to_string_lossy().to_string()
    };

    let (_, p) = app.get(&format!("/projects/{project}")).await;
    let (_, j) = app.get(&format!("/jobs/{job}")).await;
    let (_, result) = app.get(&format!("/jobs/{job}/result")).await;
    let fresh = app.create_job(&project).await;
    let (_, waiting) = app.get(&format!("/jobs/{fresh}")).await;
    assert!(waiting["job"]["resultUrl"].is_null(), "{waiting}");
    let name_of = |wanted: &str| {
        schemas
            .as_object()
            .unwrap()
            .keys()
            .find(|k| k.as_str() == wanted)
            .unwrap_or_else(|| panic!("no {wanted} schema"))
            .clone()
    };
    let mut args = vec![write("openapi.json", &doc)];
    for (schema, file, value) in [
        (name_of("ProjectView"), "project.json", &p["project"]),
        (name_of("JobView"), "job.json", &j["job"]),
        (name_of("JobView"), "waiting.json", &waiting["job"]),
        (name_of("ResultV1"), "result.json", &result),
    ] {
        args.push(schema);
        args.push(write(file, value));
    }
    let py_path = std::path::Path::new(&std::env::var("HOME").unwrap()).join(".cache/plansift-py");
    let out = std::process::Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/support/validate_served.py"
        ))
        .args(&args)
        .env("PYTHONPATH", py_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "served answers do not match openapi.json: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The error codes of API.md's table are the document's Error.code enum.
    let codes: Vec<&str> =
        doc["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
    for code in [
        "invalid_request",
        "unauthorized",
        "forbidden",
        "not_found",
        "method_not_allowed",
        "unsupported_media_type",
        "project_not_ready",
        "invalid_job_state",
        "result_not_available",
        "project_name_taken",
        "index_not_ready",
        "idempotency_key_in_use",
        "payload_too_large",
        "idempotency_key_reused",
        "checksum_mismatch",
        "upload_incomplete",
        "limit_exceeded",
        "invalid_webhook_url",
        "insufficient_credits",
        "token_expired",
        "rate_limited",
        "internal",
        "unavailable",
    ] {
        assert!(codes.contains(&code), "{code} missing from {codes:?}");
    }
}
