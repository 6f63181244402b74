//! The project index: entity rows with their filter columns, a search row per searchable entity
//! keyed by the entity's `seq` (an FTS5 row on SQLite, a weighted `tsvector` on PostgreSQL), and
//! page words for grep.

use super::builder::Sql;
use super::{Dialect, SqlStore, Tx, ts};
use crate::meta::StoreError;
use crate::project::*;
use crate::rows::JobRow;
use plansift_types::time;
use sqlx::Row;

/// Writes everything a job adds to its project and marks the job indexed, inside the caller's
/// transaction (the job's finalization).
pub(crate) async fn write_index(
    tx: &mut Tx,
    dialect: Dialect,
    job: &JobRow,
    index: &ProjectIndex,
) -> Result<(), StoreError> {
    for e in &index.entities {
        let seq: i64 = sqlx::query_scalar(
            "INSERT INTO entities (id, kind, org_id, project_id, job_id, file_id, file_name, classification, file_status,
                parent_id, page_number, page_end, sheet_id, sheet_key, discipline, drawing_type, region_type, layout_type,
                section_key, doc_type, ref_status, data)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22) RETURNING seq",
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
        match (&e.search, dialect) {
            (None, _) => {}
            (Some(s), Dialect::Sqlite) => {
                sqlx::query(
                    "INSERT INTO search_fts (rowid, number, title, body) VALUES ($1, $2, $3, $4)",
                )
                .bind(seq)
                .bind(&s.number)
                .bind(&s.title)
                .bind(&s.body)
                .execute(&mut **tx)
                .await?;
            }
            (Some(s), Dialect::Postgres) => {
                sqlx::query(
                    "INSERT INTO search_docs (seq, title, body, tsv) VALUES ($1, $2, $3,
                       setweight(to_tsvector('simple', $4), 'A') || setweight(to_tsvector('simple', $5), 'B')
                       || setweight(to_tsvector('simple', $6), 'D'))",
                )
                .bind(seq)
                .bind(&s.title)
                .bind(&s.body)
                .bind(words(&s.number))
                .bind(words(&s.title))
                .bind(words(&s.body))
                .execute(&mut **tx)
                .await?;
            }
        }
    }
    for p in &index.pages {
        sqlx::query(
            "INSERT INTO page_text (project_id, file_id, file_name, classification, page_number, sheet_id, sheet_number, sheet_key, text, boxes)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (file_id, page_number) DO NOTHING",
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
            "UPDATE entities SET ref_status = COALESCE($1, ref_status), data = $2 WHERE id = $3 AND project_id = $4",
        )
        .bind(&u.ref_status)
        .bind(&u.data)
        .bind(&u.id)
        .bind(&job.project_id)
        .execute(&mut **tx)
        .await?;
    }
    for (path, content_type) in &index.artifacts {
        sqlx::query("INSERT INTO project_artifacts (project_id, path, content_type) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(&job.project_id)
            .bind(path)
            .bind(content_type)
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query("UPDATE jobs SET indexed_at = $1 WHERE id = $2")
        .bind(ts(&time::now()))
        .bind(&job.id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// True for a sheet row (`o` qualifies its columns: `entities.` or `e.`) that a sheet of the
/// same number from a later job supersedes, and for a submittal row whose spec section a later
/// job brought again.
fn superseded_sql(o: &str) -> String {
    format!(
        "(({o}kind = 'sheet' AND {o}sheet_key IS NOT NULL AND {o}sheet_key <> '' AND EXISTS (\
         SELECT 1 FROM entities n WHERE n.project_id = {o}project_id AND n.kind = 'sheet' \
         AND n.sheet_key = {o}sheet_key AND n.job_id <> {o}job_id AND n.seq > {o}seq)) \
         OR ({o}kind = 'submittal' AND {o}section_key IS NOT NULL AND {o}section_key <> '' AND EXISTS (\
         SELECT 1 FROM entities n WHERE n.project_id = {o}project_id AND n.kind = 'spec' \
         AND n.section_key = {o}section_key AND n.job_id <> {o}job_id AND n.seq > {o}seq)))"
    )
}

/// Appends ` AND …` for each filter; `prefix` qualifies the entity columns (`e.`).
fn push_filters(q: &mut Sql<'_>, dialect: Dialect, filters: &[Filter], prefix: &str) {
    for f in filters {
        match f {
            Filter::Current(current) => {
                let o = if prefix.is_empty() {
                    "entities."
                } else {
                    prefix
                };
                let not = if *current { "NOT " } else { "" };
                q.push(&format!(" AND {not}{}", superseded_sql(o)));
            }
            Filter::Eq(col, v) => {
                q.push(&format!(" AND lower({prefix}{}) = lower(", col.sql()))
                    .bind(v.clone())
                    .push(")");
            }
            Filter::EqInt(col, v) => {
                q.push(&format!(" AND {prefix}{} = ", col.sql())).bind(*v);
            }
            Filter::AtLeast(col, v) => {
                q.push(&format!(" AND {prefix}{} >= ", col.sql())).bind(*v);
            }
            Filter::AtMost(col, v) => {
                q.push(&format!(" AND {prefix}{} <= ", col.sql())).bind(*v);
            }
            Filter::In(col, values) => {
                q.push(&format!(" AND {prefix}{} IN (", col.sql()))
                    .bind_list(values)
                    .push(")");
            }
            Filter::FileNameContains(s) => {
                let position = match dialect {
                    Dialect::Sqlite => "instr",
                    Dialect::Postgres => "strpos",
                };
                q.push(&format!(" AND {position}(lower({prefix}file_name), lower("))
                    .bind(s.clone())
                    .push(")) > 0");
            }
            Filter::FileOfSheets(ids) => {
                q.push(&format!(
                    " AND {prefix}file_id IN (SELECT file_id FROM entities WHERE kind = 'sheet' AND id IN ("
                ))
                .bind_list(ids)
                .push("))");
            }
            Filter::Kinds(kinds) => {
                let names: Vec<String> = kinds.iter().map(|k| k.as_str().to_string()).collect();
                q.push(&format!(" AND {prefix}kind IN ("))
                    .bind_list(&names)
                    .push(")");
            }
        }
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

/// Text as the words SQLite's unicode61 tokenizer sees: runs of letters and digits, lower
/// case, one space apart (so "A-101" is "a 101" in both stores).
fn words(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Terms as a tsquery: each a quoted lexeme (so nothing in them is syntax), joined by & or |.
fn ts_query(terms: &[String], any: bool) -> String {
    let quoted: Vec<String> = terms
        .iter()
        .map(|t| words(t))
        .filter(|t| !t.is_empty())
        .map(|t| format!("'{}'", t.replace(' ', "' <-> '")))
        .collect();
    quoted.join(if any { " | " } else { " & " })
}

fn record(r: &sqlx::any::AnyRow) -> Result<EntityRecord, StoreError> {
    let kind: String = r.try_get("kind")?;
    Ok(EntityRecord {
        seq: r.try_get("seq")?,
        id: r.try_get("id")?,
        kind: EntityKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("entity kind {kind:?}")))?,
        data: r.try_get("data")?,
        superseded: r.try_get::<i64, _>("superseded")? != 0,
    })
}

impl SqlStore {
    pub(crate) async fn entities_impl(&self, q: &EntityQuery) -> Result<EntityPage, StoreError> {
        let mut count = Sql::new("SELECT count(*) FROM entities WHERE project_id = ");
        count
            .bind(q.project_id.clone())
            .push(" AND kind = ")
            .bind(q.kind.as_str());
        push_filters(&mut count, self.dialect, &q.filters, "");
        let total = count.fetch_i64(&self.pool).await?;

        let mut page = Sql::new(format!(
            "SELECT seq, id, kind, data, CASE WHEN {} THEN 1 ELSE 0 END AS superseded
             FROM entities WHERE project_id = ",
            superseded_sql("entities.")
        ));
        page.bind(q.project_id.clone())
            .push(" AND kind = ")
            .bind(q.kind.as_str());
        if let Some(after) = q.after {
            page.push(" AND seq > ").bind(after);
        }
        push_filters(&mut page, self.dialect, &q.filters, "");
        page.push(" ORDER BY seq LIMIT ").bind(q.limit);
        let rows = page
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
        let scope = |s: &mut Sql<'_>| {
            s.push(" e.org_id = ").bind(q.org_id.clone());
            if let Some(p) = &q.project_id {
                s.push(" AND e.project_id = ").bind(p.clone());
            }
        };
        let mut count = Sql::new(
            "SELECT count(*) FROM entities e WHERE e.kind IN ('sheet', 'region', 'spec', 'item') AND",
        );
        scope(&mut count);
        push_filters(&mut count, self.dialect, &q.filters, "e.");
        let searched = count.fetch_i64(&self.pool).await?;

        let superseded = superseded_sql("e.");
        let mut hits = match self.dialect {
            // bm25() is lower for better matches; weights favour numbers, then titles.
            Dialect::Sqlite => {
                let mut s = Sql::new(format!(
                    "SELECT e.seq, e.id, e.kind, e.data, e.project_id,
                        CASE WHEN {superseded} THEN 1 ELSE 0 END AS superseded,
                        -bm25(search_fts, 8.0, 4.0, 1.0) AS score,
                        snippet(search_fts, -1, '«', '»', '…', 24) AS snippet
                     FROM search_fts JOIN entities e ON e.seq = search_fts.rowid
                     WHERE search_fts MATCH "
                ));
                s.bind(fts_query(&q.terms, q.any)).push(" AND");
                s
            }
            // ts_rank weights {D, C, B, A}: numbers weigh most, then titles, then bodies.
            Dialect::Postgres => {
                let mut s = Sql::new("WITH q AS (SELECT to_tsquery('simple', ");
                s.bind(ts_query(&q.terms, q.any)).push(&format!(
                    ") AS query)
                     SELECT e.seq, e.id, e.kind, e.data, e.project_id,
                        CASE WHEN {superseded} THEN 1 ELSE 0 END AS superseded,
                        CAST(ts_rank('{{0.1, 0.2, 0.4, 1.0}}', s.tsv, q.query) AS FLOAT8) AS score,
                        ts_headline('simple', s.title || ' ' || s.body, q.query,
                          'StartSel=«, StopSel=», MaxWords=24, MinWords=8, ShortWord=0, MaxFragments=1') AS snippet
                     FROM q, search_docs s JOIN entities e ON e.seq = s.seq
                     WHERE s.tsv @@ q.query AND"
                ));
                s
            }
        };
        scope(&mut hits);
        push_filters(&mut hits, self.dialect, &q.filters, "e.");
        hits.push(" ORDER BY score DESC, e.seq LIMIT ")
            .bind(q.limit);
        let hits = hits
            .fetch_all(&self.pool)
            .await?
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
        let mut s = Sql::new(
            "SELECT seq, file_id, file_name, page_number, sheet_id, sheet_number, text FROM page_text WHERE project_id = ",
        );
        s.bind(q.project_id.clone());
        if let Some(after) = q.after {
            s.push(" AND seq > ").bind(after);
        }
        if let Some(f) = &q.file_id {
            s.push(" AND file_id = ").bind(f.clone());
        }
        if let Some(c) = &q.classification {
            s.push(" AND lower(classification) = lower(")
                .bind(c.clone())
                .push(")");
        }
        if let Some(k) = &q.sheet_key {
            s.push(" AND sheet_key = ").bind(k.clone());
        }
        if let Some(n) = q.page_number {
            s.push(" AND page_number = ").bind(n);
        }
        s.push(" ORDER BY seq LIMIT ").bind(q.limit);
        s.fetch_all(&self.pool)
            .await?
            .iter()
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
        sqlx::query_scalar("SELECT boxes FROM page_text WHERE project_id = $1 AND seq = $2")
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
            "SELECT text FROM page_text WHERE project_id = $1 AND file_id = $2 AND page_number = $3",
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
            "SELECT content_type FROM project_artifacts WHERE project_id = $1 AND path = $2",
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
            "SELECT id FROM jobs WHERE ($1 IS NULL OR project_id = $2) AND indexed_at IS NULL
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
    fn terms_are_quoted_lexemes() {
        let t = ["sprinkler".to_string(), "o'neil".to_string()];
        assert_eq!(super::ts_query(&t, false), "'sprinkler' & 'o' <-> 'neil'");
        assert_eq!(super::ts_query(&t[..1], true), "'sprinkler'");
        assert_eq!(super::words("A-101 Floor"), "a 101 floor");
    }

    #[test]
    fn terms_are_quoted_strings_for_fts5() {
        let t = ["sprinkler".to_string(), "or".to_string()];
        assert_eq!(super::fts_query(&t, false), "\"sprinkler\" \"or\"");
        assert_eq!(super::fts_query(&t, true), "\"sprinkler\" OR \"or\"");
    }
}
