//! Job files: per-file errors and `cancelled` (§7, §8), batch `skipped` (§7); keys carry
//! `createdByUserId` (§7).

use super::*;

#[tokio::test]
async fn job_files_say_why_they_failed_and_follow_a_cancel() {
    let app = spawn_app().await;
    let project = app.create_project("File outcomes").await;

    // A job whose only file is not a PDF ends failed, and the file says why.
    let job = app.create_job(&project).await;
    let (status, body) = app
        .upload(
            &job,
            vec![Upload::bytes(
                "file0",
                "notes.pdf",
                b"plain text, no PDF".to_vec(),
                "documents",
            )],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.complete(&job).await.0, 202);
    let done = app.wait_job(&job).await;
    assert_eq!(done["status"], "failed", "{done}");
    let file = &done["files"][0];
    assert_eq!(file["status"], "failed", "{done}");
    assert_eq!(file["error"]["code"], "unsupported_format", "{done}");
    assert!(
        file["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
    // A failed job has no result, and says why at the job level too.
    assert!(done["resultUrl"].is_null(), "{done}");
    assert_eq!(done["error"]["code"], "no_readable_documents", "{done}");
    let (status, body) = app.get(&format!("/jobs/{job}/result")).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "result_not_available");

    // Encrypted and damaged files beside a good one: each failed file carries its reason, the
    // good one `error: null`.
    let damaged = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 9 0 R\ntorn off here".to_vec();
    let job = app.create_job(&project).await;
    let (status, body) = app
        .upload(
            &job,
            vec![
                Upload::file("file0", &corpus(SPEC), "specifications"),
                Upload::bytes("file1", "locked.pdf", encrypted_pdf(), "documents"),
                Upload::bytes("file2", "torn.pdf", damaged, "documents"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.complete(&job).await.0, 202);
    let done = app.wait_job(&job).await;
    assert_eq!(done["status"], "completed_with_errors", "{done}");
    let files = done["files"].as_array().unwrap();
    assert_eq!(files.len(), 3);
    assert!(files[0]["error"].is_null(), "{done}");
    assert_eq!(files[1]["error"]["code"], "encrypted_pdf", "{done}");
    assert_eq!(files[2]["status"], "failed", "{done}");
    assert_eq!(files[2]["error"]["code"], "corrupt_pdf", "{done}");
    for f in files {
        assert!(f.as_object().unwrap().contains_key("error"), "{f}");
    }
    // The project's files in Plangrep's statuses: the failed ones are `failed`, and
    // `?status=failed` finds exactly them.
    let (_, body) = app
        .get(&format!("/projects/{project}/files?status=failed"))
        .await;
    let mut failed: Vec<&str> = body["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert_eq!(f["status"], "failed", "{f}");
            f["fileName"].as_str().unwrap()
        })
        .collect();
    failed.sort();
    assert_eq!(failed, ["locked.pdf", "torn.pdf"], "{body}");
    let (_, body) = app
        .get(&format!("/projects/{project}/files?status=complete"))
        .await;
    assert_eq!(body["total"], 1, "{body}");

    // A form upload whose every file is a duplicate answers batch status `skipped`.
    let job = app.create_job(&project).await;
    let first = app
        .upload(
            &job,
            vec![Upload::file("file0", &corpus(SPEC), "specifications")],
        )
        .await;
    assert_eq!(first.1["status"], "uploaded", "{}", first.1);
    let again = app
        .upload(
            &job,
            vec![Upload::file("file0", &corpus(SPEC), "specifications")],
        )
        .await;
    assert_eq!(again.0, 200, "{}", again.1);
    assert_eq!(again.1["status"], "skipped", "{}", again.1);
    assert_eq!(again.1["uploads"][0]["status"], "skipped");
    assert_eq!(
        again.1["uploads"][0]["documentId"],
        first.1["uploads"][0]["documentId"]
    );

    // After a cancel, the job's files say `cancelled`.
    let (status, body) = app.post(&format!("/jobs/{job}/cancel"), json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["job"]["status"], "cancelled");
    for f in body["job"]["files"].as_array().unwrap() {
        assert_eq!(f["status"], "cancelled", "{body}");
    }
    let (_, body) = app.get(&format!("/jobs/{job}")).await;
    assert_eq!(body["job"]["files"][0]["status"], "cancelled", "{body}");
}

#[tokio::test]
async fn api_keys_carry_created_by_user_id() {
    let app = spawn_app().await;
    let token = std::fs::read_to_string(app.data.path().join("admin-token")).unwrap();
    let r = app
        .client
        .post(format!("{}/api/open-api/keys", app.origin()))
        .bearer_auth(token.trim())
        .json(&json!({ "label": "ci", "scopes": ["jobs:read"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.unwrap();
    assert!(
        created["key"]
            .as_object()
            .unwrap()
            .contains_key("createdByUserId"),
        "{created}"
    );
    let r = app
        .client
        .get(format!("{}/api/open-api/keys", app.origin()))
        .bearer_auth(token.trim())
        .send()
        .await
        .unwrap();
    let list: Value = r.json().await.unwrap();
    for k in list["keys"].as_array().unwrap() {
        assert!(
            k.as_object().unwrap().contains_key("createdByUserId"),
            "{k}"
        );
    }
}
