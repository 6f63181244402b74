//! `plansift submit` and `plansift jobs watch` against a running server: two corpus files end to
//! end in one command, through the form and through a signed registration.

use crate::helpers::*;
use serde_json::Value;
use std::process::Command;

const PLANS: &str = "wsdot_plansheet/Pages from M01-17-ITS-Tolling-2b.pdf";
const SPECS: &str = "spectAIchallenge/271500 (Medium).pdf";

fn plansift(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_plansift"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[tokio::test]
async fn submit_runs_the_whole_flow_and_prints_a_summary() {
    let app = spawn_app().await;
    let out = tempfile::tempdir().unwrap();
    let origin = app.origin();
    let (plans, specs) = (corpus(PLANS), corpus(SPECS));
    let args = |extra: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = [
            "submit",
            "--server",
            &origin,
            "--key",
            &app.key,
            "--project",
            "CLI",
            "--out",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        a.push(out.path().display().to_string());
        a.extend(extra.iter().map(|s| s.to_string()));
        a.push(plans.display().to_string());
        a.push(specs.display().to_string());
        a
    };
    let run = |a: Vec<String>| {
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        plansift(&refs)
    };
    let (code, stdout, stderr) = tokio::task::spawn_blocking({
        let a = args(&[]);
        move || run(a)
    })
    .await
    .unwrap();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("Pages from M01-17-ITS-Tolling-2b.pdf"),
        "{stdout}"
    );
    assert!(stdout.contains("271500 (Medium).pdf"), "{stdout}");
    // The table's columns line up: status, pages, sheets, sections after the name.
    let row = |name: &str| -> Vec<String> {
        let line = stdout.lines().find(|l| l.starts_with(name)).unwrap();
        line[name.len()..]
            .split_whitespace()
            .map(str::to_string)
            .collect()
    };
    assert_eq!(
        row("Pages from M01-17-ITS-Tolling-2b.pdf"),
        ["completed", "4", "4", "0"],
        "{stdout}"
    );
    assert_eq!(
        row("271500 (Medium).pdf"),
        ["completed", "7", "0", "1"],
        "{stdout}"
    );
    let header = stdout.lines().next().unwrap();
    assert_eq!(
        header.split_whitespace().collect::<Vec<_>>(),
        ["document", "status", "pages", "sheets", "sections"]
    );
    // Each file ends with a full bar, and so does the job's bar of pages.
    assert!(
        stderr.contains("271500 (Medium).pdf [########################] 100% uploaded"),
        "{stderr}"
    );
    assert!(
        stderr.contains("completed [########################] 100% 11/11 pages"),
        "{stderr}"
    );
    assert!(
        stdout.contains(": completed, 11 pages, 47 credits"),
        "{stdout}"
    );
    let job = stdout
        .lines()
        .last()
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .trim_end_matches(':')
        .to_string();
    let result: Value =
        serde_json::from_slice(&std::fs::read(out.path().join(&job).join("result.json")).unwrap())
            .unwrap();
    assert_eq!(result["documents"].as_array().unwrap().len(), 2);
    assert_eq!(
        result["documents"][0]["sheets"].as_array().unwrap().len(),
        4
    );

    // Again, every file through a signed registration, with a JSON summary; the project is reused.
    let (code, stdout, stderr) = tokio::task::spawn_blocking({
        let a = args(&["--json", "--form-limit", "0", "--artifacts"]);
        move || run(a)
    })
    .await
    .unwrap();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let summary: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(summary["status"], "completed");
    assert_eq!(summary["documents"][0]["sheets"], 4);
    assert_eq!(summary["documents"][1]["sections"], 1);
    // Originals, thumbnails, crops and extracted JSON, each saved.
    let saved = summary["artifacts"].as_u64().unwrap();
    let dir = out
        .path()
        .join(summary["jobId"].as_str().unwrap())
        .join("artifacts");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count() as u64, saved);
    assert!(saved >= 2 + 2 + 4 + 4, "{saved}");
    let original = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy().ends_with("original.pdf"))
        .unwrap();
    assert!(std::fs::read(original.path()).unwrap().starts_with(b"%PDF"));
    let (_, projects) = app.get("/projects").await;
    assert_eq!(projects["projects"].as_array().unwrap().len(), 1);

    // Watching a finished job exits at once with its outcome; bad input is exit code 2.
    let watch = vec![
        "jobs".to_string(),
        "watch".into(),
        "--server".into(),
        origin.clone(),
        "--key".into(),
        app.key.clone(),
        job,
    ];
    let (code, _, _) = tokio::task::spawn_blocking(move || run(watch))
        .await
        .unwrap();
    assert_eq!(code, 0);
    let (code, _, stderr) = plansift(&["submit", "--key", "k", "/no/such/file.pdf"]);
    assert_eq!(code, 2, "{stderr}");
}
