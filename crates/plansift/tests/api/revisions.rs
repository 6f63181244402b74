//! Versions of a sheet across jobs: the newest upload of a sheet number is current, older ones
//! are superseded, and the newer version's `revision_diff` marks where the drawing changed.
//! The sheets are PDFs the test writes itself.

use crate::common::drawing_sheet;
use crate::helpers::*;
use serde_json::Value;

/// The change the second version makes: a red rectangle at (1000, 600) size 240×160 points,
/// stroked 4 points wide, on a 2592×1728 page.
const CHANGE: &str = "4 w 1 0 0 RG 1000 600 240 160 re S 0 0 0 RG 1 w\n";
const CHANGE_BOX: [f64; 4] = [
    998.0 / 2592.0,
    1.0 - 762.0 / 1728.0,
    1242.0 / 2592.0,
    1.0 - 598.0 / 1728.0,
];

/// A revision block in the title block: the header, and two issues stacked above it.
const REVISION_BLOCK: &[(f32, f32, f32, &str)] = &[
    (2265.0, 460.0, 9.0, "REV"),
    (2295.0, 460.0, 9.0, "DESCRIPTION"),
    (2450.0, 460.0, 9.0, "DATE"),
    (2268.0, 478.0, 9.0, "1"),
    (2295.0, 478.0, 9.0, "ISSUED FOR PERMIT"),
    (2450.0, 478.0, 9.0, "2026-10-01"),
    (2268.0, 496.0, 9.0, "2"),
    (2295.0, 496.0, 9.0, "ADDENDUM 1"),
    (2450.0, 496.0, 9.0, "2026-11-15"),
];

async fn run(app: &TestApp, project: &str, name: &str, bytes: Vec<u8>) -> (String, Value) {
    let job = app.create_job(project).await;
    let (status, body) = app
        .upload(&job, vec![Upload::bytes("file0", name, bytes, "plans")])
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.complete(&job).await.0, 202);
    let done = app.wait_job(&job).await;
    assert_eq!(done["status"], "completed", "{done}");
    let (_, result) = app.get(&format!("/jobs/{job}/result")).await;
    (job, result)
}

fn ids(list: &Value) -> Vec<(String, bool)> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["sheetId"].as_str().unwrap().to_string(),
                s["current"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_second_upload_of_a_sheet_supersedes_the_first_and_its_diff_shows_the_change() {
    let app = spawn_app().await;
    let project = app.create_project("Revisions").await;
    let v1 = drawing_sheet("A-101", "FIRST FLOOR PLAN", REVISION_BLOCK, "");
    let v2 = drawing_sheet("A-101", "FIRST FLOOR PLAN", REVISION_BLOCK, CHANGE);
    let other = drawing_sheet("A-102", "SECOND FLOOR PLAN", &[], "");
    let (_, first) = run(&app, &project, "A-101 issue 1.pdf", v1).await;
    let (_, unrelated) = run(&app, &project, "A-102.pdf", other).await;
    let (job2, second) = run(&app, &project, "A-101 issue 2.pdf", v2).await;
    let sheet = |r: &Value| r["documents"][0]["sheets"][0].clone();
    let (s1, s2) = (sheet(&first), sheet(&second));
    assert_eq!(s1["sheetNumber"], "A-101");
    assert_eq!(s2["sheetNumber"], "A-101");
    // The revision block, read in mark order with the box of each row.
    for s in [&s1, &s2] {
        let rows: Vec<(&str, &str, &str)> = s["revisions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["mark"].as_str().unwrap(),
                    r["date"].as_str().unwrap(),
                    r["description"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("1", "2026-10-01", "ISSUED FOR PERMIT"),
                ("2", "2026-11-15", "ADDENDUM 1")
            ],
            "{s}"
        );
        let top = s["revisions"][1]["box"]["top"].as_f64().unwrap();
        assert!((top - (1.0 - 505.0 / 1728.0)).abs() < 0.01, "{top}");
    }
    assert!(
        sheet(&unrelated)["revisions"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let kinds = |s: &Value| -> Vec<String> {
        s["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["type"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(!kinds(&s1).contains(&"revision_diff".to_string()));
    assert!(!kinds(&sheet(&unrelated)).contains(&"revision_diff".to_string()));
    let (id1, id2) = (
        s1["sheetId"].as_str().unwrap().to_string(),
        s2["sheetId"].as_str().unwrap().to_string(),
    );
    let id3 = sheet(&unrelated)["sheetId"].as_str().unwrap().to_string();

    // The project: the first A-101 is superseded, the second and A-102 are current.
    let p = format!("/projects/{project}");
    let (_, all) = app.get(&format!("{p}/sheets")).await;
    assert_eq!(
        ids(&all["sheets"]),
        [
            (id1.clone(), false),
            (id3.clone(), true),
            (id2.clone(), true)
        ]
    );
    let (_, current) = app.get(&format!("{p}/sheets?current=true")).await;
    assert_eq!(
        ids(&current["sheets"]),
        [(id3.clone(), true), (id2.clone(), true)]
    );
    assert_eq!(current["total"], 2);
    let (_, old) = app.get(&format!("{p}/sheets?current=false")).await;
    assert_eq!(ids(&old["sheets"]), [(id1.clone(), false)]);
    let (status, bad) = app.get(&format!("{p}/sheets?current=maybe")).await;
    assert_eq!(status, 400);
    assert_eq!(bad["error"]["details"]["field"], "current");
    let (_, one) = app.get(&format!("{p}/sheets/{id1}")).await;
    assert_eq!(one["sheet"]["current"], false);

    // Versions, from either one, oldest first.
    for id in [&id1, &id2] {
        let (status, versions) = app.get(&format!("{p}/sheets/{id}/versions")).await;
        assert_eq!(status, 200, "{versions}");
        assert_eq!(
            ids(&versions["versions"]),
            [(id1.clone(), false), (id2.clone(), true)]
        );
    }
    let (_, single) = app.get(&format!("{p}/sheets/{id3}/versions")).await;
    assert_eq!(ids(&single["versions"]), [(id3.clone(), true)]);
    let (status, _) = app
        .get(&format!(
            "{p}/sheets/sheet_01jzzzzzzzzzzzzzzzzzzzzzzz/versions"
        ))
        .await;
    assert_eq!(status, 404);

    // The diff: red where ink was added, inside the rectangle the second version drew.
    let diff = s2["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["type"] == "revision_diff")
        .unwrap_or_else(|| panic!("no revision_diff in {s2}"))
        .clone();
    let path = diff["path"].as_str().unwrap();
    let r = app
        .client
        .get(format!("{}/jobs/{job2}/artifact", app.base))
        .query(&[("path", path)])
        .bearer_auth(&app.key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    let png = r.bytes().await.unwrap().to_vec();
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut buf).unwrap();
    assert_eq!(frame.color_type, png::ColorType::Rgb);
    let (w, h) = (frame.width as usize, frame.height as usize);
    assert_eq!(Some(w as u64), diff["width"].as_u64());
    let (mut added, mut removed, mut outside) = (0, 0, 0);
    for y in 0..h {
        for x in 0..w {
            let px = &buf[(y * w + x) * 3..(y * w + x) * 3 + 3];
            let color = [px[0], px[1], px[2]];
            if color == [220, 30, 30] {
                added += 1;
                let (nx, ny) = ((x as f64 + 0.5) / w as f64, (y as f64 + 0.5) / h as f64);
                let slack = 2.0 / w as f64;
                if nx < CHANGE_BOX[0] - slack
                    || nx > CHANGE_BOX[2] + slack
                    || ny < CHANGE_BOX[1] - slack
                    || ny > CHANGE_BOX[3] + slack
                {
                    outside += 1;
                }
            } else if color == [30, 90, 220] {
                removed += 1;
            }
        }
    }
    // The rectangle's outline at 1024 px wide is about 2 × (97 + 63) pixels long.
    assert!(added > 200, "{added} added pixels");
    assert_eq!(
        outside, 0,
        "{outside} of {added} added pixels lie outside the change"
    );
    assert_eq!(removed, 0, "nothing was removed");
    // The project serves it too.
    let r = app
        .client
        .get(format!("{}{p}/artifact", app.base))
        .query(&[("path", path)])
        .bearer_auth(&app.key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}
