//! The project index on SQLite: entity rows with their filter columns, an FTS5 table whose rowid
//! is the entity's `seq`, and page words for grep.

use super::{SqliteStore, Tx, ts};
use crate::meta::StoreError;
use crate::project::*;
use crate::rows::JobRow;
use plansift_types::time;
use sqlx::{QueryBuilder, Row, Sqlite};

/// Writes everything a job adds to its project and marks the job indexed, inside the caller's
/// transaction (the job's finalization).
pub(crate) async fn write_index(
    tx: &mut Tx,
    job: &JobRow,
    index: &ProjectIndex,
) -> Result<(), StoreError> {
    for e in &index.entities {
        let seq: i64 = sqlx::query_scalar(
            "INSERT INTO entities (id, kind, org_id, project_id, job_id, file_id, file_name, classification, file_status,
                parent_id, page_number, page_end, sheet_id, sheet_key, discipline, drawing_type, region_type, layout_type,
                section_key, doc_type, ref_status, data)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq",
        )
        .bind(&e.id)
        .bind(e.kind.as_str())
        .bind(&job.org_id)
        .bind(&job.project_id)
        .bind(&job.id)
        .bind(&e.file_id)
        .bind(&e.file_name)
        .bind(&e.classification)
        .bind(&e.file_status)
        .bind(&e.parent_id)
        .bind(e.page_number)
        .bind(e.page_end)
        .bind(&e.sheet_id)
        .bind(&e.sheet_key)
        .bind(&e.discipline)
        .bind(&e.drawing_type)
        .bind(&e.region_type)
        .bind(&e.layout_type)
        .bind(&e.section_key)
        .bind(&e.doc_type)
        .bind(&e.ref_status)
        .bind(&e.data)
        .fetch_one(&mut **tx)
        .await?;
        if let Some(s) = &e.search {
            sqlx::query("INSERT INTO search_fts (rowid, number, title, body) VALUES (?, ?, ?, ?)")
                .bind(seq)
                .bind(&s.number)
                .bind(&s.title)
                .bind(&s.body)
                .execute(&mut **tx)
                .await?;
        }
    }
    for p in &index.pages {
        sqlx::query(
            "INSERT INTO page_text (project_id, file_id, file_name, classification, page_number, sheet_id, sheet_number, sheet_key, text, boxes)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (file_id, page_number) DO NOTHING",
        )
        .bind(&job.project_id)
        .bind(&p.file_id)
        .bind(&p.file_name)
        .bind(&p.classification)
        .bind(p.page_number)
        .bind(&p.sheet_id)
        .bind(&p.sheet_number)
        .bind(p.sheet_number.as_deref().map(plansift_types::keys::sheet_key))
        .bind(&p.text)
        .bind(&p.boxes)
        .execute(&mut **tx)
        .await?;
    }
    for u in &index.updates {
        sqlx::query(
            "UPDATE entities SET ref_status = COALESCE(?, ref_status), data = ? WHERE id = ? AND project_id = ?",
        )
        .bind(&u.ref_status)
        .bind(&u.data)
        .bind(&u.id)
        .bind(&job.project_id)
        .execute(&mut **tx)
        .await?;
    }
    for (path, content_type) in &index.artifacts {
        sqlx::query("INSERT OR IGNORE INTO project_artifacts (project_id, path, content_type) VALUES (?, ?, ?)")
            .bind(&job.project_id)
            .bind(path)
            .bind(content_type)
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query("UPDATE jobs SET indexed_at = ? WHERE id = ?")
        .bind(ts(&time::now()))
        .bind(&job.id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// True for a sheet row (`o` qualifies its columns: `entities.` or `e.`) that a sheet of the
/// same number from a later job supersedes.
fn superseded_sql(o: &str) -> String {
    format!(
        "({o}kind = 'sheet' AND {o}sheet_key IS NOT NULL AND {o}sheet_key <> '' AND EXISTS (\
         SELECT 1 FROM entities n WHERE n.project_id = {o}project_id AND n.kind = 'sheet' \
         AND n.sheet_key = {o}sheet_key AND n.job_id <> {o}job_id AND n.seq > {o}seq))"
    )
}

/// Appends ` AND …` for each filter; `prefix` qualifies the entity columns (`e.`).
fn push_filters(qb: &mut QueryBuilder<'_, Sqlite>, filters: &[Filter], prefix: &str) {
    for f in filters {
        match f {
            Filter::Current(current) => {
                let o = if prefix.is_empty() {
                    "entities."
                } else {
                    prefix
                };
                let not = if *current { "NOT " } else { "" };
                qb.push(format!(" AND {not}{}", superseded_sql(o)));
            }
            Filter::Eq(col, v) => {
                qb.push(format!(" AND {prefix}{} = ", col.sql()));
                qb.push_bind(v.clone());
                qb.push(" COLLATE NOCASE");
            }
            Filter::EqInt(col, v) => {
                qb.push(format!(" AND {prefix}{} = ", col.sql()));
                qb.push_bind(*v);
            }
            Filter::AtLeast(col, v) => {
                qb.push(format!(" AND {prefix}{} >= ", col.sql()));
                qb.push_bind(*v);
            }
            Filter::AtMost(col, v) => {
                qb.push(format!(" AND {prefix}{} <= ", col.sql()));
                qb.push_bind(*v);
            }
            Filter::In(col, values) => {
                qb.push(format!(" AND {prefix}{} IN (", col.sql()));
                push_list(qb, values);
                qb.push(")");
            }
            Filter::FileNameContains(s) => {
                qb.push(format!(" AND instr(lower({prefix}file_name), lower("));
                qb.push_bind(s.clone());
                qb.push(")) > 0");
            }
            Filter::FileOfSheets(ids) => {
                qb.push(format!(
                    " AND {prefix}file_id IN (SELECT file_id FROM entities WHERE kind = 'sheet' AND id IN ("
                ));
                push_list(qb, ids);
                qb.push("))");
            }
            Filter::Kinds(kinds) => {
                qb.push(format!(" AND {prefix}kind IN ("));
                let names: Vec<String> = kinds.iter().map(|k| k.as_str().to_string()).collect();
                push_list(qb, &names);
                qb.push(")");
            }
        }
    }
}

fn push_list(qb: &mut QueryBuilder<'_, Sqlite>, values: &[String]) {
    if values.is_empty() {
        qb.push("NULL");
    }
    let mut list = qb.separated(", ");
    for v in values {
        list.push_bind(v.clone());
    }
}

/// Terms as an FTS5 query: each quoted (so nothing in them is syntax), joined by AND or OR.
fn fts_query(terms: &[String], any: bool) -> String {
    let quoted: Vec<String> = terms
        .iter()
        .map(|t| format!("\"{}\"", t.replace('"', "")))
        .collect();
    quoted.join(if any { " OR " } else { " " })
}

fn record(r: &sqlx::sqlite::SqliteRow) -> Result<EntityRecord, StoreError> {
    let kind: String = r.try_get("kind")?;
    Ok(EntityRecord {
        seq: r.try_get("seq")?,
        id: r.try_get("id")?,
        kind: EntityKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("entity kind {kind:?}")))?,
        data: r.try_get("data")?,
        superseded: r.try_get("superseded")?,
    })
}

impl SqliteStore {
    pub(crate) async fn entities_impl(&self, q: &EntityQuery) -> Result<EntityPage, StoreError> {
        let mut count =
            QueryBuilder::<Sqlite>::new("SELECT count(*) FROM entities WHERE project_id = ");
        count.push_bind(q.project_id.clone());
        count.push(" AND kind = ").push_bind(q.kind.as_str());
        push_filters(&mut count, &q.filters, "");
        let total: i64 = count.build_query_scalar().fetch_one(&self.pool).await?;

        let mut page = QueryBuilder::<Sqlite>::new(format!(
            "SELECT seq, id, kind, data, {} AS superseded FROM entities WHERE project_id = ",
            superseded_sql("entities.")
        ));
        page.push_bind(q.project_id.clone());
        page.push(" AND kind = ").push_bind(q.kind.as_str());
        if let Some(after) = q.after {
            page.push(" AND seq > ").push_bind(after);
        }
        push_filters(&mut page, &q.filters, "");
        page.push(" ORDER BY seq LIMIT ").push_bind(q.limit);
        let rows = page
            .build()
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(record)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(EntityPage { rows, total })
    }

    pub(crate) async fn search_impl(
        &self,
        q: &SearchQuery,
    ) -> Result<(Vec<SearchHit>, i64), StoreError> {
        let scope = |qb: &mut QueryBuilder<'_, Sqlite>| {
            qb.push(" e.org_id = ").push_bind(q.org_id.clone());
            if let Some(p) = &q.project_id {
                qb.push(" AND e.project_id = ").push_bind(p.clone());
            }
        };
        let mut count = QueryBuilder::<Sqlite>::new(
            "SELECT count(*) FROM entities e WHERE e.kind IN ('sheet', 'region', 'spec', 'item') AND",
        );
        scope(&mut count);
        push_filters(&mut count, &q.filters, "e.");
        let searched: i64 = count.build_query_scalar().fetch_one(&self.pool).await?;

        // bm25() is lower for better matches; weights favour numbers, then titles.
        let mut qb = QueryBuilder::<Sqlite>::new(format!(
            "SELECT e.seq, e.id, e.kind, e.data, e.project_id, {} AS superseded,
                    -bm25(search_fts, 8.0, 4.0, 1.0) AS score,
                    snippet(search_fts, -1, '«', '»', '…', 24) AS snippet
             FROM search_fts JOIN entities e ON e.seq = search_fts.rowid
             WHERE search_fts MATCH ",
            superseded_sql("e.")
        ));
        qb.push_bind(fts_query(&q.terms, q.any));
        qb.push(" AND");
        scope(&mut qb);
        push_filters(&mut qb, &q.filters, "e.");
        qb.push(" ORDER BY bm25(search_fts, 8.0, 4.0, 1.0), e.seq LIMIT ")
            .push_bind(q.limit);
        let rows = qb.build().fetch_all(&self.pool).await?;
        let hits = rows
            .iter()
            .map(|r| {
                Ok(SearchHit {
                    entity: record(r)?,
                    project_id: r.try_get("project_id")?,
                    score: r.try_get("score")?,
                    snippet: r.try_get("snippet")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok((hits, searched))
    }

    pub(crate) async fn page_texts_impl(
        &self,
        q: &PageTextQuery,
    ) -> Result<Vec<PageTextRecord>, StoreError> {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "SELECT seq, file_id, file_name, page_number, sheet_id, sheet_number, text FROM page_text WHERE project_id = ",
        );
        qb.push_bind(q.project_id.clone());
        if let Some(after) = q.after {
            qb.push(" AND seq > ").push_bind(after);
        }
        if let Some(f) = &q.file_id {
            qb.push(" AND file_id = ").push_bind(f.clone());
        }
        if let Some(c) = &q.classification {
            qb.push(" AND classification = ")
                .push_bind(c.clone())
                .push(" COLLATE NOCASE");
        }
        if let Some(k) = &q.sheet_key {
            qb.push(" AND sheet_key = ").push_bind(k.clone());
        }
        if let Some(n) = q.page_number {
            qb.push(" AND page_number = ").push_bind(n);
        }
        qb.push(" ORDER BY seq LIMIT ").push_bind(q.limit);
        let rows = qb.build().fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(PageTextRecord {
                    seq: r.try_get("seq")?,
                    file_id: r.try_get("file_id")?,
                    file_name: r.try_get("file_name")?,
                    page_number: r.try_get("page_number")?,
                    sheet_id: r.try_get("sheet_id")?,
                    sheet_number: r.try_get("sheet_number")?,
                    text: r.try_get("text")?,
                })
            })
            .collect()
    }

    pub(crate) async fn page_boxes_impl(
        &self,
        project_id: &str,
        seq: i64,
    ) -> Result<Vec<u8>, StoreError> {
        sqlx::query_scalar("SELECT boxes FROM page_text WHERE project_id = ? AND seq = ?")
            .bind(project_id)
            .bind(seq)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)
    }

    pub(crate) async fn page_text_of_impl(
        &self,
        project_id: &str,
        file_id: &str,
        page_number: i64,
    ) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT text FROM page_text WHERE project_id = ? AND file_id = ? AND page_number = ?",
        )
        .bind(project_id)
        .bind(file_id)
        .bind(page_number)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub(crate) async fn project_artifact_impl(
        &self,
        project_id: &str,
        path: &str,
    ) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT content_type FROM project_artifacts WHERE project_id = ? AND path = ?",
        )
        .bind(project_id)
        .bind(path)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub(crate) async fn unindexed_jobs_impl(
        &self,
        project_id: Option<&str>,
    ) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM jobs WHERE (? IS NULL OR project_id = ?) AND indexed_at IS NULL
               AND status IN ('completed', 'completed_with_errors') ORDER BY created_at, id",
        )
        .bind(project_id)
        .bind(project_id)
        .fetch_all(&self.pool)
        .await?)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn terms_are_quoted_strings() {
        let t = ["sprinkler".to_string(), "or".to_string()];
        assert_eq!(super::fts_query(&t, false), "\"sprinkler\" \"or\"");
        assert_eq!(super::fts_query(&t, true), "\"sprinkler\" OR \"or\"");
    }
}
