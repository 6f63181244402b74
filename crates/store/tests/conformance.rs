//! The behaviour every [`MetaStore`] must have, run against each implementation.

use plansift_store::sqlite::SqliteStore;
use plansift_store::*;
use plansift_types::ids::{IdKind, new_id};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashSet;

async fn sqlite() -> (SqliteStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("plansift.db"))
        .await
        .unwrap();
    (store, dir)
}

/// A finished job in `project` whose index adds `n` sheets, alternately Electrical and
/// Mechanical.
async fn add_job(store: &dyn MetaStore, org: &str, project: &str, n: usize) -> Vec<String> {
    let job = store
        .create_job(NewJob {
            org_id: org.into(),
            project_id: project.into(),
            external_id: None,
            webhook_url: None,
            webhook_secret: None,
            ttl_days: 30,
        })
        .await
        .unwrap();
    let base = NewEntity {
        file_id: new_id(IdKind::Document),
        file_name: "set.pdf".into(),
        classification: "plans".into(),
        file_status: "completed".into(),
        ..Default::default()
    };
    let mut index = ProjectIndex::default();
    let mut ids = Vec::new();
    for i in 0..n {
        let id = new_id(IdKind::Sheet);
        let discipline = if i % 2 == 0 {
            "Electrical"
        } else {
            "Mechanical"
        };
        index.entities.push(NewEntity {
            id: id.clone(),
            kind: EntityKind::Sheet,
            page_number: Some(i as i64 + 1),
            sheet_id: Some(id.clone()),
            discipline: Some(discipline.into()),
            data: format!("{{\"sheetId\":\"{id}\"}}"),
            ..base.clone()
        });
        ids.push(id);
    }
    store.index_job(&job.id, index).await.unwrap();
    ids
}

/// The ids a filter keeps of one job's sheets.
fn kept(ids: &[String], electrical_only: bool) -> Vec<String> {
    ids.iter()
        .enumerate()
        .filter(|(i, _)| !electrical_only || i % 2 == 0)
        .map(|(_, id)| id.clone())
        .collect()
}

async fn walk_never_skips_or_repeats(store: &dyn MetaStore, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let (org, _) = store.ensure_org("conformance", 0).await.unwrap();
    let project = store
        .create_project(&org.id, &format!("p{seed}"), 0)
        .await
        .unwrap();
    let electrical_only = rng.gen_bool(0.5);
    let filters: Vec<Filter> = if electrical_only {
        vec![Filter::Eq(Col::Discipline, "electrical".into())]
    } else {
        Vec::new()
    };
    let mut expected: Vec<String> = Vec::new();
    for _ in 0..rng.gen_range(1..4) {
        let n = rng.gen_range(0..40);
        expected.extend(kept(
            &add_job(store, &org.id, &project.id, n).await,
            electrical_only,
        ));
    }
    let mut seen: Vec<String> = Vec::new();
    let mut after = None;
    loop {
        let limit = rng.gen_range(1..15);
        let page = store
            .entities(&EntityQuery {
                project_id: project.id.clone(),
                kind: EntityKind::Sheet,
                filters: filters.clone(),
                after,
                limit,
            })
            .await
            .unwrap();
        assert!(page.rows.len() as i64 <= limit);
        seen.extend(page.rows.iter().map(|r| r.id.clone()));
        match page.rows.last() {
            Some(last) => after = Some(last.seq),
            None => break,
        }
        // New rows arrive between page fetches; they sort after every row already there.
        if rng.gen_bool(0.4) {
            let n = rng.gen_range(1..10);
            let ids = add_job(store, &org.id, &project.id, n).await;
            expected.extend(kept(&ids, electrical_only));
        }
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "seed {seed}: a row came twice");
    assert_eq!(seen, expected, "seed {seed}: rows skipped or out of order");
}

#[tokio::test]
async fn sqlite_pagination_visits_each_row_once_while_rows_are_added() {
    let (store, _dir) = sqlite().await;
    for seed in 0..40 {
        walk_never_skips_or_repeats(&store, seed).await;
    }
}

#[tokio::test]
async fn sqlite_index_is_written_once_per_job_and_scoped_to_its_project() {
    let (store, _dir) = sqlite().await;
    let (org, _) = store.ensure_org("conformance", 0).await.unwrap();
    let a = store.create_project(&org.id, "a", 0).await.unwrap();
    let b = store.create_project(&org.id, "b", 0).await.unwrap();
    let ids = add_job(&store, &org.id, &a.id, 3).await;
    let query = |project: &str| EntityQuery {
        project_id: project.into(),
        kind: EntityKind::Sheet,
        filters: vec![],
        after: None,
        limit: 100,
    };
    assert_eq!(store.entities(&query(&a.id)).await.unwrap().total, 3);
    assert_eq!(store.entities(&query(&b.id)).await.unwrap().total, 0);
    // A second index of the same job adds nothing.
    let job = store.jobs(&org.id, &a.id).await.unwrap().remove(0);
    let mut again = ProjectIndex::default();
    again.entities.push(NewEntity {
        id: new_id(IdKind::Sheet),
        kind: EntityKind::Sheet,
        data: "{}".into(),
        ..Default::default()
    });
    store.index_job(&job.id, again).await.unwrap();
    let page = store.entities(&query(&a.id)).await.unwrap();
    let listed: Vec<String> = page.rows.iter().map(|r| r.id.clone()).collect();
    assert_eq!(listed, ids);
    assert!(store.unindexed_jobs(Some(&a.id)).await.unwrap().is_empty());
}

/// The balance is the sum of the ledger and neither part is negative.
async fn check(store: &dyn MetaStore, org: &str, seed: u64, step: &str) {
    let ledger = store.ledger(org).await.unwrap();
    let balance = store.balance(org).await.unwrap();
    let available: i64 = ledger.iter().map(|e| e.available_delta).sum();
    let reserved: i64 = ledger.iter().map(|e| e.reserved_delta).sum();
    assert_eq!(
        (balance.available, balance.reserved),
        (available, reserved),
        "seed {seed} {step}"
    );
    assert!(
        available >= 0 && reserved >= 0,
        "seed {seed} {step}: {available} {reserved}"
    );
}

/// Random sequences of jobs whose pages succeed, fail or change class, cancels, grants and
/// resumes: after every step the balance equals the sum of the ledger and nothing is negative;
/// every job that ends holds nothing reserved.
async fn ledger_always_balances(store: &dyn MetaStore, seed: u64) {
    use plansift_types::api::{JobStatus, OpenApiProfile};
    let mut rng = StdRng::seed_from_u64(seed);
    let org = store.create_org(&format!("ledger {seed}")).await.unwrap();
    let profile = OpenApiProfile::default_at(plansift_types::time::now());
    let rates = plansift_store::meta::Rates::of(&profile);
    let project = store.create_project(&org.id, "p", 0).await.unwrap();
    store
        .grant(&org.id, rng.gen_range(0..120), None)
        .await
        .unwrap();
    for j in 0..rng.gen_range(1..6) {
        let job = store
            .create_job(NewJob {
                org_id: org.id.clone(),
                project_id: project.id.clone(),
                external_id: None,
                webhook_url: None,
                webhook_secret: None,
                ttl_days: 7,
            })
            .await
            .unwrap();
        let doc = new_id(IdKind::Document);
        store
            .add_documents(
                &job.id,
                vec![NewDocument {
                    id: doc.clone(),
                    file_name: "a.pdf".into(),
                    content_type: "application/pdf".into(),
                    classification: None,
                    file_size: 1,
                    sha256: format!("{seed:032x}{j:032x}"),
                    blob_key: format!("documents/{doc}"),
                    registration: None,
                }],
            )
            .await
            .unwrap();
        store.complete_uploads(&job.id).await.unwrap();
        let kinds: Vec<&'static str> = (0..rng.gen_range(1..8))
            .map(|_| {
                if rng.gen_bool(0.3) {
                    "drawing"
                } else {
                    "document"
                }
            })
            .collect();
        let docs = || {
            vec![PreflightDoc {
                document_id: doc.clone(),
                outcome: Ok(kinds.clone()),
            }]
        };
        let mut outcome = store
            .commit_preflight(&job.id, docs(), &profile, 4)
            .await
            .unwrap();
        check(store, &org.id, seed, "preflight").await;
        let mut page = 1;
        while page <= kinds.len() as i64 {
            match outcome {
                PreflightOutcome::Blocked { .. } => {
                    if rng.gen_bool(0.3) {
                        store.cancel_job(&job.id).await.unwrap();
                        check(store, &org.id, seed, "cancel while blocked").await;
                        break;
                    }
                    store
                        .grant(&org.id, rng.gen_range(1..60), None)
                        .await
                        .unwrap();
                    store.resume_job(&job.id).await.unwrap();
                    outcome = store
                        .commit_preflight(&job.id, docs(), &profile, 4)
                        .await
                        .unwrap();
                    check(store, &org.id, seed, "resume").await;
                    continue;
                }
                PreflightOutcome::Failed { .. } => break,
                PreflightOutcome::Processing { .. } => {}
            }
            if rng.gen_bool(0.05) {
                store.cancel_job(&job.id).await.unwrap();
                check(store, &org.id, seed, "cancel").await;
                break;
            }
            let commit = if rng.gen_bool(0.15) {
                store
                    .fail_page(&job.id, &doc, page, "page_failed", "x")
                    .await
                    .unwrap()
            } else {
                // Some pages turn out drawings after preflight said document.
                let kind = if rng.gen_bool(0.2) {
                    "drawing"
                } else {
                    kinds[page as usize - 1]
                };
                store
                    .commit_page(
                        &job.id,
                        PageDone {
                            document_id: doc.clone(),
                            page_number: page,
                            final_kind: kind,
                            analysis: "{}".into(),
                            artifacts: None,
                        },
                        rates,
                    )
                    .await
                    .unwrap()
            };
            check(store, &org.id, seed, "page").await;
            match commit {
                PageCommit::Blocked => {
                    outcome = PreflightOutcome::Blocked {
                        required: 0,
                        available: 0,
                    };
                }
                _ => page += 1,
            }
        }
        let now = store.job(None, &job.id).await.unwrap().unwrap();
        if now.status == JobStatus::Processing {
            store
                .finalize(
                    &job.id,
                    Finalization {
                        status: JobStatus::Completed,
                        result_key: None,
                        error: None,
                        documents: vec![],
                        retention_days: 30,
                        index: None,
                    },
                )
                .await
                .unwrap();
            check(store, &org.id, seed, "finalize").await;
        }
        let ended = store.job(None, &job.id).await.unwrap().unwrap();
        if ended.status.is_terminal() {
            let held: i64 = store
                .ledger(&org.id)
                .await
                .unwrap()
                .iter()
                .filter(|e| e.job_id.as_deref() == Some(job.id.as_str()))
                .map(|e| e.reserved_delta)
                .sum();
            assert_eq!(held, 0, "seed {seed}: job {} ended holding credits", job.id);
        }
    }
}

#[tokio::test]
async fn sqlite_ledger_balances_under_random_jobs_cancels_and_grants() {
    let (store, _dir) = sqlite().await;
    for seed in 0..60 {
        ledger_always_balances(&store, seed).await;
    }
}
