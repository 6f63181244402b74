//! Timing and peak memory of work in this process and of child processes.

use anyhow::{Context, bail};
use std::process::Command;
use std::time::{Duration, Instant};

/// One measured run.
#[derive(Clone, Debug)]
pub struct Run {
    pub seconds: f64,
    /// Peak resident set size in MiB.
    pub peak_rss_mib: f64,
}

/// `VmHWM` (peak RSS) of a process from `/proc`, in KiB.
pub fn peak_rss_kib(pid: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Runs `f` in this process with the peak RSS reset first (Linux `clear_refs` 5).
pub fn in_process<T>(f: impl FnOnce() -> T) -> (T, Run) {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let t = Instant::now();
    let out = f();
    let seconds = t.elapsed().as_secs_f64();
    let peak = peak_rss_kib("self").unwrap_or(0) as f64 / 1024.0;
    (
        out,
        Run {
            seconds,
            peak_rss_mib: peak,
        },
    )
}

/// Runs a command to completion, sampling its peak RSS while it runs; a non-zero exit fails.
pub fn child(cmd: &mut Command) -> anyhow::Result<Run> {
    let t = Instant::now();
    let mut c = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .with_context(|| format!("{cmd:?}"))?;
    let pid = c.id().to_string();
    let mut peak = 0;
    let status = loop {
        if let Some(kib) = peak_rss_kib(&pid) {
            peak = peak.max(kib);
        }
        if let Some(status) = c.try_wait()? {
            break status;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    if !status.success() {
        bail!("{cmd:?} exited with {status}");
    }
    Ok(Run {
        seconds: t.elapsed().as_secs_f64(),
        peak_rss_mib: peak as f64 / 1024.0,
    })
}

/// The faster of `runs` runs (the figure least disturbed by the machine).
pub fn best(runs: usize, mut f: impl FnMut() -> anyhow::Result<Run>) -> anyhow::Result<Run> {
    let mut best: Option<Run> = None;
    for _ in 0..runs {
        let r = f()?;
        if best.as_ref().is_none_or(|b| r.seconds < b.seconds) {
            best = Some(r);
        }
    }
    best.context("no run")
}
