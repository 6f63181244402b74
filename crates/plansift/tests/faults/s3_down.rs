//! Scenario 3: the S3 server is stopped for 60 s while a job is processing (metadata in the
//! embedded SQLite), then started again; Plansift is not restarted.

use crate::harness::{Probe, Server, check_acknowledged};
use crate::services::{S3, s3_env};
use plansift_store::open::Backends;
use std::time::{Duration, Instant};

const OUTAGE: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_stopped_for_60_s_mid_job() {
    let Some(mut s3) = S3::start() else { return };
    let data = tempfile::tempdir().unwrap();
    let port = s3.port;
    let backends = Backends {
        database_url: None,
        blob_url: None,
    };
    let server = Server::start(data.path(), backends, 0, |c| s3_env(c, port)).await;
    let upload_job = server.create_job().await;
    let job = server.start_book_job().await;

    let probe = Probe::start(&server, &job, &upload_job);
    s3.down();
    let stopped = Instant::now();
    tokio::time::sleep(OUTAGE).await;
    let before = server.pages_done(&job).await.unwrap();
    let outage = stopped.elapsed();
    s3.up();
    let recovered = Instant::now();
    let ready_after = server.seconds_until_ready(recovered).await;
    let observed = probe.finish().await;
    let summary = observed.check("s3_down");
    let moving_after = server.seconds_until_moving(&job, before, recovered).await;
    let (failed, double) = server.check_exactly_once(&job).await;
    check_acknowledged(&server, &upload_job, &observed.acknowledged).await;
    crate::harness::report(&format!(
        "s3_down: outage {:.0} s survived; pages failed {failed}; double debits {double}; \
         job moving again {moving_after:.1} s after the S3 server was back; ready again after {ready_after:.1} s; {summary}",
        outage.as_secs_f64()
    ));
}
