//! Keys and administration (API.md §10) behind the admin token, the CLI that does the same on
//! a data directory, and credits: blocked → grant → resume → completed, to the credit.

use crate::helpers::*;
use serde_json::{Value, json};

impl TestApp {
    fn admin_token(&self) -> String {
        std::fs::read_to_string(self.data.path().join("admin-token"))
            .unwrap()
            .trim()
            .to_string()
    }

    async fn admin(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let url = format!("{}{path}", self.origin());
        let mut r = match method {
            "GET" => self.client.get(url),
            "PATCH" => self.client.patch(url),
            _ => self.client.post(url),
        }
        .bearer_auth(self.admin_token());
        if let Some(b) = body {
            r = r.json(&b);
        }
        let r = r.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }
}

#[tokio::test]
async fn keys_and_organizations_are_managed_with_the_admin_token() {
    let app = spawn_app().await;
    // Without the admin token, or with an API key instead: 401.
    for bearer in ["", "wrong", app.key.as_str()] {
        let r = app
            .client
            .get(format!("{}/api/open-api/keys", app.origin()))
            .bearer_auth(bearer)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{bearer}");
    }

    let (status, org) = app
        .admin(
            "POST",
            "/api/admin/v1/orgs",
            Some(json!({ "name": "Acme" })),
        )
        .await;
    assert_eq!(status, 201, "{org}");
    let org_id = org["org"]["id"].as_str().unwrap().to_string();
    let (status, _) = app
        .admin(
            "POST",
            "/api/admin/v1/orgs",
            Some(json!({ "name": "Acme" })),
        )
        .await;
    assert_eq!(status, 400);

    // With two organizations, orgId is required.
    let (status, body) = app.admin("GET", "/api/open-api/keys", None).await;
    assert_eq!(
        (status, &body["error"]["details"]["field"]),
        (400, &json!("orgId"))
    );

    let (status, created) = app
        .admin(
            "POST",
            "/api/open-api/keys",
            Some(json!({ "orgId": org_id, "label": "ci", "scopes": ["jobs:read", "jobs:write"] })),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let plaintext = created["plaintextKey"].as_str().unwrap().to_string();
    assert!(plaintext.starts_with(created["key"]["keyPrefix"].as_str().unwrap()));
    assert_eq!(created["key"]["hashVersion"], "v1");
    for (body, field) in [
        (
            json!({ "orgId": org_id, "label": "", "scopes": ["jobs:read"] }),
            "label",
        ),
        (
            json!({ "orgId": org_id, "label": "x", "scopes": [] }),
            "scopes",
        ),
        (
            json!({ "orgId": org_id, "label": "x", "scopes": ["admin"] }),
            "scopes",
        ),
        (
            json!({ "orgId": org_id, "label": "x", "scopes": ["jobs:read"], "expiresAt": "soon" }),
            "expiresAt",
        ),
    ] {
        let (status, answer) = app.admin("POST", "/api/open-api/keys", Some(body)).await;
        assert_eq!(
            (status, &answer["error"]["details"]["field"]),
            (400, &json!(field))
        );
    }

    // The key works, its use is recorded, and it sees only its organization.
    let (status, projects) = app.get_as(&plaintext, "/projects").await;
    assert_eq!((status, &projects["projects"]), (200, &json!([])));
    let (_, keys) = app
        .admin("GET", &format!("/api/open-api/keys?orgId={org_id}"), None)
        .await;
    let key = &keys["keys"][0];
    assert!(key["lastUsedAt"].is_string(), "{keys}");
    assert_eq!(key["lastUsedIp"], "127.0.0.1");
    assert_eq!(keys["profile"]["drawingCreditsPerPage"], 10);

    // Revoked: 401 from then on.
    let (status, revoked) = app
        .admin(
            "POST",
            &format!("/api/open-api/keys/{}/revoke", key["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert!(revoked["key"]["revokedAt"].is_string());
    assert_eq!(app.get_as(&plaintext, "/projects").await.0, 401);
    let (status, _) = app
        .admin("POST", "/api/open-api/keys/key_unknown/revoke", None)
        .await;
    assert_eq!(status, 404);
    // An expired key is refused too.
    let (_, expired) = app
        .admin(
            "POST",
            "/api/open-api/keys",
            Some(json!({ "orgId": org_id, "label": "old", "scopes": ["jobs:read"], "expiresAt": "2020-01-01T00:00:00.000Z" })),
        )
        .await;
    assert_eq!(
        app.get_as(expired["plaintextKey"].as_str().unwrap(), "/projects")
            .await
            .0,
        401
    );
    let (status, all) = app
        .admin(
            "POST",
            "/api/open-api/keys/revoke-all",
            Some(json!({ "orgId": org_id })),
        )
        .await;
    assert_eq!(status, 200);
    assert!(
        all["keys"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["revokedAt"].is_string())
    );

    // Credits and profile.
    let (status, granted) = app
        .admin(
            "POST",
            &format!("/api/admin/v1/orgs/{org_id}/credits"),
            Some(json!({ "amount": 500, "note": "trial" })),
        )
        .await;
    assert_eq!(status, 200, "{granted}");
    assert_eq!(granted["balance"]["available"], 500);
    let (status, _) = app
        .admin(
            "POST",
            &format!("/api/admin/v1/orgs/{org_id}/credits"),
            Some(json!({ "amount": 0 })),
        )
        .await;
    assert_eq!(status, 400);
    let (status, profile) = app
        .admin(
            "PATCH",
            &format!("/api/admin/v1/orgs/{org_id}/profile"),
            Some(json!({ "documentCreditsPerPage": 2, "retentionDays": 7 })),
        )
        .await;
    assert_eq!(status, 200, "{profile}");
    assert_eq!(profile["profile"]["documentCreditsPerPage"], 2);
    for bad in [
        json!({ "nope": 1 }),
        json!({ "jobPageLimit": -1 }),
        json!({ "enabled": "yes" }),
    ] {
        let (status, _) = app
            .admin(
                "PATCH",
                &format!("/api/admin/v1/orgs/{org_id}/profile"),
                Some(bad.clone()),
            )
            .await;
        assert_eq!(status, 400, "{bad}");
    }
    let (status, got) = app
        .admin("GET", &format!("/api/admin/v1/orgs/{org_id}"), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(got["balance"], json!({ "available": 500, "reserved": 0 }));
    assert_eq!(got["profile"]["retentionDays"], 7);
    let (status, _) = app
        .admin("GET", "/api/admin/v1/orgs/org_unknown", None)
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_blocked_job_resumes_after_a_grant_and_the_ledger_adds_up() {
    let app = spawn_app().await;
    let (_, org) = app
        .admin(
            "POST",
            "/api/admin/v1/orgs",
            Some(json!({ "name": "Small" })),
        )
        .await;
    let org_id = org["org"]["id"].as_str().unwrap().to_string();
    app.admin(
        "POST",
        &format!("/api/admin/v1/orgs/{org_id}/credits"),
        Some(json!({ "amount": 3 })),
    )
    .await;
    let (_, created) = app
        .admin(
            "POST",
            "/api/open-api/keys",
            Some(
                json!({ "orgId": org_id, "label": "small", "scopes": ["jobs:read", "jobs:write"] }),
            ),
        )
        .await;
    let small = TestApp::with_key(&app, created["plaintextKey"].as_str().unwrap());

    // 7 document pages at 1 credit: 3 credits are not enough, and nothing is reserved.
    let project = small.create_project("Small").await;
    let job = small.create_job(&project).await;
    let spec = corpus("spectAIchallenge/271500 (Medium).pdf");
    small
        .upload(&job, vec![Upload::file("file0", &spec, "specifications")])
        .await;
    small.complete(&job).await;
    let blocked = small
        .wait_status(&job, "blocked_insufficient_credits")
        .await;
    assert_eq!(blocked["billing"]["creditsDebited"], 0);
    let meta = app.meta();
    assert!(
        meta.ledger(&org_id)
            .await
            .unwrap()
            .iter()
            .all(|e| e.kind == "grant")
    );
    // Resume before a grant blocks again; resume of a job that is not blocked is 409.
    let (status, _) = small.post(&format!("/jobs/{job}/resume"), json!({})).await;
    assert_eq!(status, 200);
    small
        .wait_status(&job, "blocked_insufficient_credits")
        .await;

    app.admin(
        "POST",
        &format!("/api/admin/v1/orgs/{org_id}/credits"),
        Some(json!({ "amount": 10 })),
    )
    .await;
    let (status, body) = small.post(&format!("/jobs/{job}/resume"), json!({})).await;
    assert_eq!(status, 200, "{body}");
    let done = small.wait_job(&job).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["billing"]["creditsDebited"], 7);
    let (status, body) = small.post(&format!("/jobs/{job}/resume"), json!({})).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (409, &json!("invalid_job_state"))
    );

    let ledger = meta.ledger(&org_id).await.unwrap();
    let kinds: Vec<&str> = ledger.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "grant").count(), 2);
    assert_eq!(kinds.iter().filter(|k| **k == "reserve").count(), 1);
    assert_eq!(kinds.iter().filter(|k| **k == "debit").count(), 7);
    let available: i64 = ledger.iter().map(|e| e.available_delta).sum();
    let reserved: i64 = ledger.iter().map(|e| e.reserved_delta).sum();
    assert_eq!((available, reserved), (3 + 10 - 7, 0));
    let balance = meta.balance(&org_id).await.unwrap();
    assert_eq!((balance.available, balance.reserved), (6, 0));
}

#[test]
fn the_cli_manages_organizations_credits_and_keys() {
    let data = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = plansift_command(data.path())
            .args(args)
            .arg("--data-dir")
            .arg(data.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let org = run(&["orgs", "create", "Builders"]);
    assert!(org.trim().starts_with("org_"), "{org}");
    let balance = run(&[
        "credits", "grant", "--org", "Builders", "250", "--note", "po 17",
    ]);
    assert_eq!(balance.trim(), "available 250 reserved 0");
    let balance = run(&["credits", "grant", "--org", "Builders", "-50"]);
    assert_eq!(balance.trim(), "available 200 reserved 0");
    let key = run(&["keys", "create", "--org", "Builders", "--label", "ci"]);
    let listed = run(&["keys", "list", "--org", "Builders"]);
    let line = listed.lines().nth(1).unwrap();
    let id = line.split('\t').next().unwrap();
    assert!(id.starts_with("key_"), "{listed}");
    assert!(key.trim().starts_with(line.split('\t').nth(1).unwrap()));
    assert!(!listed.contains(key.trim()), "keys list never prints a key");
    assert!(line.ends_with("\t-"), "not revoked yet: {line}");
    run(&["keys", "revoke", id]);
    let listed = run(&["keys", "list", "--org", "Builders"]);
    assert!(!listed.lines().nth(1).unwrap().ends_with("\t-"), "{listed}");
}
