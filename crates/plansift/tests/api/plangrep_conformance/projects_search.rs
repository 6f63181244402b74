//! `POST /projects/search` as documented (§3).

use super::*;

#[tokio::test]
async fn projects_search_finds_projects_by_name_and_content() {
    let app = spawn_app().await;
    let library = app.create_project("Main Street Library").await;
    let pump = app.create_project("Harbor Pump Station").await;
    let job = app.create_job(&pump).await;
    app.upload(
        &job,
        vec![Upload::file("file0", &corpus(SPEC), "specifications")],
    )
    .await;
    assert_eq!(app.complete(&job).await.0, 202);
    assert_eq!(app.wait_job(&job).await["status"], "completed");

    let search = |body: Value| app.post("/projects/search", body);
    let (status, body) = search(json!({ "query": "library" })).await;
    assert_eq!(status, 200, "{body}");
    for field in [
        "query",
        "projects",
        "total",
        "limit",
        "cursor",
        "nextCursor",
        "returnedCount",
        "hasMore",
        "warnings",
    ] {
        assert!(body.get(field).is_some(), "{field}: {body}");
    }
    assert_eq!(body["query"], "library");
    assert_eq!(body["limit"], 25);
    assert_eq!(body["total"], 1, "{body}");
    let hit = &body["projects"][0];
    assert_eq!(hit["project"]["id"], library.as_str());
    assert_eq!(hit["matchReasons"], json!(["name"]));
    assert!(hit["score"].is_number());
    assert_eq!(hit["hits"], json!([]));

    // By content: at most three source hits, each a SourceHit.
    let (_, body) = search(json!({ "query": "commissioning" })).await;
    assert_eq!(body["total"], 1, "{body}");
    let hit = &body["projects"][0];
    assert_eq!(hit["project"]["id"], pump.as_str());
    assert_eq!(hit["matchReasons"], json!(["content"]));
    let hits = hit["hits"].as_array().unwrap();
    assert!(!hits.is_empty() && hits.len() <= 3, "{hit}");
    for h in hits {
        assert!(
            h["sourceCatalogUri"]
                .as_str()
                .unwrap()
                .starts_with(&format!("pgcat://{pump}/"))
        );
        assert!(h["snippet"].is_string() && h["score"].is_number() && h["source"].is_object());
    }

    // Both, paged one at a time with the cursor; projectIds restricts.
    let query = "station commissioning library";
    let (_, first) = search(json!({ "query": query, "limit": 1 })).await;
    assert_eq!(first["total"], 2, "{first}");
    assert_eq!(first["returnedCount"], 1);
    assert_eq!(first["hasMore"], true);
    let cursor = first["nextCursor"].as_str().unwrap();
    let (_, second) = search(json!({ "query": query, "limit": 1, "cursor": cursor })).await;
    assert_eq!(second["returnedCount"], 1, "{second}");
    assert_eq!(second["hasMore"], false);
    assert_eq!(second["cursor"], cursor);
    assert!(second["nextCursor"].is_null());
    assert_ne!(
        first["projects"][0]["project"]["id"],
        second["projects"][0]["project"]["id"]
    );
    let (_, only) = search(json!({ "query": query, "projectIds": [library] })).await;
    assert_eq!(only["total"], 1, "{only}");
    assert_eq!(only["projects"][0]["project"]["id"], library.as_str());
    // A filter narrows content hits.
    let (_, none) = search(json!({ "query": "commissioning", "classification": "plans" })).await;
    assert_eq!(none["total"], 0, "{none}");

    for bad in [
        json!({ "query": query, "limit": 0 }),
        json!({ "query": query, "limit": 101 }),
        json!({ "query": query, "cursor": "bogus" }),
        json!({ "limit": 5 }),
    ] {
        let (status, body) = search(bad.clone()).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert_eq!(body["error"]["code"], "invalid_request");
    }
}
