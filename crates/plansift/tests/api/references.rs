//! References printed on sheets: detected with their boxes, resolved against the job and the
//! project (`resolved`, `missing_sheet`, `missing_detail`, `missing_section`), listed by
//! `GET /projects/{p}/references?status=…`. Sheets the test writes itself, and a corpus set.

use crate::common::{SheetText, drawing_sheet};
use crate::helpers::*;
use serde_json::Value;

/// `(sheet, type, target, status)` of every reference in a list, sorted.
fn summary(list: &Value) -> Vec<(String, String, String, String)> {
    let mut out: Vec<_> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let target = match r["type"].as_str().unwrap() {
                "detail" => format!(
                    "{}/{}",
                    r["targetDetail"].as_str().unwrap(),
                    r["targetSheetNumber"].as_str().unwrap()
                ),
                "sheet" => r["targetSheetNumber"].as_str().unwrap().to_string(),
                _ => r["targetSection"].as_str().unwrap().to_string(),
            };
            (
                r["sheetNumber"].as_str().unwrap_or_default().to_string(),
                r["type"].as_str().unwrap().to_string(),
                target,
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn row(sheet: &str, kind: &str, target: &str, status: &str) -> (String, String, String, String) {
    (sheet.into(), kind.into(), target.into(), status.into())
}

const NOTES: &[SheetText<'_>] = &[
    (200.0, 250.0, 12.0, "SEE 3/A-501 FOR FLASHING"),
    (200.0, 230.0, 12.0, "TYP. 1 / A-201"),
    (200.0, 210.0, 12.0, "SIM. 2/A201"),
    (200.0, 190.0, 12.0, "MATCH LINE - SEE SHEET S-101"),
    (200.0, 170.0, 12.0, "SEALANT PER SECTION 07 92 00."),
    (200.0, 150.0, 12.0, "PAINT PER 099123"),
    (
        800.0,
        250.0,
        12.0,
        "1/PT-2 ON ALL WALLS, SEE NOTE 4, 1/2\" GYP. BD.",
    ),
];

#[tokio::test]
async fn callouts_resolve_against_the_job_and_the_project() {
    let app = spawn_app().await;
    let project = app.create_project("References").await;
    // A-101 points at A-501 (not in the set), A-201's views 1 (found) and 2 (not found),
    // S-101 (not in the set) and two sections, one of which the project will hold.
    let a101 = drawing_sheet("A-101", "FIRST FLOOR PLAN", NOTES, "");
    let a201 = drawing_sheet(
        "A201",
        "WALL SECTIONS",
        &[
            (300.0, 1450.0, 24.0, "1 WALL SECTION"),
            (300.0, 1420.0, 12.0, "SCALE: 3/4\" = 1'-0\""),
            (200.0, 250.0, 12.0, "SEE SHEET A.101"),
        ],
        "",
    );
    let spec = std::fs::read(corpus("spectAIchallenge/271500 (Medium).pdf")).unwrap();
    let job = app.create_job(&project).await;
    let (status, body) = app
        .upload(
            &job,
            vec![
                Upload::bytes("file0", "A-101.pdf", a101, "plans"),
                Upload::bytes("file1", "A201.pdf", a201, "plans"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.complete(&job).await.0, 202);
    assert_eq!(app.wait_job(&job).await["status"], "completed");
    let p = format!("/projects/{project}");
    let (_, all) = app.get(&format!("{p}/references?limit=500")).await;
    assert_eq!(
        summary(&all["references"]),
        [
            row("A-101", "detail", "1/A-201", "resolved"),
            row("A-101", "detail", "2/A201", "missing_detail"),
            row("A-101", "detail", "3/A-501", "missing_sheet"),
            row("A-101", "section", "07 92 00", "missing_section"),
            row("A-101", "section", "09 91 23", "missing_section"),
            row("A-101", "sheet", "S-101", "missing_sheet"),
            row("A201", "sheet", "A.101", "resolved"),
        ],
        "{all}"
    );
    // The result carries them on the sheet, as evidence with boxes, pointing at the target.
    let (_, result) = app.get(&format!("/jobs/{job}/result")).await;
    let sheet_of = |n: &str| {
        result["documents"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|d| d["sheets"].as_array().unwrap().iter())
            .find(|s| s["sheetNumber"] == n)
            .unwrap()
            .clone()
    };
    let (a101, a201) = (sheet_of("A-101"), sheet_of("A201"));
    let back = &a201["references"][0];
    assert_eq!(back["targetSheetId"], a101["sheetId"]);
    let evidence: Vec<&Value> = result["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "reference")
        .collect();
    assert_eq!(evidence.len(), 7);
    // "SEE 3/A-501" stands at x = 200 pt, y = 250 pt of a 2592 × 1728 pt page.
    let callout = a101["references"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["targetSheetNumber"] == "A-501")
        .unwrap();
    let b = &callout["box"];
    assert!(b["left"].as_f64().unwrap() > 200.0 / 2592.0, "{b}");
    assert!(b["right"].as_f64().unwrap() < 420.0 / 2592.0, "{b}");
    let y = 1.0 - 255.0 / 1728.0;
    assert!((b["top"].as_f64().unwrap() - y).abs() < 0.01, "{b}");
    assert!(
        evidence
            .iter()
            .any(|e| e["id"] == callout["referenceId"] && e["box"] == *b)
    );

    // Filters.
    let (_, missing) = app
        .get(&format!("{p}/references?status=missing_sheet"))
        .await;
    assert_eq!(missing["total"], 2);
    let (status, bad) = app.get(&format!("{p}/references?status=lost")).await;
    assert_eq!(status, 400);
    assert_eq!(bad["error"]["details"]["field"], "status");
    let id = a201["sheetId"].as_str().unwrap();
    let (_, one) = app.get(&format!("{p}/references?sheetId={id}")).await;
    assert_eq!(one["total"], 1);

    // A later job brings the spec book: its sections resolve references made from then on.
    let job2 = app.create_job(&project).await;
    let a102 = drawing_sheet(
        "A-102",
        "SECOND FLOOR PLAN",
        &[(200.0, 250.0, 12.0, "CABLING PER SECTION 27 15 00")],
        "",
    );
    let (status, body) = app
        .upload(
            &job2,
            vec![
                Upload::bytes("file0", "A-102.pdf", a102, "plans"),
                Upload::bytes("file1", "271500.pdf", spec, "specifications"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.complete(&job2).await.0, 202);
    assert_eq!(app.wait_job(&job2).await["status"], "completed");
    let (_, later) = app.get(&format!("{p}/references?status=resolved")).await;
    assert!(
        summary(&later["references"]).contains(&row("A-102", "section", "27 15 00", "resolved")),
        "{later}"
    );

    // A job that brings the missing A-501 resolves the earlier callout to it in the project;
    // the first job's result keeps what was true when it finished.
    let (job3, _, third) = {
        let job3 = app.create_job(&project).await;
        let a501 = drawing_sheet("A-501", "DETAILS", &[], "");
        let (status, body) = app
            .upload(
                &job3,
                vec![Upload::bytes("file0", "A-501.pdf", a501, "plans")],
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(app.complete(&job3).await.0, 202);
        let done = app.wait_job(&job3).await;
        let (_, result) = app.get(&format!("/jobs/{job3}/result")).await;
        (job3, done, result)
    };
    let a501_id = third["documents"][0]["sheets"][0]["sheetId"].clone();
    let (_, now) = app.get(&format!("{p}/references?limit=500")).await;
    let callout = now["references"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["targetSheetNumber"] == "A-501")
        .unwrap();
    assert_eq!(callout["status"], "resolved", "{job3}: {callout}");
    assert_eq!(callout["targetSheetId"], a501_id);
    let (_, missing) = app
        .get(&format!("{p}/references?status=missing_sheet"))
        .await;
    assert_eq!(
        missing["total"], 1,
        "only S-101 is still missing: {missing}"
    );
    let (_, first_result) = app.get(&format!("/jobs/{job}/result")).await;
    let before = first_result["documents"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["sheets"].as_array().unwrap().iter())
        .flat_map(|s| s["references"].as_array().unwrap().iter())
        .find(|r| r["targetSheetNumber"] == "A-501")
        .unwrap()
        .clone();
    assert_eq!(before["status"], "missing_sheet");
    // The sheet that prints it tells the same as the references list.
    let a101 = callout["sheetId"].as_str().unwrap();
    let (_, sheet) = app.get(&format!("{p}/sheets/{a101}")).await;
    let on_sheet = sheet["sheet"]["references"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["targetSheetNumber"] == "A-501")
        .unwrap()
        .clone();
    assert_eq!(on_sheet["status"], "resolved");
    assert_eq!(on_sheet["targetSheetId"], a501_id);
}

#[tokio::test]
async fn a_set_missing_sheets_reports_exactly_those_where_they_are_referenced() {
    let app = spawn_app().await;
    // Four sheets that point at one another; the project gets only.
    let sheet = |n: u32| {
        let refs: Vec<String> = (1..=4)
            .filter(|m| *m != n)
            .map(|m| format!("{m}/A-10{m}"))
            .collect();
        let texts: Vec<(f32, f32, f32, &str)> = refs
            .iter()
            .enumerate()
            .map(|(i, r)| (200.0, 250.0 - 20.0 * i as f32, 12.0, r.as_str()))
            .collect();
        drawing_sheet(&format!("A-10{n}"), "FLOOR PLAN", &texts, "")
    };
    let (_, done, _) = app
        .run_job(
            "Partial set",
            vec![
                Upload::bytes("file0", "A-101.pdf", sheet(1), "plans"),
                Upload::bytes("file1", "A-102.pdf", sheet(2), "plans"),
            ],
        )
        .await;
    let project = done["projectId"].as_str().unwrap();
    let (_, missing) = app
        .get(&format!(
            "/projects/{project}/references?status=missing_sheet"
        ))
        .await;
    assert_eq!(
        summary(&missing["references"]),
        [
            row("A-101", "detail", "3/A-103", "missing_sheet"),
            row("A-101", "detail", "4/A-104", "missing_sheet"),
            row("A-102", "detail", "3/A-103", "missing_sheet"),
            row("A-102", "detail", "4/A-104", "missing_sheet"),
        ]
    );
    let (_, all) = app.get(&format!("/projects/{project}/references")).await;
    assert_eq!(all["total"], 6, "{all}");
}

#[tokio::test]
async fn on_a_corpus_set_the_match_lines_link_its_two_sheets_and_one_alone_misses_the_other() {
    let app = spawn_app().await;
    let path = corpus("wsdot_plansheet/test_smaller.pdf");
    let (_, done, _) = app
        .run_job("Both", vec![Upload::file("file0", &path, "plans")])
        .await;
    let project = done["projectId"].as_str().unwrap();
    let (_, all) = app.get(&format!("/projects/{project}/references")).await;
    assert_eq!(
        summary(&all["references"]),
        [
            row("TS01", "sheet", "TS02", "resolved"),
            row("TS02", "sheet", "TS01", "resolved"),
        ]
    );
    // The same set without its second sheet.
    let mut doc = lopdf::Document::load(&path).unwrap();
    doc.delete_pages(&[2]);
    let mut first = Vec::new();
    doc.save_to(&mut first).unwrap();
    let (_, done, _) = app
        .run_job(
            "First sheet only",
            vec![Upload::bytes("file0", "TS01.pdf", first, "plans")],
        )
        .await;
    let project = done["projectId"].as_str().unwrap();
    let (_, alone) = app.get(&format!("/projects/{project}/references")).await;
    assert_eq!(
        summary(&alone["references"]),
        [row("TS01", "sheet", "TS02", "missing_sheet")]
    );
}
