//! Scenario 1: the embedded default (SQLite and blobs in the data directory) on a small tmpfs.
//! The disk fills during an upload (507, nothing half-written is left), then during
//! processing (page tasks and SQLite commits meet `No space left on device`), and then the
//! filesystem grows (`mount -o remount,size=…`); Plansift is not restarted. Needs root to
//! mount; skipped with a message otherwise.

use crate::common::corpus_bytes;
use crate::harness::{BOOK, Probe, Server, check_acknowledged};
use plansift_store::disk::free_bytes;
use plansift_store::open::Backends;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// How long the disk stays full during processing.
const OUTAGE: Duration = Duration::from_secs(20);
/// The floor the server keeps (MiB): below it readiness reports the disk and uploads get 507.
const FLOOR_MB: u64 = 1;

/// A tmpfs mounted on a temporary folder, unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> Option<SmallDisk> {
        let dir = tempfile::Builder::new()
            .prefix("plansift-faults-disk")
            .tempdir()
            .unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output();
        match out {
            Ok(o) if o.status.success() => Some(SmallDisk { dir }),
            Ok(o) => {
                eprintln!(
                    "faults: disk_full skipped: cannot mount a tmpfs (needs root): {}",
                    String::from_utf8_lossy(&o.stderr).trim()
                );
                None
            }
            Err(e) => {
                eprintln!("faults: disk_full skipped: cannot run mount: {e}");
                None
            }
        }
    }

    fn grow(&self, size: &str) {
        let ok = Command::new("mount")
            .args(["-o", &format!("remount,size={size}")])
            .arg(self.dir.path())
            .status()
            .unwrap()
            .success();
        assert!(ok, "remounting the tmpfs larger failed");
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// Writes a filler file until only `leave` bytes are free (0: until the disk is full).
fn fill(path: &Path, leave: u64) -> PathBuf {
    let filler = path.join(format!("filler-{}", ulid::Ulid::new()));
    let mut f = std::fs::File::create(&filler).unwrap();
    let chunk = vec![0xA5u8; 64 << 10];
    loop {
        let free = free_bytes(path).unwrap();
        if free <= leave {
            break;
        }
        let n = (free - leave).min(chunk.len() as u64) as usize;
        if f.write_all(&chunk[..n]).is_err() {
            break;
        }
    }
    let _ = f.sync_all();
    filler
}

fn files_under(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |d| d.count())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_disk_fills_during_upload_and_processing_then_grows() {
    let Some(disk) = SmallDisk::mount("64m") else {
        return;
    };
    let data = disk.path().join("data");
    let backends = Backends::default();
    let server = Server::start(&data, backends, FLOOR_MB, |_| {}).await;
    let upload_job = server.create_job().await;
    let job = server.create_job().await;

    // The disk fills during an upload: 1.5 MiB free for 1.9 MB of PDFs.
    let book = corpus_bytes(BOOK);
    let extra = corpus_bytes("spec_test_suite/DOT_OCR_Stress_Test.pdf");
    let addendum = corpus_bytes("spec_test_suite/NYC_OGS_Addendum_01.pdf");
    let filler = fill(disk.path(), (FLOOR_MB << 20) + (512 << 10));
    let (status, body) = server
        .upload(
            &job,
            &[
                ("book.pdf".into(), book.clone()),
                ("extra.pdf".into(), extra),
                ("addendum.pdf".into(), addendum),
            ],
        )
        .await;
    assert_eq!(status, 507, "{body}");
    assert_eq!(body["error"]["code"], "insufficient_storage");
    assert_eq!(
        files_under(&data.join("blobs/tmp")),
        0,
        "a half-written upload was left"
    );
    assert_eq!(files_under(&data.join("blobs/documents")), 0);
    let (_, view) = server
        .call(reqwest::Method::GET, &format!("/jobs/{job}"), None)
        .await;
    assert_eq!(
        view["job"]["files"].as_array().map_or(0, Vec::len),
        0,
        "{view}"
    );
    // Below the floor an upload is refused before a byte is written.
    let floor = fill(disk.path(), 256 << 10);
    let (status, body) = server
        .upload(&job, &[("book.pdf".into(), book.clone())])
        .await;
    assert_eq!(status, 507, "{body}");
    std::fs::remove_file(&floor).unwrap();
    std::fs::remove_file(&filler).unwrap();

    // Space again: the same upload is accepted, the job runs.
    let (status, body) = server.upload(&job, &[("book.pdf".into(), book)]).await;
    assert_eq!(status, 200, "{body}");
    server.complete(&job).await;
    server
        .wait_pages(&job, crate::harness::PAGES_BEFORE_FAULT)
        .await;

    // The disk fills to its last byte during processing.
    let probe = Probe::start(&server, &job, &upload_job);
    fill(disk.path(), 0);
    let full = Instant::now();
    tokio::time::sleep(OUTAGE).await;
    let before = server.pages_done(&job).await.unwrap();
    let outage = full.elapsed();
    disk.grow("1g");
    let grown = Instant::now();
    let ready_after = server.seconds_until_ready(grown).await;
    let observed = probe.finish().await;
    let summary = observed.check("disk_full");
    assert!(
        observed
            .answers
            .iter()
            .any(|(what, s)| *what == "POST files" && *s == 507),
        "no upload was answered 507 while the disk was full: {:?}",
        observed.answers
    );
    let moving_after = server.seconds_until_moving(&job, before, grown).await;
    let (failed, double) = server.check_exactly_once(&job).await;
    check_acknowledged(&server, &upload_job, &observed.acknowledged).await;
    crate::harness::report(&format!(
        "disk_full: full disk for {:.0} s survived; pages failed {failed}; double debits {double}; \
         job moving again {moving_after:.1} s after the filesystem grew; ready again after {ready_after:.1} s; {summary}",
        outage.as_secs_f64()
    ));
    drop(server);
}
