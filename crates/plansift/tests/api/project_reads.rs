//! Project reads, source search and grep (API.md §9) over a project that accumulated two jobs:
//! a drawing sheet with an addendum, then a 380-page project manual.

use crate::helpers::*;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

const SHEET: &str = "ranjantx_ocr_parser/E201A-FLOOR-PLAN- P&S.pdf";
const ADDENDUM: &str = "spec_test_suite/NYC_OGS_Addendum_01.pdf";
/// Section numbers as the manual prints them: `21 1300`.
const SECTION_NUMBER: &str = r"\b\d{2} \d{4}\b";
const MANUAL: &str = "spec_test_suite/2024-09-11 Project Manual SC Justice Center Remodel.pdf";

/// A project with both jobs finished: (project id, job ids).
async fn project(app: &TestApp) -> (String, Vec<String>) {
    let project = app.create_project("Justice Center").await;
    let mut jobs = Vec::new();
    for uploads in [
        vec![
            Upload::file("file0", &corpus(SHEET), "plans"),
            Upload::file("file1", &corpus(ADDENDUM), "addenda"),
        ],
        vec![Upload::file("file0", &corpus(MANUAL), "specifications")],
    ] {
        let job = app.create_job(&project).await;
        let (status, body) = app.upload(&job, uploads).await;
        assert_eq!(status, 200, "{body}");
        let (status, body) = app.complete(&job).await;
        assert_eq!(status, 202, "{body}");
        let done = app.wait_job(&job).await;
        assert_eq!(done["status"], "completed", "{done}");
        jobs.push(job);
    }
    (project, jobs)
}

/// Word boxes of one page by poppler's `pdftotext -bbox`, normalized to the page: an
/// independent reading of where each word is.
fn poppler_words(pdf: &Path, page: i64) -> Vec<(String, [f64; 4])> {
    let out = Command::new("pdftotext")
        .args(["-bbox", "-f", &page.to_string(), "-l", &page.to_string()])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed by scripts/setup.sh --test");
    let html = String::from_utf8_lossy(&out.stdout);
    let attr = |s: &str, name: &str| -> f64 {
        let at = s.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        s[at..].split('"').next().unwrap().parse().unwrap()
    };
    let page_tag = html.lines().find(|l| l.contains("<page ")).unwrap();
    let (w, h) = (attr(page_tag, "width"), attr(page_tag, "height"));
    html.lines()
        .filter(|l| l.trim_start().starts_with("<word "))
        .map(|l| {
            let text = l.split('>').nth(1).unwrap().split('<').next().unwrap();
            let b = [
                attr(l, "xMin") / w,
                attr(l, "yMin") / h,
                attr(l, "xMax") / w,
                attr(l, "yMax") / h,
            ];
            (text.replace("&amp;", "&"), b)
        })
        .collect()
}

#[tokio::test]
async fn a_project_reads_searches_and_greps_everything_its_jobs_found() {
    let app = spawn_app().await;
    let (project, jobs) = project(&app).await;
    let base = format!("/projects/{project}");

    // Files of both jobs, in upload order, each with its job.
    let (status, files) = app.get(&format!("{base}/files")).await;
    assert_eq!(status, 200, "{files}");
    assert_eq!(files["total"], 3);
    let names: Vec<&str> = files["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fileName"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "E201A-FLOOR-PLAN- P&S.pdf",
            "NYC_OGS_Addendum_01.pdf",
            "2024-09-11 Project Manual SC Justice Center Remodel.pdf"
        ]
    );
    assert_eq!(files["files"][2]["jobId"], jobs[1]);
    assert_eq!(files["files"][2]["pageCount"], 380);

    // The sheet is found by its number however it is typed.
    for typed in ["E201A", "E-201A", "e 201a"] {
        let (status, body) = app
            .get(&format!(
                "{base}/sheets?sheetNumber={}",
                typed.replace(' ', "%20")
            ))
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["total"], 1, "{typed}: {body}");
        let sheet = &body["sheets"][0];
        assert_eq!(sheet["sheetNumber"], "E201A");
        assert_eq!(sheet["fileName"], "E201A-FLOOR-PLAN- P&S.pdf");
        assert_eq!(sheet["jobId"], jobs[0]);
        // The single read answers the same sheet, and a guard that does not hold is 404.
        let id = sheet["sheetId"].as_str().unwrap();
        let (status, one) = app.get(&format!("{base}/sheets/{id}")).await;
        assert_eq!((status, &one["sheet"]["sheetId"]), (200, &json!(id)));
        let (status, _) = app
            .get(&format!("{base}/sheets/{id}?discipline=Mechanical"))
            .await;
        assert_eq!(status, 404);
        // Compact drops artifact URLs and keeps their paths.
        let (_, compact) = app.get(&format!("{base}/sheets/{id}?compact=true")).await;
        let artifact = &compact["sheet"]["artifacts"][0];
        assert!(artifact["path"].is_string() && artifact.get("url").is_none());
        // The sheet's thumbnail is served from the project.
        let url = one["sheet"]["artifacts"][0]["url"].as_str().unwrap();
        assert!(
            url.contains(&format!("/projects/{project}/artifact?path=")),
            "{url}"
        );
        let r = app
            .client
            .get(url)
            .bearer_auth(&app.key)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "image/png");
    }
    let (_, none) = app.get(&format!("{base}/sheets?sheetNumber=E-999")).await;
    assert_eq!(none["total"], 0);

    // A section number in any printed form; its parts with their text.
    for typed in ["21 13 13", "211313", "21-13-13"] {
        let (_, body) = app
            .get(&format!(
                "{base}/specifications?sectionNumber={}",
                typed.replace(' ', "%20")
            ))
            .await;
        assert_eq!(body["total"], 1, "{typed}: {body}");
        assert_eq!(
            body["specifications"][0]["sectionTitle"],
            "SPRINKLER SYSTEMS"
        );
    }
    let (_, body) = app
        .get(&format!("{base}/specifications?sectionNumber=211300"))
        .await;
    let spec = &body["specifications"][0];
    assert_eq!(spec["sectionTitle"], "FIRE-SUPPRESSION SPRINKLER SYSTEMS");
    assert_eq!(
        (spec["pageStart"].as_i64(), spec["pageEnd"].as_i64()),
        (Some(166), Some(168))
    );
    let spec_id = spec["specificationId"].as_str().unwrap();
    let facets = spec["facets"].as_array().unwrap();
    assert_eq!(facets.len(), 3, "{spec}");
    let (_, parts) = app
        .get(&format!("{base}/specifications/{spec_id}/sections"))
        .await;
    assert_eq!(parts["total"], 3);
    let part = &parts["sections"][1];
    assert_eq!(part["label"], "PART 2");
    let (_, detail) = app
        .get(&format!(
            "{base}/specifications/{spec_id}/sections/{}",
            part["sectionId"].as_str().unwrap()
        ))
        .await;
    let text = detail["section"]["text"].as_str().unwrap();
    assert_eq!(detail["section"]["textLength"], text.chars().count());
    assert!(text.len() > 200, "{text}");

    // Search: the sprinkler sections of both books and the addendum item that adds one.
    let (status, found) = app
        .post(
            &format!("{base}/source-search"),
            json!({ "query": "sprinkler", "maxHits": 50 }),
        )
        .await;
    assert_eq!(status, 200, "{found}");
    let hits = found["hits"].as_array().unwrap();
    let hit = |pred: &dyn Fn(&Value) -> bool| hits.iter().find(|h| pred(&h["source"])).cloned();
    let added = hit(&|s| s["type"] == "specification" && s["sectionNumber"] == "21 13 13")
        .expect("the section the addendum adds");
    assert_eq!(added["source"]["fileName"], "NYC_OGS_Addendum_01.pdf");
    assert_eq!(added["source"]["pageNumber"], 8);
    assert!(
        added["snippet"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("«sprinkler»")
    );
    let manual = hit(&|s| s["type"] == "specification" && s["sectionNumber"] == "21 13 00")
        .expect("the manual's sprinkler section");
    assert_eq!(manual["source"]["pageNumber"], 166);
    let item = hit(&|s| {
        s["type"] == "doc" && s["label"] == "ITEM 2" && s["fileName"] == "NYC_OGS_Addendum_01.pdf"
    })
    .expect("the addendum item that inserts the section");
    assert_eq!(item["source"]["pageNumber"], 1);
    let uri = item["sourceCatalogUri"].as_str().unwrap();
    assert!(
        uri.starts_with(&format!("pgcat://{project}/doc/docsec_")),
        "{uri}"
    );
    // The section number as a search term finds the section first.
    let (_, by_number) = app
        .post(
            &format!("{base}/source-search"),
            json!({ "query": "211313" }),
        )
        .await;
    assert_eq!(by_number["hits"][0]["source"]["sectionNumber"], "21 13 13");
    // Filters narrow; the organization-wide search sees the same project.
    let (_, sheets_only) = app
        .post(
            &format!("{base}/source-search"),
            json!({ "query": "sprinkler", "entityTypes": ["sheet"] }),
        )
        .await;
    assert!(
        sheets_only["hits"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["source"]["type"] == "sheet")
    );
    let (status, all) = app
        .post("/projects/search", json!({ "query": "sprinkler systems" }))
        .await;
    assert_eq!(status, 200, "{all}");
    assert_eq!(all["projects"][0]["project"]["id"], project);
    assert_eq!(all["projects"][0]["matchReasons"], json!(["content"]));
    assert!(all["projects"][0]["hits"][0]["sourceCatalogUri"].is_string());

    // Source text of the manual's section, in pages of 500 characters.
    let uri = manual["sourceCatalogUri"].as_str().unwrap();
    let mut text = String::new();
    let mut cursor = Value::Null;
    loop {
        let (status, page) = app
            .post(
                &format!("{base}/source-text"),
                json!({ "sourceCatalogUri": uri, "maxChars": 500, "cursor": cursor, "textKind": "markdown" }),
            )
            .await;
        assert_eq!(status, 200, "{page}");
        text.push_str(page["text"].as_str().unwrap());
        cursor = page["nextCursor"].clone();
        if cursor.is_null() {
            assert_eq!(page["totalChars"], text.chars().count());
            break;
        }
    }
    assert!(
        text.starts_with("# SECTION 21 13 00 - FIRE-SUPPRESSION SPRINKLER SYSTEMS"),
        "{text}"
    );
    assert!(text.contains("## PART 3"), "{text}");

    // Grep with a regex: every hit's box lies on the words poppler reads there.
    let (status, grep) = app
        .post(
            &format!("{base}/grep"),
            json!({ "pattern": SECTION_NUMBER, "regex": true, "maxHits": 500 }),
        )
        .await;
    assert_eq!(status, 200, "{grep}");
    let hits = grep["hits"].as_array().unwrap();
    assert!(grep["total"].as_i64().unwrap() > 900, "{}", grep["total"]);
    assert_eq!(hits.len(), 500);
    assert_eq!(grep["hasMore"], true);
    let mut checked = 0;
    for h in hits.iter().step_by(10) {
        let file = match h["fileName"].as_str().unwrap() {
            "NYC_OGS_Addendum_01.pdf" => ADDENDUM,
            _ => MANUAL,
        };
        let text = h["match"]["text"].as_str().unwrap();
        assert!(h["line"].as_str().unwrap().contains(text));
        let b = &h["match"]["box"];
        let (l, t, r, btm) = (
            b["left"].as_f64().unwrap() - 0.005,
            b["top"].as_f64().unwrap() - 0.01,
            b["right"].as_f64().unwrap() + 0.005,
            b["bottom"].as_f64().unwrap() + 0.01,
        );
        let words = poppler_words(&corpus(file), h["pageNumber"].as_i64().unwrap());
        let inside: Vec<&str> = words
            .iter()
            .filter(|(_, w)| {
                let (cx, cy) = ((w[0] + w[2]) / 2.0, (w[1] + w[3]) / 2.0);
                cx > l && cx < r && cy > t && cy < btm
            })
            .map(|(s, _)| s.as_str())
            .collect();
        let joined = inside.join(" ");
        assert!(
            joined.contains(text),
            "page {} of {file}: the box of {text:?} holds {joined:?}",
            h["pageNumber"]
        );
        checked += 1;
    }
    assert_eq!(checked, 50);
    // The next page of hits starts after the last one; a literal, case-insensitive grep.
    let (_, next) = app
        .post(
            &format!("{base}/grep"),
            json!({ "pattern": SECTION_NUMBER, "regex": true, "maxHits": 500, "cursor": grep["nextCursor"] }),
        )
        .await;
    assert_eq!(next["total"], grep["total"]);
    assert_eq!(
        next["hits"].as_array().unwrap().len() as i64,
        (grep["total"].as_i64().unwrap() - 500).min(500)
    );
    assert_ne!(next["hits"][0], hits[499]);
    let (_, literal) = app
        .post(
            &format!("{base}/grep"),
            json!({ "pattern": "e201a", "fileId": files["files"][0]["fileId"] }),
        )
        .await;
    assert!(literal["total"].as_i64().unwrap() >= 1, "{literal}");
    assert_eq!(literal["hits"][0]["sheetNumber"], "E201A");
}

#[tokio::test]
async fn project_reads_refuse_bad_queries_and_other_organizations() {
    let app = spawn_app().await;
    let project = app.create_project("Empty").await;
    let base = format!("/projects/{project}");
    for (path, field) in [
        ("sheets?limit=0", "limit"),
        ("sheets?limit=501", "limit"),
        ("sheets?pageNumber=x", "pageNumber"),
        ("files?cursor=bm90LWEtY3Vyc29y", "cursor"),
    ] {
        let (status, body) = app.get(&format!("{base}/{path}")).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["error"]["code"], "invalid_request");
        assert_eq!(body["error"]["details"]["field"], field, "{path}");
    }
    for (path, body, field) in [
        ("grep", json!({ "pattern": "(" , "regex": true }), "pattern"),
        ("grep", json!({ "pattern": "x", "maxHits": 0 }), "maxHits"),
        ("source-search", json!({ "query": "--" }), "query"),
        (
            "source-search",
            json!({ "query": "x", "entityTypes": ["page"] }),
            "entityTypes",
        ),
        ("source-search", json!({}), "query"),
        (
            "source-text",
            json!({ "sourceCatalogUri": "http://x" }),
            "sourceCatalogUri",
        ),
    ] {
        let (status, answer) = app.post(&format!("{base}/{path}"), body).await;
        assert_eq!(status, 400, "{path}: {answer}");
        assert_eq!(
            answer["error"]["details"]["field"], field,
            "{path}: {answer}"
        );
    }
    // An empty project lists nothing, with the envelope.
    let (status, body) = app.get(&format!("{base}/regions")).await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            &body["total"],
            &body["hasMore"],
            &body["nextCursor"],
            &body["regions"]
        ),
        (&json!(0), &json!(false), &Value::Null, &json!([]))
    );

    // Another organization's key sees none of it.
    let meta = app.meta();
    let (other, _) = meta.ensure_org("other", 1000).await.unwrap();
    let key = new_key(
        meta,
        &other.id,
        &[
            plansift_types::Scope::JobsRead,
            plansift_types::Scope::ArtifactsRead,
        ],
    )
    .await;
    for path in [
        "files",
        "sheets",
        "regions",
        "specifications",
        "docs",
        "artifact?path=x",
    ] {
        let (status, body) = app.get_as(&key, &format!("{base}/{path}")).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert_eq!(body["error"]["code"], "not_found");
    }
    for path in ["grep", "source-search", "source-text"] {
        let (status, _) = app
            .post_as(&key, &format!("{base}/{path}"), json!({ "pattern": "a", "query": "a", "sourceCatalogUri": format!("pgcat://{project}/sheet/sheet_x") }))
            .await;
        assert_eq!(status, 404, "{path}");
    }
}

/// Jobs that finished before the project index existed (an upgraded data directory): search
/// answers `409 index_not_ready` until the runner has indexed them, then finds their entities
/// under the ids of their results.
#[tokio::test]
async fn jobs_finished_before_the_index_are_indexed_when_the_runner_starts() {
    let mut app = spawn_app().await;
    let (_job, done, result) = app
        .run_job(
            "Upgrade",
            // `mixed`: the addendum's spec sections are in its result only for a mixed file
            // (Plangrep's rule), and the index is rebuilt from the stored result.
            vec![Upload::file("file0", &corpus(ADDENDUM), "mixed")],
        )
        .await;
    assert_eq!(done["status"], "completed", "{done}");
    let project = done["projectId"].as_str().unwrap().to_string();
    app.app.take().unwrap().stop().await.unwrap();

    // What a data directory from before the index looks like.
    let search_table = if scale_out() {
        "search_docs"
    } else {
        "search_fts"
    };
    for statement in [
        &format!("DELETE FROM {search_table} WHERE $1 <> ''"),
        "DELETE FROM entities WHERE $1 <> ''",
        "DELETE FROM page_text WHERE $1 <> ''",
        "DELETE FROM project_artifacts WHERE $1 <> ''",
        "UPDATE jobs SET indexed_at = NULL WHERE $1 <> ''",
    ] {
        sql(app.data.path(), statement, "-").await;
    }

    let search = |base: String| {
        let (client, key, project) = (app.client.clone(), app.key.clone(), project.clone());
        async move {
            post_json(
                &client,
                &format!("{base}/projects/{project}/source-search"),
                &key,
                json!({ "query": "sprinkler systems", "entityTypes": ["specification"] }),
            )
            .await
        }
    };
    let reader = plansift_server::App::start(app_config(app.data.path(), false))
        .await
        .unwrap();
    let (status, body) = search(format!("http://{}/api/open/v1", reader.addr)).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "index_not_ready");
    reader.stop().await.unwrap();

    let worker = plansift_server::App::start(app_config(app.data.path(), true))
        .await
        .unwrap();
    let base = format!("http://{}/api/open/v1", worker.addr);
    let started = std::time::Instant::now();
    let body = loop {
        let (status, body) = search(base.clone()).await;
        if status == 200 {
            break body;
        }
        assert_eq!(body["error"]["code"], "index_not_ready");
        assert!(started.elapsed().as_secs() < 60, "never indexed");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let hit = &body["hits"][0]["source"];
    assert_eq!(hit["sectionNumber"], "21 13 13");
    let expected = result["documents"][0]["specifications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["sectionNumber"] == "21 13 13")
        .unwrap()["specificationId"]
        .clone();
    assert_eq!(hit["id"], expected);
    worker.stop().await.unwrap();
}
