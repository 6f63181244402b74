//! Zoomed page images: a page of a project file drawn at 1024–4096 pixels on request, kept, and
//! served like an artifact.

use crate::common::drawing_sheet;
use crate::helpers::*;

fn size_of(png: &[u8]) -> (u32, u32) {
    let reader = png::Decoder::new(std::io::Cursor::new(png))
        .read_info()
        .unwrap();
    (reader.info().width, reader.info().height)
}

#[tokio::test]
async fn a_page_is_drawn_at_the_asked_size_once_and_served_like_an_artifact() {
    let app = spawn_app().await;
    let bytes = drawing_sheet("A-101", "FIRST FLOOR PLAN", &[], "");
    let upload = Upload::bytes("file0", "A-101.pdf", bytes, "plans");
    let (_, done, result) = app.run_job("Zoom", vec![upload]).await;
    assert_eq!(done["status"], "completed");
    let project = done["projectId"].as_str().unwrap();
    let file = result["documents"][0]["documentId"].as_str().unwrap();
    let url = |page: u32, width: Option<&str>| {
        let mut u = format!(
            "{}/projects/{project}/files/{file}/pages/{page}/image",
            app.base
        );
        if let Some(w) = width {
            u += &format!("?width={w}");
        }
        u
    };
    let get = |u: String| app.client.get(u).bearer_auth(&app.key).send();

    let r = get(url(1, None)).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    let first = r.bytes().await.unwrap();
    // 36 × 24 in: the longest side is the width.
    assert_eq!(size_of(&first), (2048, 1365));
    // Kept: the same bytes again, and 304 for the ETag.
    let again = get(url(1, Some("2048")))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(first, again);
    let cached = app
        .client
        .get(url(1, None))
        .bearer_auth(&app.key)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), 304);
    let big = get(url(1, Some("4096")))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(size_of(&big).0, 4096);

    let r = get(url(1, Some("100"))).await.unwrap();
    assert_eq!(r.status(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["details"]["field"], "width");
    for (page, file_id) in [
        (2, file),
        (0, file),
        (1, "doc_01jzzzzzzzzzzzzzzzzzzzzzzz"),
        (1, "x"),
    ] {
        let u = format!(
            "{}/projects/{project}/files/{file_id}/pages/{page}/image",
            app.base
        );
        assert_eq!(get(u).await.unwrap().status(), 404, "{page} {file_id}");
    }
}
