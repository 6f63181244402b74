//! The task runner: N loops claim tasks with a lease, renew it while working, and commit each
//! step in one transaction. CPU work runs on the blocking pool; the number of loops bounds it.
//!
//! A task that fails on a transient fault of a dependency (a full disk, the database or the
//! object store unreachable, read-only or slow: [`plansift_store::faults`]) keeps its lease and
//! tries again after a capped, jittered exponential backoff, for as long as it takes: such a
//! failure never counts towards `max_attempts`, so it never fails a page. Below the disk's
//! free-space floor the loops claim nothing until space comes back.

use crate::artifacts::{
    PageArtifacts, blob_key, extracted_path, region_crop_path, thumbnail_path, vector_crop_path,
};
use crate::project_index::{IndexInput, index_document};
use crate::result::{DocumentInput, build_document, usage};
use plansift_engine::crop::CropSource;
use plansift_engine::render::{PageImage, THUMBNAIL_LONGEST_SIDE, render_page_rgb};
use plansift_engine::{Document, Engine, PageAnalysis, PageKind, kind_from_size};
use plansift_store::disk::DiskFloor;
use plansift_store::faults::transient_dependency;
use plansift_store::meta::Rates;
use plansift_store::{BlobStore, MetaStore, ProjectIndex, rows::*};
use plansift_types::api::{ErrorView, JobStatus};
use plansift_types::result::{ResultJob, ResultV1};
use plansift_types::time;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::watch;
use tracing::{error, info, warn};

#[derive(Clone, Debug)]
pub struct RunnerConfig {
    /// Concurrent task loops (default: the number of cores).
    pub workers: usize,
    pub lease: Duration,
    pub pages_per_task: i64,
    /// How often an idle loop looks for work.
    pub poll: Duration,
    /// Attempts after which a task's pages fail instead of being retried.
    pub max_attempts: i64,
    /// Public base URL, for `resultUrl`.
    pub public_base_url: String,
    /// How often the janitor sweeps.
    pub janitor_interval: Duration,
    /// Age after which an unpublished temporary blob is removed.
    pub temp_grace: Duration,
    /// The longest wait between two tries of a task that met a transient fault.
    pub retry_backoff_max: Duration,
    /// The data directory's disk and its free-space floor; below it the loops pause.
    pub disk: Option<DiskFloor>,
}

impl Default for RunnerConfig {
    fn default() -> Self {
        RunnerConfig {
            workers: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
            lease: Duration::from_secs(30),
            pages_per_task: 16,
            poll: Duration::from_millis(200),
            max_attempts: 5,
            public_base_url: "http://127.0.0.1:8080".into(),
            janitor_interval: Duration::from_secs(300),
            temp_grace: Duration::from_secs(24 * 3600),
            retry_backoff_max: Duration::from_secs(10),
            disk: None,
        }
    }
}

/// Whether the runner's loops are all running, for `/healthz`: a loop that ended other than by
/// shutdown is reported, rather than leaving a server that answers but processes nothing.
#[derive(Debug, Default)]
pub struct LoopHealth {
    stopped: AtomicUsize,
    panics: AtomicUsize,
}

impl LoopHealth {
    /// Loops that ended without a shutdown.
    pub fn stopped(&self) -> usize {
        self.stopped.load(Ordering::Relaxed)
    }

    /// Tasks that panicked (each failed that attempt; the loop went on).
    pub fn panics(&self) -> usize {
        self.panics.load(Ordering::Relaxed)
    }
}

/// Counts its loop as stopped when dropped before shutdown (a panic that escaped, or a return).
struct LoopGuard {
    health: Arc<LoopHealth>,
    shutdown: watch::Receiver<bool>,
}

impl Drop for LoopGuard {
    fn drop(&mut self) {
        if !*self.shutdown.borrow() {
            self.health.stopped.fetch_add(1, Ordering::Relaxed);
            error!("a task loop stopped");
        }
    }
}

/// The message of a panic's payload.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into())
}

#[derive(Clone)]
pub struct Runner {
    engine: Engine,
    meta: Arc<dyn MetaStore>,
    blobs: Arc<dyn BlobStore>,
    config: RunnerConfig,
    owner: String,
    documents: Arc<crate::document_cache::DocumentCache>,
    health: Arc<LoopHealth>,
}

type TaskResult = anyhow::Result<()>;

impl Runner {
    pub fn new(
        meta: Arc<dyn MetaStore>,
        blobs: Arc<dyn BlobStore>,
        config: RunnerConfig,
    ) -> Runner {
        let owner = format!("{}-{}", std::process::id(), ulid::Ulid::new());
        let ocr = plansift_engine::ocr::TesseractCli::detect();
        if ocr.is_none() {
            warn!(
                "tesseract is not installed: pages without a text layer will end with the warning ocr_unavailable"
            );
        }
        let engine =
            Engine::new().with_ocr(ocr.map(|o| Arc::new(o) as Arc<dyn plansift_engine::ocr::Ocr>));
        Runner {
            engine,
            meta,
            blobs,
            config,
            owner,
            documents: Default::default(),
            health: Default::default(),
        }
    }

    /// Reports the loops' health into `health` (shared with `/healthz`).
    pub fn with_health(mut self, health: Arc<LoopHealth>) -> Runner {
        self.health = health;
        self
    }

    /// Runs the task loops until `shutdown` turns true; a task in progress finishes its current
    /// page, and what it did not commit is picked up again after restart.
    pub async fn run(self, shutdown: watch::Receiver<bool>) {
        if let Err(e) = self.backfill_index().await {
            error!(error = %e, "could not index the projects of earlier jobs");
        }
        let mut loops = Vec::new();
        let janitor = self.clone();
        let mut janitor_stop = shutdown.clone();
        loops.push(tokio::spawn(async move {
            let _guard = LoopGuard {
                health: janitor.health.clone(),
                shutdown: janitor_stop.clone(),
            };
            while !*janitor_stop.borrow() {
                // Nothing is deleted while the store is unhealthy: a sweep half done against
                // a failing database could delete bytes whose rows it then cannot mark.
                if let Err(e) = janitor.meta.ping().await {
                    warn!(error = %e, "the store is unhealthy; the janitor skips this sweep");
                    tokio::select! {
                        _ = tokio::time::sleep(janitor.config.janitor_interval.min(Duration::from_secs(30))) => {}
                        _ = janitor_stop.changed() => {}
                    }
                    continue;
                }
                // In a task of its own: a panic in a sweep fails that sweep, not the loop.
                let sweeper = janitor.clone();
                let sweep = tokio::spawn(async move {
                    crate::janitor::sweep(
                        sweeper.meta.as_ref(),
                        sweeper.blobs.as_ref(),
                        &time::now(),
                        sweeper.config.temp_grace,
                    )
                    .await
                })
                .await;
                match sweep {
                    Ok(Ok(s)) if s != Default::default() => info!(?s, "janitor"),
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => error!(error = %e, "janitor sweep failed"),
                    Err(e) => {
                        janitor.health.panics.fetch_add(1, Ordering::Relaxed);
                        error!(error = %e, "janitor sweep panicked");
                    }
                }
                tokio::select! {
                    _ = tokio::time::sleep(janitor.config.janitor_interval) => {}
                    _ = janitor_stop.changed() => {}
                }
            }
        }));
        for i in 0..self.config.workers.max(1) {
            let runner = self.clone();
            let shutdown = shutdown.clone();
            loops.push(tokio::spawn(
                async move { runner.task_loop(i, shutdown).await },
            ));
        }
        for l in loops {
            let _ = l.await;
        }
    }

    async fn task_loop(&self, index: usize, mut shutdown: watch::Receiver<bool>) {
        let owner = format!("{}/{index}", self.owner);
        let _guard = LoopGuard {
            health: self.health.clone(),
            shutdown: shutdown.clone(),
        };
        let lease_ms = self.config.lease.as_millis() as i64;
        // Claims that failed in a row, for the backoff.
        let mut claim_failures = 0u32;
        while !*shutdown.borrow() {
            if self.config.disk.as_ref().is_some_and(|d| d.is_low()) {
                claim_failures += 1;
                crate::metrics::record_dependency_error("disk");
                if claim_failures == 1 {
                    warn!("free disk space is below the floor; the task loops pause");
                }
                self.wait(claim_failures, &mut shutdown).await;
                continue;
            }
            let task = match self.meta.claim_task(&owner, lease_ms).await {
                Ok(Some(task)) => task,
                Ok(None) => {
                    claim_failures = 0;
                    tokio::select! {
                        _ = tokio::time::sleep(self.config.poll) => {}
                        _ = shutdown.changed() => {}
                    }
                    continue;
                }
                Err(e) => {
                    claim_failures += 1;
                    if e.is_transient() {
                        crate::metrics::record_dependency_error("database");
                        warn!(error = %e, "claiming a task failed; waiting for the database");
                    } else {
                        error!(error = %e, "claiming a task failed");
                    }
                    self.wait(claim_failures, &mut shutdown).await;
                    continue;
                }
            };
            claim_failures = 0;
            let stop = Arc::new(AtomicBool::new(false));
            let renew =
                self.spawn_lease_renewal(task.id, owner.clone(), stop.clone(), shutdown.clone());
            let outcome = self
                .attempt_until_no_fault(&task, stop.clone(), &mut shutdown)
                .await;
            stop.store(true, Ordering::Relaxed);
            renew.abort();
            match outcome {
                Ok(()) => {
                    if let Err(e) = self.meta.finish_task(task.id, &owner).await {
                        error!(task = task.id, error = %e, "finishing a task failed");
                    }
                }
                Err(e) => {
                    warn!(
                        task = task.id,
                        kind = task.kind.as_str(),
                        attempt = task.attempts,
                        error = format!("{e:#}"),
                        "task failed; it will be retried"
                    );
                    if let Err(e) = self
                        .meta
                        .release_task(task.id, &owner, &format!("{e:#}"))
                        .await
                    {
                        error!(task = task.id, error = %e, "releasing a task failed");
                    }
                }
            }
        }
    }

    /// Sleeps the backoff of the `failures`-th fault in a row, or until shutdown.
    async fn wait(&self, failures: u32, shutdown: &mut watch::Receiver<bool>) {
        let delay = crate::backoff::delay(failures, self.config.retry_backoff_max);
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = shutdown.changed() => {}
        }
    }

    /// Attempts a task until it succeeds or fails for a reason of its own. A transient fault of
    /// a dependency is waited out with backoff, holding the lease (each try re-reads what the
    /// task still has to do, so a page committed before the fault is not redone, and a job
    /// that expired or was cancelled meanwhile ends the task). It stops waiting when the lease
    /// is lost (another loop has the task) or on shutdown.
    async fn attempt_until_no_fault(
        &self,
        task: &TaskRow,
        stop: Arc<AtomicBool>,
        shutdown: &mut watch::Receiver<bool>,
    ) -> TaskResult {
        let mut faults = 0u32;
        loop {
            let outcome = self.attempt(task, stop.clone()).await;
            let Err(e) = &outcome else { return outcome };
            let Some(dependency) = transient_dependency(e.chain()) else {
                return outcome;
            };
            if stop.load(Ordering::Relaxed) || *shutdown.borrow() {
                return outcome;
            }
            faults += 1;
            crate::metrics::record_dependency_error(dependency);
            crate::metrics::record_retry();
            warn!(
                task = task.id,
                kind = task.kind.as_str(),
                dependency,
                faults,
                error = format!("{e:#}"),
                "a dependency failed; the task waits and tries again"
            );
            self.wait(faults, shutdown).await;
            if faults > 1 && faults.is_multiple_of(10) {
                info!(
                    task = task.id,
                    dependency, faults, "still waiting for a dependency"
                );
            }
        }
    }

    /// Runs one attempt of a task in a task of its own, so that a panic in it fails that attempt
    /// (to be retried, and given up after `max_attempts`) instead of ending the loop.
    async fn attempt(&self, task: &TaskRow, stop: Arc<AtomicBool>) -> TaskResult {
        let runner = self.clone();
        let task = task.clone();
        let max_attempts = self.config.max_attempts;
        let work = tokio::spawn(async move {
            if task.attempts > max_attempts {
                runner.give_up(&task).await
            } else {
                runner.execute(&task, stop).await
            }
        });
        match work.await {
            Ok(outcome) => outcome,
            Err(e) if e.is_panic() => {
                self.health.panics.fetch_add(1, Ordering::Relaxed);
                Err(anyhow::anyhow!(
                    "the task panicked: {}",
                    panic_message(e.into_panic().as_ref())
                ))
            }
            Err(e) => Err(anyhow::anyhow!("the task was cancelled: {e}")),
        }
    }

    /// Renews the lease at a third of its length; on shutdown, raises the stop flag so the
    /// engine ends at the next page.
    fn spawn_lease_renewal(
        &self,
        task_id: i64,
        owner: String,
        stop: Arc<AtomicBool>,
        mut shutdown: watch::Receiver<bool>,
    ) -> tokio::task::JoinHandle<()> {
        let meta = self.meta.clone();
        let lease = self.config.lease;
        tokio::spawn(async move {
            // While the database is down the renewal is tried every second, so that the lease
            // is renewed as soon as it is back, before another loop takes the task.
            let mut next = lease / 3;
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(next) => {
                        match meta.renew_lease(task_id, &owner, lease.as_millis() as i64).await {
                            Ok(true) => next = lease / 3,
                            Ok(false) => { stop.store(true, Ordering::Relaxed); return; }
                            Err(e) => {
                                warn!(task = task_id, error = %e, "lease renewal failed");
                                next = (lease / 3).min(Duration::from_secs(1));
                            }
                        }
                    }
                    _ = shutdown.changed() => { stop.store(true, Ordering::Relaxed); return; }
                }
            }
        })
    }

    async fn execute(&self, task: &TaskRow, stop: Arc<AtomicBool>) -> TaskResult {
        match task.kind {
            TaskKind::ProvisionProject => Ok(self.meta.set_project_ready(&task.subject_id).await?),
            TaskKind::Preflight => self.preflight(&task.subject_id).await,
            TaskKind::Pages => self.pages(task, stop).await,
            TaskKind::Finalize => self.finalize(&task.subject_id).await,
        }
    }

    /// A task that failed too often: its pages fail with an error, so the job still ends.
    async fn give_up(&self, task: &TaskRow) -> TaskResult {
        error!(
            task = task.id,
            kind = task.kind.as_str(),
            "task failed too often; giving up"
        );
        match (task.kind, &task.document_id, task.page_start, task.page_end) {
            (TaskKind::Pages, Some(doc), Some(start), Some(end)) => {
                for n in start..=end {
                    self.meta
                        .fail_page(
                            &task.subject_id,
                            doc,
                            n,
                            "page_failed",
                            "the page could not be processed",
                        )
                        .await?;
                }
                Ok(())
            }
            (TaskKind::Finalize | TaskKind::Preflight, ..) => {
                let job = self.meta.job(None, &task.subject_id).await?;
                if let Some(job) = job.filter(|j| !j.status.is_terminal()) {
                    let retention_days = self.profile_of(&job.org_id).await?.retention_days;
                    self.meta
                        .finalize(
                            &job.id,
                            Finalization {
                                status: JobStatus::Failed,
                                result_key: None,
                                error: Some((
                                    "internal".into(),
                                    "the job could not be completed".into(),
                                )),
                                documents: Vec::new(),
                                retention_days,
                                index: None,
                            },
                        )
                        .await?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    async fn profile_of(
        &self,
        org_id: &str,
    ) -> anyhow::Result<plansift_types::api::OpenApiProfile> {
        Ok(self
            .meta
            .org(org_id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("organization {org_id} is gone"))?
            .profile)
    }

    async fn preflight(&self, job_id: &str) -> TaskResult {
        let Some(job) = self.meta.job(None, job_id).await? else {
            return Ok(());
        };
        if job.status != JobStatus::Preflighting {
            return Ok(());
        }
        let profile = self.profile_of(&job.org_id).await?;
        let mut docs = Vec::new();
        for d in self.meta.documents(job_id).await? {
            // A file that does not start like a PDF is refused from its first kilobyte, not
            // read whole into memory first.
            let head_len = d.file_size.clamp(0, 1024) as u64;
            let mut head = Vec::with_capacity(head_len as usize);
            if head_len > 0 {
                let mut reader = self.blobs.read_range(&d.blob_key, 0, head_len).await?;
                tokio::io::AsyncReadExt::read_to_end(&mut reader, &mut head).await?;
            }
            if !plansift_engine::looks_like_pdf(&head) {
                let e = plansift_engine::DocumentError::UnsupportedFormat;
                docs.push(PreflightDoc {
                    document_id: d.id.clone(),
                    outcome: Err((e.code().to_string(), e.to_string())),
                });
                continue;
            }
            let bytes = self.blobs.get(&d.blob_key).await?;
            let outcome = tokio::task::spawn_blocking(
                move || -> Result<Vec<&'static str>, (String, String)> {
                    let doc = Document::open(Arc::new(bytes))
                        .map_err(|e| (e.code().to_string(), e.to_string()))?;
                    Ok((1..=doc.page_count())
                        .map(|n| {
                            doc.geometry(n)
                                .map(|g| kind_from_size(&g).as_str())
                                .unwrap_or("document")
                        })
                        .collect())
                },
            )
            .await?;
            docs.push(PreflightDoc {
                document_id: d.id.clone(),
                outcome,
            });
        }
        let outcome = self
            .meta
            .commit_preflight(job_id, docs, &profile, self.config.pages_per_task)
            .await?;
        info!(job = job_id, ?outcome, "preflight done");
        Ok(())
    }

    async fn pages(&self, task: &TaskRow, stop: Arc<AtomicBool>) -> TaskResult {
        let job_id = task.subject_id.as_str();
        let (Some(doc_id), Some(start), Some(end)) =
            (&task.document_id, task.page_start, task.page_end)
        else {
            anyhow::bail!("page task without pages");
        };
        let Some(job) = self.meta.job(None, job_id).await? else {
            return Ok(());
        };
        if job.status != JobStatus::Processing {
            return Ok(());
        }
        let pending = self.meta.pending_pages(job_id, doc_id, start, end).await?;
        if pending.is_empty() {
            return Ok(());
        }
        let rates = Rates::of(&self.profile_of(&job.org_id).await?);
        let doc = self
            .meta
            .documents(job_id)
            .await?
            .into_iter()
            .find(|d| &d.id == doc_id)
            .ok_or_else(|| anyhow::anyhow!("document {doc_id} is gone"))?;
        let bytes = self
            .documents
            .get(self.blobs.as_ref(), &doc.blob_key)
            .await?;
        let (tx, mut rx) = tokio::sync::mpsc::channel::<PageWork>(2);
        let engine_stop = stop.clone();
        let engine = self.engine.clone();
        let worker = tokio::task::spawn_blocking(move || {
            page_work(&engine, bytes, pending, &engine_stop, |w| {
                tx.blocking_send(w).is_ok()
            })
        });
        while let Some(work) = rx.recv().await {
            let n = work.number;
            let commit = match work.outcome {
                Ok(analysis) => {
                    // Bytes first: the artifacts are published before the row that names them.
                    let mut artifacts = PageArtifacts {
                        warnings: work.warnings,
                        ..Default::default()
                    };
                    if let Some(image) = work.thumbnail {
                        let key = blob_key(&thumbnail_path(doc_id, n as u32)).expect("made path");
                        self.blobs.put(&key, &image.png).await?;
                        artifacts.thumbnail = Some((image.width, image.height));
                    }
                    if let Some(pdf) = work.crop {
                        let key = blob_key(&vector_crop_path(doc_id, n as u32)).expect("made path");
                        self.blobs.put(&key, &pdf).await?;
                        artifacts.vector_crop = true;
                    }
                    for (index, image) in work.region_crops {
                        let path = region_crop_path(doc_id, n as u32, index);
                        self.blobs
                            .put(&blob_key(&path).expect("made path"), &image.png)
                            .await?;
                        artifacts
                            .region_crops
                            .push((index, (image.width, image.height)));
                    }
                    let page = PageDone {
                        document_id: doc_id.clone(),
                        page_number: n,
                        final_kind: analysis.kind.as_str(),
                        analysis: serde_json::to_string(&analysis)?,
                        artifacts: Some(serde_json::to_string(&artifacts)?),
                    };
                    self.meta.commit_page(job_id, page, rates).await?
                }
                Err(e) => {
                    self.meta
                        .fail_page(job_id, doc_id, n, e.code(), &e.to_string())
                        .await?
                }
            };
            match commit {
                PageCommit::Stored { .. } | PageCommit::AlreadyDone => {}
                PageCommit::JobNotProcessing | PageCommit::Blocked => {
                    stop.store(true, Ordering::Relaxed);
                    break;
                }
            }
        }
        drop(rx);
        worker.await?;
        Ok(())
    }

    async fn finalize(&self, job_id: &str) -> TaskResult {
        let Some(job) = self.meta.job(None, job_id).await? else {
            return Ok(());
        };
        if job.status != JobStatus::Processing {
            return Ok(());
        }
        let profile = self.profile_of(&job.org_id).await?;
        let pages = self.meta.job_pages(job_id).await?;
        let docs = self.meta.documents(job_id).await?;
        let mut documents = Vec::new();
        let mut tallies = Vec::new();
        let mut evidence = Vec::new();
        let mut errors = Vec::new();
        let mut doc_status = Vec::new();
        let artifact_url_prefix = format!(
            "{}/api/open/v1/jobs/{}/artifact?path=",
            self.config.public_base_url.trim_end_matches('/'),
            job.id
        );
        let mut warnings = Vec::new();
        let mut index = ProjectIndex::default();
        let project_prefix = self.project_artifact_prefix(&job.project_id);
        let mut built = Vec::new();
        for d in &docs {
            let mut doc_pages = Vec::new();
            let mut artifacts = HashMap::new();
            for p in pages.iter().filter(|p| p.document_id == d.id) {
                if let Some(json) = &p.artifacts {
                    artifacts.insert(
                        p.page_number as u32,
                        serde_json::from_str::<PageArtifacts>(json)?,
                    );
                }
                let kind: &'static str = if p.preflight_kind == "drawing" {
                    "drawing"
                } else {
                    "document"
                };
                let outcome = match (&p.status[..], &p.analysis) {
                    ("done", Some(json)) => Ok(serde_json::from_str::<PageAnalysis>(json)?),
                    _ => Err((
                        p.error_code.clone().unwrap_or_else(|| "page_failed".into()),
                        p.error_message.clone().unwrap_or_default(),
                    )),
                };
                doc_pages.push((p.page_number as u32, kind, outcome));
            }
            let error = d
                .error_code
                .clone()
                .map(|c| (c, d.error_message.clone().unwrap_or_default()));
            let out = build_document(DocumentInput {
                document_id: &d.id,
                file_name: &d.file_name,
                classification: d.classification.as_deref(),
                content_type: &d.content_type,
                file_size: d.file_size,
                sha256: &d.sha256,
                error,
                pages: doc_pages,
                project_id: Some(&job.project_id),
                artifacts: Some(&artifacts),
                artifact_url_prefix: Some(&artifact_url_prefix),
            });
            built.push((d, out));
        }
        // References resolve against every document of this job and what the project holds.
        // A job with no sheets and no sections prints no references and resolves none: it
        // need not read the project's sheets, regions and sections.
        let links = built.iter().any(|(_, o)| {
            !o.document.sheets.is_empty()
                || o.document
                    .specifications
                    .as_ref()
                    .is_some_and(|s| !s.is_empty())
        });
        let mut targets = crate::references::Targets::default();
        if links {
            targets
                .add_project(self.meta.as_ref(), &job.project_id)
                .await?;
        }
        for (_, out) in &built {
            targets.add_document(&out.document, &out.analysed);
        }
        let issued = crate::sheet_index::issued_sheets(built.iter().map(|(_, o)| &o.document));
        for (_, out) in &mut built {
            out.document.sheet_index = crate::sheet_index::check(&out.analysed, &issued);
        }
        for (d, mut out) in built {
            crate::references::attach_references(
                &mut out.document,
                &out.analysed,
                &targets,
                Some(&job.project_id),
                &mut out.evidence,
            );
            crate::revisions::add_revision_diffs(
                self.meta.as_ref(),
                self.blobs.as_ref(),
                &job.project_id,
                &job.id,
                &mut out.document,
                &artifact_url_prefix,
            )
            .await?;
            self.write_extracted(&mut out.document, &artifact_url_prefix)
                .await?;
            index_document(
                &IndexInput {
                    job_id: &job.id,
                    document: &out.document,
                    pages: &out.analysed,
                    analysis: &out.analysis,
                    created_at: &time::format(&d.created_at),
                    artifact_url_prefix: Some(&project_prefix),
                },
                &mut index,
            );
            crate::result::keep_documented_sections(&mut out.document);
            warnings.extend(out.warnings);
            doc_status.push((
                d.id.clone(),
                out.document.status.clone(),
                out.detected_classification.clone(),
            ));
            tallies.push(out.tally);
            documents.push(out.document);
            evidence.extend(out.evidence);
            errors.extend(out.errors);
        }
        if links {
            index.updates =
                crate::references::reresolve(self.meta.as_ref(), &job.project_id, &targets).await?;
        }
        let successful: i64 = documents.iter().map(|d| d.successful_page_count).sum();
        let any_failure = documents.iter().any(|d| d.status != "completed");
        let status = if successful == 0 {
            JobStatus::Failed
        } else if any_failure {
            JobStatus::CompletedWithErrors
        } else {
            JobStatus::Completed
        };
        let now = time::now();
        let mut result_key = None;
        if status.has_result() {
            let expires = time::after_days(&now, profile.retention_days);
            // Pre-signed until the result expires, as the job's own `resultUrl` is.
            let result_url = crate::signed::result_url(
                &crate::signed::signing_key(self.meta.as_ref()).await?,
                &self.config.public_base_url,
                &job.id,
                expires.timestamp(),
            );
            let result = ResultV1 {
                schema_version: "v1".into(),
                job: ResultJob {
                    id: job.id.clone(),
                    status: status.as_str().into(),
                    external_id: job.external_id.clone(),
                    created_at: time::format(&job.created_at),
                    completed_at: Some(time::format(&now)),
                    expires_at: Some(time::format(&expires)),
                    result_url: Some(result_url),
                    error: None,
                },
                usage: usage(
                    &tallies,
                    profile.drawing_credits_per_page,
                    profile.document_credits_per_page,
                    job.credits_debited,
                ),
                documents,
                evidence,
                warnings,
                errors,
                generated_at: time::format(&now),
            };
            let key = format!("results/{}.json", job.id);
            self.blobs.put(&key, &serde_json::to_vec(&result)?).await?;
            result_key = Some(key);
        }
        let error = (status == JobStatus::Failed).then(|| {
            (
                "processing_failed".to_string(),
                "no page of the job could be processed".to_string(),
            )
        });
        let row = self
            .meta
            .finalize(
                job_id,
                Finalization {
                    status,
                    result_key,
                    error,
                    documents: doc_status,
                    retention_days: profile.retention_days,
                    index: Some(index),
                },
            )
            .await?;
        info!(job = job_id, status = row.status.as_str(), "job finalized");
        Ok(())
    }
}

impl Runner {
    /// Writes the document's part of Result v1 (the sections Plangrep documents for its
    /// classification) as its `extracted_json` artifact and lists it.
    async fn write_extracted(
        &self,
        document: &mut plansift_types::result::ResultDocument,
        url_prefix: &str,
    ) -> anyhow::Result<()> {
        let path = extracted_path(&document.document_id);
        let key = blob_key(&path).expect("made path");
        let mut part = document.clone();
        crate::result::keep_documented_sections(&mut part);
        self.blobs.put(&key, &serde_json::to_vec(&part)?).await?;
        document
            .artifacts
            .push(plansift_types::result::ResultArtifact {
                kind: "extracted_json".into(),
                url: Some(format!("{url_prefix}{path}")),
                path,
                content_type: "application/json".into(),
                width: None,
                height: None,
            });
        Ok(())
    }

    fn project_artifact_prefix(&self, project_id: &str) -> String {
        format!(
            "{}/api/open/v1/projects/{project_id}/artifact?path=",
            self.config.public_base_url.trim_end_matches('/'),
        )
    }

    /// Writes the project index of jobs that finished before it existed, from their stored
    /// result and page analyses (same ids as the result).
    async fn backfill_index(&self) -> anyhow::Result<()> {
        for job_id in self.meta.unindexed_jobs(None).await? {
            let Some(job) = self.meta.job(None, &job_id).await? else {
                continue;
            };
            let Some(key) = &job.result_key else { continue };
            let result: ResultV1 = serde_json::from_slice(&self.blobs.get(key).await?)?;
            let pages = self.meta.job_pages(&job_id).await?;
            let prefix = self.project_artifact_prefix(&job.project_id);
            let mut index = ProjectIndex::default();
            for d in &result.documents {
                let analysed = pages
                    .iter()
                    .filter(|p| p.document_id == d.document_id && p.status == "done")
                    .filter_map(|p| p.analysis.as_deref())
                    .map(serde_json::from_str::<PageAnalysis>)
                    .collect::<Result<Vec<_>, _>>()?;
                let analysis = plansift_engine::assemble(&analysed);
                index_document(
                    &IndexInput {
                        job_id: &job.id,
                        document: d,
                        pages: &analysed,
                        analysis: &analysis,
                        created_at: &result.job.created_at,
                        artifact_url_prefix: Some(&prefix),
                    },
                    &mut index,
                );
            }
            self.meta.index_job(&job_id, index).await?;
            info!(job = %job_id, "indexed into its project");
        }
        Ok(())
    }
}

/// One page's outcome with what was drawn for it.
struct PageWork {
    number: i64,
    outcome: Result<PageAnalysis, plansift_engine::PageError>,
    thumbnail: Option<PageImage>,
    crop: Option<Vec<u8>>,
    /// Crops of the page's regions from the thumbnail, by region index.
    region_crops: Vec<(usize, PageImage)>,
    warnings: Vec<String>,
}

/// The CPU part of a page task, on the blocking pool: analyse each page, draw its thumbnail and,
/// for drawings, cut its vector crop. `send` returns false when the receiver is gone.
fn page_work(
    engine: &Engine,
    bytes: Arc<Vec<u8>>,
    pending: Vec<i64>,
    stop: &AtomicBool,
    mut send: impl FnMut(PageWork) -> bool,
) {
    let doc = match Document::open(bytes.clone()) {
        Ok(doc) => doc,
        Err(e) => {
            for n in pending {
                let outcome = Err(plansift_engine::PageError::Unreadable {
                    page: n as usize,
                    reason: e.to_string(),
                });
                if !send(PageWork {
                    number: n,
                    outcome,
                    thumbnail: None,
                    crop: None,
                    region_crops: Vec::new(),
                    warnings: Vec::new(),
                }) {
                    return;
                }
            }
            return;
        }
    };
    let mut crops: Option<Result<CropSource, String>> = None;
    for n in pending {
        let started = std::time::Instant::now();
        let mut outcome = None;
        engine.run(&doc, n as usize..=n as usize, stop, |r| outcome = Some(r));
        let Some(outcome) = outcome else { return };
        let mut warnings = Vec::new();
        let (mut thumbnail, mut crop, mut region_crops) = (None, None, Vec::new());
        if let Ok(analysis) = &outcome {
            match render_page_rgb(&doc, n as usize, THUMBNAIL_LONGEST_SIDE) {
                Ok(pixels) => {
                    region_crops = analysis
                        .regions
                        .iter()
                        .enumerate()
                        .filter_map(|(i, r)| Some((i, pixels.crop_png(&r.bbox)?)))
                        .collect();
                    match pixels.to_png() {
                        Ok(image) => thumbnail = Some(image),
                        Err(e) => warnings.push(format!("thumbnail_failed: {e}")),
                    }
                }
                Err(e) => warnings.push(format!("thumbnail_failed: {e}")),
            }
            if analysis.kind == PageKind::Drawing {
                match crops.get_or_insert_with(|| CropSource::parse(&bytes)) {
                    Ok(source) => match source.page_pdf(n as u32) {
                        Ok(pdf) => crop = Some(pdf),
                        Err(e) => warnings.push(format!("vector_crop_failed: {e}")),
                    },
                    Err(e) => warnings.push(format!("vector_crop_failed: {e}")),
                }
            }
        }
        crate::metrics::record_page(outcome.is_ok(), started.elapsed());
        if !send(PageWork {
            number: n,
            outcome,
            thumbnail,
            crop,
            region_crops,
            warnings,
        }) {
            return;
        }
    }
}

/// The job error as an API view.
pub fn job_error(job: &JobRow) -> Option<ErrorView> {
    job.error_code.as_ref().map(|code| ErrorView {
        code: code.clone(),
        message: job.error_message.clone().unwrap_or_default(),
    })
}
