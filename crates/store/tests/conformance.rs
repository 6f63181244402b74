//! The behaviour every [`MetaStore`] must have, run against each implementation.

use plansift_store::*;
use plansift_types::ids::{IdKind, new_id};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashSet;
use std::sync::Arc;

/// A store and what keeps it alive (the SQLite file's folder).
type Opened = (Arc<dyn MetaStore>, Option<tempfile::TempDir>);

async fn sqlite() -> Opened {
    let dir = tempfile::tempdir().unwrap();
    let store = plansift_store::sql::SqlStore::open_sqlite(&dir.path().join("plansift.db"))
        .await
        .unwrap();
    (Arc::new(store), Some(dir))
}

async fn postgres() -> Opened {
    let url = plansift_store::testing::fresh_database_url();
    let store = plansift_store::sql::SqlStore::open_postgres(&url)
        .await
        .unwrap();
    (Arc::new(store), None)
}

/// Every check of this file, once per backend.
macro_rules! conformance {
    ($backend:ident) => {
        mod $backend {
            #[tokio::test]
            async fn pagination_visits_each_row_once_while_rows_are_added() {
                let (store, _dir) = super::$backend().await;
                for seed in 0..40 {
                    super::walk_never_skips_or_repeats(store.as_ref(), seed).await;
                }
            }

            #[tokio::test]
            async fn index_is_written_once_per_job_and_scoped_to_its_project() {
                let (store, _dir) = super::$backend().await;
                super::index_is_written_once(store.as_ref()).await;
            }

            #[tokio::test]
            async fn ledger_balances_under_random_jobs_cancels_and_grants() {
                let (store, _dir) = super::$backend().await;
                for seed in 0..60 {
                    super::ledger_always_balances(store.as_ref(), seed).await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn concurrent_claims_take_each_task_once_and_lapsed_leases_return() {
                let (store, _dir) = super::$backend().await;
                super::claims_are_exclusive(store).await;
            }

            #[tokio::test]
            async fn search_ranks_numbers_and_titles_and_quotes_terms() {
                let (store, _dir) = super::$backend().await;
                super::search_finds_terms(store.as_ref()).await;
            }
        }
    };
}

conformance!(sqlite);
conformance!(postgres);

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

async fn index_is_written_once(store: &dyn MetaStore) {
    let (org, _) = store.ensure_org("conformance", 0).await.unwrap();
    let a = store.create_project(&org.id, "a", 0).await.unwrap();
    let b = store.create_project(&org.id, "b", 0).await.unwrap();
    let ids = add_job(store, &org.id, &a.id, 3).await;
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

/// Workers claiming at once each get a different task; a task whose lease lapsed is claimed
/// again (its attempts counted), and the old owner can no longer renew or finish it.
async fn claims_are_exclusive(store: Arc<dyn MetaStore>) {
    let (org, _) = store.ensure_org("claims", 100).await.unwrap();
    // Each project queues one provisioning task.
    for i in 0..24 {
        store
            .create_project(&org.id, &format!("p{i}"), 0)
            .await
            .unwrap();
    }
    let mut claimers = Vec::new();
    for w in 0..6 {
        let store = store.clone();
        claimers.push(tokio::spawn(async move {
            let mut got = Vec::new();
            while let Some(t) = store.claim_task(&format!("w{w}"), 60_000).await.unwrap() {
                got.push(t.id);
            }
            got
        }));
    }
    let mut all = Vec::new();
    for c in claimers {
        all.extend(c.await.unwrap());
    }
    let unique: HashSet<i64> = all.iter().copied().collect();
    assert_eq!(all.len(), 24, "every task claimed");
    assert_eq!(unique.len(), 24, "no task claimed twice");

    // A lapsed lease: the task returns to the queue for another owner.
    store.create_project(&org.id, "lapsed", 0).await.unwrap();
    let first = store.claim_task("old", 1).await.unwrap().unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let again = store.claim_task("new", 60_000).await.unwrap().unwrap();
    assert_eq!(again.id, first.id);
    assert_eq!(again.attempts, first.attempts + 1);
    assert!(!store.renew_lease(first.id, "old", 60_000).await.unwrap());
    assert!(store.renew_lease(again.id, "new", 60_000).await.unwrap());
    store.finish_task(again.id, "new").await.unwrap();
    assert!(store.claim_task("new", 60_000).await.unwrap().is_none());
}

/// Terms match whole words in numbers, titles and bodies; numbers outrank titles, titles
/// outrank bodies; punctuation in a term is never query syntax.
async fn search_finds_terms(store: &dyn MetaStore) {
    let (org, _) = store.ensure_org("search", 0).await.unwrap();
    let project = store.create_project(&org.id, "p", 0).await.unwrap();
    let job = store
        .create_job(NewJob {
            org_id: org.id.clone(),
            project_id: project.id.clone(),
            external_id: None,
            webhook_url: None,
            webhook_secret: None,
            ttl_days: 30,
        })
        .await
        .unwrap();
    let sheet = |number: &str, title: &str, body: &str| NewEntity {
        id: new_id(IdKind::Sheet),
        kind: EntityKind::Sheet,
        file_id: "doc_1".into(),
        file_name: "set.pdf".into(),
        classification: "plans".into(),
        file_status: "completed".into(),
        data: "{}".into(),
        search: Some(SearchText {
            number: number.into(),
            title: title.into(),
            body: body.into(),
        }),
        ..Default::default()
    };
    let mut index = ProjectIndex::default();
    index
        .entities
        .push(sheet("E-101", "LIGHTING PLAN", "panel schedule"));
    index
        .entities
        .push(sheet("M-201", "MECHANICAL PLAN", "see E-101 for lighting"));
    index
        .entities
        .push(sheet("A-101", "FLOOR PLAN", "lighting by others"));
    let ids: Vec<String> = index.entities.iter().map(|e| e.id.clone()).collect();
    store.index_job(&job.id, index).await.unwrap();
    let search = |terms: &[&str], any: bool| SearchQuery {
        org_id: org.id.clone(),
        project_id: Some(project.id.clone()),
        terms: terms.iter().map(|t| t.to_string()).collect(),
        any,
        filters: vec![],
        limit: 10,
    };
    let hit_ids = |hits: &[SearchHit]| hits.iter().map(|h| h.entity.id.clone()).collect::<Vec<_>>();

    let (hits, searched) = store.search(&search(&["lighting"], false)).await.unwrap();
    assert_eq!(searched, 3);
    assert_eq!(hits.len(), 3);
    assert_eq!(hits[0].entity.id, ids[0], "the title match ranks first");
    assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
    assert!(hits[0].snippet.contains("«"), "{}", hits[0].snippet);

    let (hits, _) = store.search(&search(&["e", "101"], false)).await.unwrap();
    assert_eq!(
        hits[0].entity.id, ids[0],
        "the sheet numbered E-101 ranks first"
    );
    assert!(
        hit_ids(&hits).contains(&ids[1]),
        "the body that names E-101 matches too"
    );

    let (hits, _) = store
        .search(&search(&["floor", "panel"], false))
        .await
        .unwrap();
    assert!(hits.is_empty(), "every term must match");
    let (hits, _) = store
        .search(&search(&["floor", "panel"], true))
        .await
        .unwrap();
    let mut found = hit_ids(&hits);
    found.sort();
    let mut expected = vec![ids[0].clone(), ids[2].clone()];
    expected.sort();
    assert_eq!(found, expected, "any term");

    let (hits, _) = store
        .search(&search(&["plan\" OR \"x", "*", "light"], true))
        .await
        .unwrap();
    assert!(hits.iter().all(|h| !h.entity.id.is_empty()));
    let (hits, _) = store.search(&search(&["light"], false)).await.unwrap();
    assert!(hits.is_empty(), "a term matches whole words, not prefixes");
}
