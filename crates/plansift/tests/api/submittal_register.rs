//! The submittal register (`GET /projects/{p}/submittal-register`): built from a spec book the
//! test writes itself, read as JSON pages with filters and cursors, downloaded as CSV and XLSX
//! (read back with Python's csv module and openpyxl and compared with the JSON rows), and
//! following the newest version of a section when a later job brings it again.

use crate::common::spec_book;
use crate::helpers::*;
use serde_json::Value;

const PAINTING: &[&str] = &[
    "SECTION 09 91 23 - PAINTING",
    "PART 1 - GENERAL",
    "1.04 SUBMITTALS",
    "  A. See Section 01 33 00 - Submittal Procedures, for submittal procedures.",
    "  B. Product Data: Manufacturer data sheets for each paint system, including",
    "     VOC content and application instructions.",
    "  C. Samples: Three draw-down samples of each color, 8 by 10 inches.",
    "1.05 WARRANTY",
    "  A. Provide manufacturer warranty for five years against peeling and fading.",
    "PART 2 - PRODUCTS",
    "2.01 PAINT MATERIALS",
    "  A. Paint shall be acrylic latex of the best grade.",
    "END OF SECTION 09 91 23",
];

const HARDWARE: &[&str] = &[
    "SECTION 08 71 00 - DOOR HARDWARE",
    "PART 1 - GENERAL",
    "1.05 SUBMITTALS",
    "  A. Keying Schedule: Three copies, after the keying meeting.",
    "  B. Shop Drawings: Hardware schedule with each door and its hardware set.",
    "PART 3 - EXECUTION",
    "3.02 FIELD QUALITY CONTROL",
    "  A. Submit field test reports of each electrified lock within ten days.",
    "END OF SECTION 08 71 00",
];

/// A reissue of 09 91 23: the samples are gone, a certificate is new.
const PAINTING_REISSUED: &[&str] = &[
    "SECTION 09 91 23 - PAINTING",
    "PART 1 - GENERAL",
    "1.04 SUBMITTALS",
    "  A. Product Data: Manufacturer data sheets for each paint system, including",
    "     VOC content and application instructions.",
    "  B. Certification: Manufacturer certificate that paints comply with VOC limits.",
    "END OF SECTION 09 91 23",
];

/// `(section, article, type, page)` of each register row.
fn summary(rows: &Value) -> Vec<(String, String, String, i64)> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["sectionNumber"].as_str().unwrap().to_string(),
                r["article"].as_str().unwrap().to_string(),
                r["type"].as_str().unwrap().to_string(),
                r["pageNumber"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn row(section: &str, article: &str, kind: &str, page: i64) -> (String, String, String, i64) {
    (section.into(), article.into(), kind.into(), page)
}

async fn download(app: &TestApp, path: &str) -> (u16, String, Vec<u8>) {
    let r = app
        .client
        .get(format!("{}{path}", app.base))
        .bearer_auth(&app.key)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let content_type = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, content_type, r.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn the_register_lists_filters_pages_and_downloads_the_submittals_of_a_spec_book() {
    let app = spawn_app().await;
    let book = spec_book(&[PAINTING, HARDWARE]);
    let (job, done, _) = app
        .run_job(
            "Register",
            vec![Upload::bytes("file0", "specs.pdf", book, "specifications")],
        )
        .await;
    assert_eq!(done["status"], "completed", "{done}");
    let project = done["projectId"].as_str().unwrap().to_string();
    let base = format!("/projects/{project}/submittal-register");

    let (status, body) = app.get(&base).await;
    assert_eq!(status, 200, "{body}");
    let all = [
        row("09 91 23", "1.04 B", "product_data", 1),
        row("09 91 23", "1.04 C", "samples", 1),
        row("09 91 23", "1.05 A", "warranty", 1),
        row("08 71 00", "1.05 A", "schedules", 2),
        row("08 71 00", "1.05 B", "shop_drawings", 2),
        row("08 71 00", "3.02 A", "test_reports", 2),
    ];
    assert_eq!(summary(&body["submittals"]), all, "{body}");
    assert_eq!(body["total"], 6);
    let first = &body["submittals"][0];
    assert_eq!(first["sectionTitle"], "PAINTING");
    assert_eq!(first["title"], "Product Data");
    assert_eq!(first["source"], "submittals");
    assert_eq!(first["current"], true);
    assert_eq!(
        first["text"],
        "Product Data: Manufacturer data sheets for each paint system, including VOC content and application instructions."
    );
    // The box covers the paragraph's two lines, below the article heading.
    let b = &first["box"];
    let (top, bottom) = (b["top"].as_f64().unwrap(), b["bottom"].as_f64().unwrap());
    assert!(0.1 < top && top < bottom && bottom - top > 0.025, "{b}");
    let link = first["links"]["pageImage"].as_str().unwrap();
    let file = first["fileId"].as_str().unwrap();
    assert!(link.ends_with(&format!("/projects/{project}/files/{file}/pages/1/image")));

    // The Result v1 of the job carries the same items under its sections.
    let (_, result) = app.get(&format!("/jobs/{job}/result")).await;
    let specs = result["documents"][0]["specifications"].as_array().unwrap();
    let in_result: usize = specs
        .iter()
        .map(|s| s["submittals"].as_array().unwrap().len())
        .sum();
    assert_eq!(in_result, 6);
    assert_eq!(
        specs[0]["submittals"][0]["submittalId"],
        first["submittalId"]
    );

    // Filters.
    let (_, body) = app.get(&format!("{base}?type=samples")).await;
    assert_eq!(summary(&body["submittals"]), [all[1].clone()]);
    let (_, body) = app.get(&format!("{base}?division=8")).await;
    assert_eq!(summary(&body["submittals"]), all[3..].to_vec());
    let (_, body) = app
        .get(&format!("{base}?sectionNumber=099123&type=warranty"))
        .await;
    assert_eq!(summary(&body["submittals"]), [all[2].clone()]);
    let (status, _) = app.get(&format!("{base}?format=pdf")).await;
    assert_eq!(status, 400);

    // Pages of two follow each other without gaps or repeats.
    let mut paged = Vec::new();
    let mut path = format!("{base}?limit=2");
    loop {
        let (status, body) = app.get(&path).await;
        assert_eq!(status, 200, "{body}");
        assert!(body["returnedCount"].as_u64().unwrap() <= 2);
        paged.extend(summary(&body["submittals"]));
        match body["nextCursor"].as_str() {
            Some(c) => path = format!("{base}?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(paged, all);

    // CSV and XLSX, read back by independent readers, hold the JSON rows.
    let (status, csv_type, csv) = download(&app, &format!("{base}?format=csv")).await;
    assert_eq!(status, 200);
    assert!(csv_type.starts_with("text/csv"), "{csv_type}");
    let (status, xlsx_type, xlsx) = download(&app, &format!("{base}?format=xlsx")).await;
    assert_eq!(status, 200);
    assert_eq!(
        xlsx_type,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let csv_path = app.data.path().join("register.csv");
    let xlsx_path = app.data.path().join("register.xlsx");
    std::fs::write(&csv_path, csv).unwrap();
    std::fs::write(&xlsx_path, xlsx).unwrap();
    let py_path = std::path::Path::new(&std::env::var("HOME").unwrap()).join(".cache/plansift-py");
    let out = std::process::Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/support/read_register.py"
        ))
        .args([&csv_path, &xlsx_path])
        .env("PYTHONPATH", py_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the downloads could not be read (is scripts/setup.sh --test run?): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read: Value = serde_json::from_slice(&out.stdout).unwrap();
    let (_, body) = app.get(&base).await;
    let expected: Vec<Vec<String>> = std::iter::once(
        [
            "Section Number",
            "Section Title",
            "Submittal Title",
            "Type",
            "Description",
            "Article",
            "Page",
            "File",
            "Submittal ID",
        ]
        .map(String::from)
        .to_vec(),
    )
    .chain(body["submittals"].as_array().unwrap().iter().map(|r| {
        let s = |k: &str| r[k].as_str().unwrap().to_string();
        vec![
            s("sectionNumber"),
            s("sectionTitle"),
            s("title"),
            s("type"),
            s("description"),
            s("article"),
            r["pageNumber"].to_string(),
            s("fileName"),
            s("submittalId"),
        ]
    }))
    .collect();
    let as_rows = |v: &Value| -> Vec<Vec<String>> { serde_json::from_value(v.clone()).unwrap() };
    assert_eq!(as_rows(&read["csv"]), expected);
    assert_eq!(as_rows(&read["xlsx"]), expected);
    assert_eq!(read["sheet"], "Submittal register");
    let (_, _, filtered) = download(&app, &format!("{base}?format=csv&type=shop_drawings")).await;
    let filtered = String::from_utf8(filtered).unwrap();
    assert_eq!(filtered.lines().count(), 2, "{filtered}");
    assert!(filtered.contains("\"1.05 B\""));

    // A reissue of 09 91 23 in a later job: the register follows the newest version.
    let job2 = app.create_job(&project).await;
    let reissue = spec_book(&[PAINTING_REISSUED]);
    let (status, body) = app
        .upload(
            &job2,
            vec![Upload::bytes(
                "file0",
                "reissue.pdf",
                reissue,
                "specifications",
            )],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app.complete(&job2).await;
    assert_eq!(status, 202, "{body}");
    app.wait_job(&job2).await;
    let (_, body) = app.get(&format!("{base}?sectionNumber=09 91 23")).await;
    assert_eq!(
        summary(&body["submittals"]),
        [
            row("09 91 23", "1.04 A", "product_data", 1),
            row("09 91 23", "1.04 B", "certificates", 1),
        ]
    );
    // What the reissue changed: the product data stayed, the certificate is new, the samples
    // and the warranty are gone.
    let changes: Vec<&str> = body["submittals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["change"].as_str().unwrap())
        .collect();
    assert_eq!(changes, ["unchanged", "added"]);
    assert_eq!(
        summary(&body["removed"]),
        [
            row("09 91 23", "1.04 C", "samples", 1),
            row("09 91 23", "1.05 A", "warranty", 1),
        ]
    );
    assert_eq!(body["removed"][0]["change"], "removed");
    let (_, body) = app
        .get(&format!("{base}?sectionNumber=099123&current=false"))
        .await;
    assert_eq!(summary(&body["submittals"]), all[..3].to_vec());
    assert!(body["submittals"][0]["current"] == false);
    let (_, body) = app.get(&base).await;
    assert_eq!(body["total"], 5, "the hardware section is still current");
    let hardware = &body["submittals"][2];
    assert_eq!(hardware["sectionNumber"], "08 71 00");
    assert!(hardware.get("change").is_none(), "{hardware}");
}
