//! Pages per second of one job over 1, 2, 4… worker processes on PostgreSQL and S3: the same
//! set each time, a fresh database and blob prefix each time, one task loop per worker.
//!
//! With more workers than cores the workers share the cores, so the curve flattens at the core
//! count. The report says so with figures: the CPU seconds every process spent on the job give
//! pages per CPU-second, which is what one more core buys, and the ideal rate for N workers is
//! that times min(N, cores). The busy share of the whole machine (PostgreSQL and the object
//! store run on the same cores here) shows when the cores are the limit.

use crate::api::{self, Deployment, ScaleOut};
use serde_json::json;
use std::path::Path;

pub async fn run(
    plansift: &Path,
    set: &Path,
    pages: usize,
    workers: &[usize],
    services: &ScaleOut,
    out: &Path,
) -> anyhow::Result<()> {
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    println!(
        "scale-out: serve --no-workers + N workers on PostgreSQL + S3, {pages} pages, {cores} cores\n"
    );
    println!(
        "{:>7} {:>9} {:>9} {:>8} {:>8} {:>12} {:>10} {:>13}",
        "workers",
        "seconds",
        "pages/s",
        "speedup",
        "CPU s",
        "pages/CPU-s",
        "ideal p/s",
        "machine busy"
    );
    let mut rows = Vec::new();
    let mut first: Option<f64> = None;
    for &n in workers {
        let deployment = Deployment::scale_out(plansift, n, services)?;
        let job = api::job(&deployment, set).await?;
        drop(deployment);
        anyhow::ensure!(
            job.status == "completed" && job.pages == pages as i64,
            "{n} workers: the job ended {} with {} of {pages} pages",
            job.status,
            job.pages
        );
        let rate = pages as f64 / job.run.seconds;
        let base = *first.get_or_insert(rate);
        let per_cpu = pages as f64 / job.cpu_seconds.max(1e-9);
        let ideal = per_cpu * n.min(cores) as f64;
        let busy = job.machine_cpu_seconds / (job.run.seconds * cores as f64);
        println!(
            "{n:>7} {:>9.2} {rate:>9.1} {:>7.2}x {:>8.1} {per_cpu:>12.1} {ideal:>10.1} {:>12.0}%",
            job.run.seconds,
            rate / base,
            job.cpu_seconds,
            busy * 100.0
        );
        rows.push(json!({
            "workers": n, "seconds": job.run.seconds, "pagesPerSecond": rate,
            "speedup": rate / base, "cpuSeconds": job.cpu_seconds,
            "pagesPerCpuSecond": per_cpu, "idealPagesPerSecond": ideal,
            "machineBusy": busy, "machineCpuSeconds": job.machine_cpu_seconds,
            "apiPeakRssMiB": job.run.peak_rss_mib,
        }));
    }
    println!(
        "\nCPU s counts the Plansift processes; machine busy is every process on the machine \
         (PostgreSQL, the S3 server and the client run here too) as a share of its {cores} cores. \
         Once that nears 100 %, more workers only share the same cores, so pages/s flattens. \
         Pages per CPU-second is what one core adds: with a core per worker (and the database \
         and object store on their own machines), N workers would reach about N times it."
    );
    let report = json!({ "pages": pages, "cores": cores, "rows": rows });
    std::fs::write(out, serde_json::to_string_pretty(&report)?)?;
    println!("\nreport: {}", out.display());
    Ok(())
}
