//! Private instances of the real services for the fault suite, started and stopped with the
//! same commands as scripts/services.sh (pg_ctl on a cluster of its own, s3s-fs on a folder of
//! its own), on ports of their own: stopping them disturbs no other test.

use crate::common::process::{Process, free_port};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub const S3_KEY: &str = "plansift";
pub const S3_SECRET: &str = "plansift-test-secret";
pub const S3_BUCKET: &str = "plansift-faults";

/// The newest PostgreSQL's `bin` folder from Debian's packages.
fn pg_bin() -> Option<PathBuf> {
    let mut bins: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| Some(e.ok()?.path().join("bin")))
        .filter(|p| p.join("pg_ctl").exists())
        .collect();
    bins.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name()?.to_str()?.parse::<u32>().ok())
            .unwrap_or(0)
    });
    bins.pop()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// initdb and postgres refuse to run as root: a root test runs them as the postgres user.
fn as_pg(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

/// A private PostgreSQL cluster.
pub struct Postgres {
    bin: PathBuf,
    dir: tempfile::TempDir,
    pub port: u16,
}

impl Postgres {
    /// A fresh cluster, started; `None` (with the reason printed) when PostgreSQL is not
    /// installed.
    pub fn start() -> Option<Postgres> {
        let Some(bin) = pg_bin() else {
            eprintln!("faults: PostgreSQL is not installed (scripts/setup.sh --test); skipped");
            return None;
        };
        let dir = tempfile::Builder::new()
            .prefix("plansift-faults-pg")
            .tempdir()
            .unwrap();
        if is_root() {
            let ok = Command::new("chown")
                .args(["-R", "postgres"])
                .arg(dir.path())
                .status()
                .unwrap()
                .success();
            assert!(ok, "chown of the cluster folder failed");
        }
        let out = as_pg(&bin.join("initdb"))
            .arg("-D")
            .arg(dir.path().join("pg"))
            .args([
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let pg = Postgres {
            bin,
            dir,
            port: free_port(),
        };
        pg.up();
        Some(pg)
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/plansift", self.port)
    }

    /// `pg_ctl start`, as scripts/services.sh runs it.
    pub fn up(&self) {
        let data = self.dir.path().join("pg");
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {} -c max_connections=100 -c fsync=off -c synchronous_commit=off",
            self.port,
            data.display()
        );
        let status = as_pg(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(self.dir.path().join("pg.log"))
            .args(["-w", "-t", "60", "-o", &options, "start"])
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "pg_ctl start failed");
    }

    /// `pg_ctl stop -m fast`: open connections are cut, new ones refused.
    pub fn down(&self) {
        let status = as_pg(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.dir.path().join("pg"))
            .args(["-m", "fast", "-w", "stop"])
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "pg_ctl stop failed");
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = as_pg(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.dir.path().join("pg"))
            .args(["-m", "immediate", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// A private s3s-fs server (the binary scripts/services.sh builds into ~/.cache/plansift-tools).
pub struct S3 {
    bin: PathBuf,
    dir: tempfile::TempDir,
    pub port: u16,
    process: Option<Process>,
}

impl S3 {
    /// Started on a fresh folder; `None` (with the reason printed) when s3s-fs was never built.
    pub fn start() -> Option<S3> {
        let home = std::env::var_os("HOME").map(PathBuf::from)?;
        let bin = home.join(".cache/plansift-tools/bin/s3s-fs");
        if !bin.exists() {
            eprintln!("faults: s3s-fs is not built (run scripts/services.sh start once); skipped");
            return None;
        }
        let dir = tempfile::Builder::new()
            .prefix("plansift-faults-s3")
            .tempdir()
            .unwrap();
        std::fs::create_dir_all(dir.path().join(S3_BUCKET)).unwrap();
        let mut s3 = S3 {
            bin,
            dir,
            port: free_port(),
            process: None,
        };
        s3.up();
        Some(s3)
    }

    /// Starts the server on its folder and port, as scripts/services.sh does.
    pub fn up(&mut self) {
        let child = Command::new(&self.bin)
            .args(["--host", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--access-key", S3_KEY, "--secret-key", S3_SECRET])
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.process = Some(Process(child));
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "s3s-fs did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the server (SIGKILL): connections are refused until [`S3::up`].
    pub fn down(&mut self) {
        self.process.take();
    }
}

/// The environment a Plansift process needs to reach an S3 endpoint.
pub fn s3_env(command: &mut Command, endpoint_port: u16) {
    command
        .env(
            "AWS_ENDPOINT_URL",
            format!("http://127.0.0.1:{endpoint_port}"),
        )
        .env("AWS_ACCESS_KEY_ID", S3_KEY)
        .env("AWS_SECRET_ACCESS_KEY", S3_SECRET)
        .env("AWS_REGION", "us-east-1")
        .env("PLANSIFT_BLOB_URL", format!("s3://{S3_BUCKET}/faults"));
}
