//! Scenario 4: the S3 server answers every request with 500 for 30 s while a job is
//! processing (a proxy in front of it), then heals; Plansift is not restarted.

use crate::harness::{Probe, Server, check_acknowledged};
use crate::proxy::FailingProxy;
use crate::services::{S3, s3_env};
use plansift_store::open::Backends;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

const OUTAGE: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_answering_500_for_30_s_mid_job() {
    let Some(s3) = S3::start() else { return };
    let proxy = FailingProxy::start(s3.port).await;
    let data = tempfile::tempdir().unwrap();
    let port = proxy.port;
    let backends = Backends {
        database_url: None,
        blob_url: None,
    };
    let server = Server::start(data.path(), backends, 0, |c| s3_env(c, port)).await;
    let upload_job = server.create_job().await;
    let job = server.start_book_job().await;

    let probe = Probe::start(&server, &job, &upload_job);
    proxy.fail().await;
    let failing = Instant::now();
    tokio::time::sleep(OUTAGE).await;
    let before = server.pages_done(&job).await.unwrap();
    let outage = failing.elapsed();
    proxy.heal();
    let recovered = Instant::now();
    let ready_after = server.seconds_until_ready(recovered).await;
    let observed = probe.finish().await;
    let summary = observed.check("s3_errors");
    let moving_after = server.seconds_until_moving(&job, before, recovered).await;
    let (failed, double) = server.check_exactly_once(&job).await;
    check_acknowledged(&server, &upload_job, &observed.acknowledged).await;
    let answered_500 = proxy.failed.load(Ordering::Relaxed);
    assert!(answered_500 > 0, "the proxy answered no request with 500");
    crate::harness::report(&format!(
        "s3_errors: 500s for {:.0} s survived ({answered_500} requests answered 500); pages failed {failed}; \
         double debits {double}; job moving again {moving_after:.1} s after the S3 server healed; \
         ready again after {ready_after:.1} s; {summary}",
        outage.as_secs_f64()
    ));
}
