//! The web plan room and the API reference page: served from the binary (HTTP checks here), and
//! driven end to end in headless Chromium by `tests/browser/plan_room.cjs` (playwright-core),
//! which `scripts/setup.sh --test` installs with Debian's `chromium`.

use crate::helpers::*;
use serde_json::Value;
use std::path::PathBuf;
use std::process::Stdio;

const PLANS: &str = "wsdot_plansheet/Pages from M01-17-ITS-Tolling-2b.pdf";
const PLANS_LABELS: &str = "labels/M01-17-ITS-Tolling-2b.sheets.json";
const SPECS: &str = "spectAIchallenge/271500 (Medium).pdf";
const SPECS_LABELS: &str = "labels/271500 (Medium).sections.json";

fn labels(rel: &str) -> Value {
    serde_json::from_slice(&std::fs::read(corpus(rel)).unwrap()).unwrap()
}

#[tokio::test]
async fn pages_and_assets_are_served_from_the_binary_with_a_strict_policy() {
    let app = spawn_app_with(false).await;
    let origin = app.origin();
    for (path, kind) in [
        ("/", "text/html"),
        ("/reference", "text/html"),
        ("/assets/app.js", "text/javascript"),
        ("/assets/app.css", "text/css"),
        ("/assets/reference.js", "text/javascript"),
    ] {
        let r = app
            .client
            .get(format!("{origin}{path}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let header = |n: &str| r.headers()[n].to_str().unwrap().to_string();
        assert!(header("content-type").starts_with(kind), "{path}");
        assert!(header("content-security-policy").contains("script-src 'self'"));
        assert_eq!(header("x-content-type-options"), "nosniff");
        let etag = header("etag");
        assert!(!r.bytes().await.unwrap().is_empty());
        let again = app
            .client
            .get(format!("{origin}{path}"))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{path} with its ETag");
    }
    let html = app
        .client
        .get(format!("{origin}/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("<script>"), "no inline script");
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "nothing from elsewhere"
    );
    let missing = app
        .client
        .get(format!("{origin}/assets/../Cargo.toml"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let r = app
        .client
        .get(format!("{origin}/assets/nothing.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
}

/// Where the browser test's tools are; the test set-up installs them.
fn tool(path: PathBuf) -> PathBuf {
    assert!(
        path.exists(),
        "{} is missing: run scripts/setup.sh --test",
        path.display()
    );
    path
}

#[tokio::test]
async fn a_user_signs_in_uploads_a_set_and_finds_sheets_specs_and_words_in_chromium() {
    let home = PathBuf::from(std::env::var("HOME").unwrap());
    let modules = std::env::var("PLANSIFT_NODE_MODULES")
        .map(PathBuf::from)
        .unwrap_or_else(|_| home.join(".cache/plansift-node/node_modules"));
    let playwright = tool(modules.join("playwright-core"));
    let chromium = tool(PathBuf::from(
        std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
    ));
    let script =
        tool(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/browser/plan_room.cjs"));
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("plan-room");
    let _ = std::fs::remove_dir_all(&shots);

    let sheets = labels(PLANS_LABELS);
    let numbers: Vec<&str> = sheets["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["sheetNumber"].as_str().unwrap())
        .collect();
    let word = sheets["pages"][0]["sheetName"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .max_by_key(|w| w.len())
        .unwrap()
        .to_string();
    let section = labels(SPECS_LABELS)["sections"][0]["sectionNumber"]
        .as_str()
        .unwrap()
        .to_string();

    let app = spawn_app().await;
    let out = tokio::process::Command::new("node")
        .arg(&script)
        .env("PLANSIFT_ORIGIN", app.origin())
        .env("PLANSIFT_KEY", &app.key)
        .env("PLANSIFT_PLANS", corpus(PLANS))
        .env("PLANSIFT_SPECS", corpus(SPECS))
        .env("PLANSIFT_SHEETS", numbers.join(","))
        .env("PLANSIFT_SECTION", &section)
        .env("PLANSIFT_SEARCH_WORD", &word)
        .env("PLANSIFT_SCREENSHOTS", &shots)
        .env("PLAYWRIGHT_CORE", &playwright)
        .env("CHROMIUM", &chromium)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .output()
        .await
        .expect("node runs (scripts/setup.sh --test installs it)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "the browser test failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The screenshots are the test's output, one per step.
    let taken = std::fs::read_dir(&shots).unwrap().count();
    assert!(taken >= 11, "{taken} screenshots in {}", shots.display());
}
