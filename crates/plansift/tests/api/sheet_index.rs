//! The sheet index check on a set the test writes itself: a cover sheet whose drawing list (in
//! two columns) names a sheet that was not issued, a title that differs, a number printed in
//! another format, and misses a sheet that was issued.

use crate::common::drawing_sheet;
use crate::helpers::*;
use serde_json::Value;

#[tokio::test]
async fn a_drawing_list_is_checked_against_the_sheets_of_its_job() {
    let app = spawn_app().await;
    let cover = drawing_sheet(
        "G-001",
        "COVER SHEET",
        &[
            (200.0, 1400.0, 20.0, "SHEET INDEX"),
            (200.0, 1360.0, 14.0, "G-001"),
            (320.0, 1360.0, 14.0, "COVER SHEET"),
            (200.0, 1335.0, 14.0, "A-101"),
            (320.0, 1335.0, 14.0, "FIRST FLOOR PLAN"),
            (200.0, 1310.0, 14.0, "A-102"),
            (320.0, 1310.0, 14.0, "SECOND FLOOR PLAN"),
            (1000.0, 1360.0, 14.0, "A-201"),
            (1120.0, 1360.0, 14.0, "BUILDING ELEVATIONS"),
            (1000.0, 1335.0, 14.0, "A501"),
            (1120.0, 1335.0, 14.0, "DETAILS"),
        ],
        "",
    );
    let sheets = [
        ("G-001.pdf", cover),
        (
            "A-101.pdf",
            drawing_sheet(
                "A-101",
                "FIRST FLOOR PLAN",
                &[(200.0, 250.0, 12.0, "SEE 3/A-201")],
                "",
            ),
        ),
        (
            "A-102.pdf",
            drawing_sheet("A-102", "SECOND FLOOR FRAMING PLAN", &[], ""),
        ),
        ("A-501.pdf", drawing_sheet("A-501", "DETAILS", &[], "")),
        ("A-601.pdf", drawing_sheet("A-601", "SCHEDULES", &[], "")),
    ];
    let parts = ["file0", "file1", "file2", "file3", "file4"];
    let uploads = sheets
        .into_iter()
        .zip(parts)
        .map(|((name, bytes), part)| Upload::bytes(part, name, bytes, "plans"))
        .collect();
    let (_, done, result) = app.run_job("Index", uploads).await;
    assert_eq!(done["status"], "completed", "{done}");
    let cover = &result["documents"][0];
    let index = &cover["sheetIndex"];
    assert_eq!(index["sourcePage"], 1, "{cover}");
    let entries: Vec<(&str, &str)> = index["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["sheetNumber"].as_str().unwrap(),
                e["sheetTitle"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        entries,
        [
            ("G-001", "COVER SHEET"),
            ("A-201", "BUILDING ELEVATIONS"),
            ("A-101", "FIRST FLOOR PLAN"),
            ("A501", "DETAILS"),
            ("A-102", "SECOND FLOOR PLAN"),
        ]
    );
    let findings = |v: &Value| -> Vec<(String, String)> {
        let mut f: Vec<(String, String)> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["type"].as_str().unwrap().to_string(),
                    f["sheetNumber"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        f.sort();
        f
    };
    let expected: Vec<(String, String)> = [
        ("extra_sheet", "A-601"),
        ("missing_sheet", "A-201"),
        ("number_format_mismatch", "A501"),
        ("title_mismatch", "A-102"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(findings(&index["findings"]), expected, "{index}");
    let title = index["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["type"] == "title_mismatch")
        .unwrap();
    assert_eq!(title["listedTitle"], "SECOND FLOOR PLAN");
    assert_eq!(title["issuedTitle"], "SECOND FLOOR FRAMING PLAN");
    // The other documents print no list.
    for d in &result["documents"].as_array().unwrap()[1..] {
        assert!(d["sheetIndex"].is_null(), "{}", d["fileName"]);
    }
    // The missing sheet is also where A-101 points.
    let project = done["projectId"].as_str().unwrap();
    let (_, missing) = app
        .get(&format!(
            "/projects/{project}/references?status=missing_sheet"
        ))
        .await;
    assert_eq!(missing["references"][0]["targetSheetNumber"], "A-201");
    assert_eq!(missing["total"], 1);

    // The project's report.
    let (status, report) = app
        .get(&format!("/projects/{project}/sheet-index-report"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(report["reports"].as_array().unwrap().len(), 1);
    assert_eq!(report["reports"][0]["fileName"], "G-001.pdf");
    assert_eq!(findings(&report["reports"][0]["findings"]), expected);
    for kind in [
        "extra_sheet",
        "missing_sheet",
        "number_format_mismatch",
        "title_mismatch",
    ] {
        assert_eq!(report["findingCounts"][kind], 1, "{report}");
    }
}
