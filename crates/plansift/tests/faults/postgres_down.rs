//! Scenario 2: PostgreSQL is stopped for 30 s while a job is processing (blobs on local
//! disk), then started again; Plansift is not restarted.

use crate::harness::{Probe, Server, check_acknowledged};
use crate::services::Postgres;
use plansift_store::open::Backends;
use std::time::{Duration, Instant};

const OUTAGE: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stopped_for_30_s_mid_job() {
    let Some(pg) = Postgres::start() else { return };
    let data = tempfile::tempdir().unwrap();
    let backends = Backends {
        database_url: Some(pg.url()),
        blob_url: None,
    };
    let url = pg.url();
    let server = Server::start(data.path(), backends, 0, |c| {
        c.env("PLANSIFT_DATABASE_URL", &url);
    })
    .await;
    let upload_job = server.create_job().await;
    let job = server.start_book_job().await;

    let probe = Probe::start(&server, &job, &upload_job);
    pg.down();
    let stopped = Instant::now();
    tokio::time::sleep(OUTAGE).await;
    let before = server.pages_done(&job).await;
    assert_eq!(before, None, "the job was readable with the database down");
    let outage = stopped.elapsed();
    pg.up();
    let recovered = Instant::now();
    // Pages done when the database went down are all that can be counted before it is back.
    let done_at_recovery = loop {
        if let Some(n) = server.pages_done(&job).await {
            break n;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let ready_after = server.seconds_until_ready(recovered).await;
    let observed = probe.finish().await;
    let summary = observed.check("postgres_down");
    let moving_after = server
        .seconds_until_moving(&job, done_at_recovery, recovered)
        .await;
    let (failed, double) = server.check_exactly_once(&job).await;
    check_acknowledged(&server, &upload_job, &observed.acknowledged).await;
    crate::harness::report(&format!(
        "postgres_down: outage {:.0} s survived; pages failed {failed}; double debits {double}; \
         job moving again {moving_after:.1} s after PostgreSQL was back; ready again after {ready_after:.1} s; {summary}",
        outage.as_secs_f64()
    ));
}
