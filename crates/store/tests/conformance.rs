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
