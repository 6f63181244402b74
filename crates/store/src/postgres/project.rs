//! The project index on PostgreSQL: entity rows with their filter columns, a `tsvector` row per
//! searchable entity (keyed by the entity's `seq`), and page words for grep.

use super::{PgStore, Tx, ts};
use crate::meta::StoreError;
use crate::project::*;
use crate::rows::JobRow;
use plansift_types::time;
use sqlx::{Postgres, QueryBuilder, Row};

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
        if let Some(s) = &e.search {
            sqlx::query(
                "INSERT INTO search_docs (seq, title, body, tsv) VALUES ($1, $3, $4,
                   setweight(to_tsvector('simple', $2), 'A') || setweight(to_tsvector('simple', $5), 'B')
                   || setweight(to_tsvector('simple', $6), 'D'))",
            )
            .bind(seq)
            .bind(words(&s.number))
            .bind(&s.title)
            .bind(&s.body)
            .bind(words(&s.title))
            .bind(words(&s.body))
                .execute(&mut **tx)
                .await?;
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
/// same number from a later job supersedes.
fn superseded_sql(o: &str) -> String {
    format!(
        "({o}kind = 'sheet' AND {o}sheet_key IS NOT NULL AND {o}sheet_key <> '' AND EXISTS (\
         SELECT 1 FROM entities n WHERE n.project_id = {o}project_id AND n.kind = 'sheet' \
         AND n.sheet_key = {o}sheet_key AND n.job_id <> {o}job_id AND n.seq > {o}seq))"
    )
}

/// Appends ` AND …` for each filter; `prefix` qualifies the entity columns (`e.`).
fn push_filters(qb: &mut QueryBuilder<'_, Postgres>, filters: &[Filter], prefix: &str) {
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
                qb.push(format!(" AND lower({prefix}{}) = lower(", col.sql()));
                qb.push_bind(v.clone());
                qb.push(")");
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
                qb.push(format!(" AND strpos(lower({prefix}file_name), lower("));
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

fn push_list(qb: &mut QueryBuilder<'_, Postgres>, values: &[String]) {
    if values.is_empty() {
        qb.push("NULL");
    }
    let mut list = qb.separated(", ");
    for v in values {
        list.push_bind(v.clone());
    }
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

fn record(r: &sqlx::postgres::PgRow) -> Result<EntityRecord, StoreError> {
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

impl PgStore {
    pub(crate) async fn entities_impl(&self, q: &EntityQuery) -> Result<EntityPage, StoreError> {
        let mut count =
            QueryBuilder::<Postgres>::new("SELECT count(*) FROM entities WHERE project_id = ");
        count.push_bind(q.project_id.clone());
        count.push(" AND kind = ").push_bind(q.kind.as_str());
        push_filters(&mut count, &q.filters, "");
        let total: i64 = count.build_query_scalar().fetch_one(&self.pool).await?;

        let mut page = QueryBuilder::<Postgres>::new(format!(
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
        let scope = |qb: &mut QueryBuilder<'_, Postgres>| {
            qb.push(" e.org_id = ").push_bind(q.org_id.clone());
            if let Some(p) = &q.project_id {
                qb.push(" AND e.project_id = ").push_bind(p.clone());
            }
        };
        let mut count = QueryBuilder::<Postgres>::new(
            "SELECT count(*) FROM entities e WHERE e.kind IN ('sheet', 'region', 'spec', 'item') AND",
        );
        scope(&mut count);
        push_filters(&mut count, &q.filters, "e.");
        let searched: i64 = count.build_query_scalar().fetch_one(&self.pool).await?;

        // ts_rank weights {D, C, B, A}: numbers weigh most, then titles, then bodies.
        let mut qb = QueryBuilder::<Postgres>::new("WITH q AS (SELECT to_tsquery('simple', ");
        qb.push_bind(ts_query(&q.terms, q.any));
        qb.push(format!(
            ") AS query)
             SELECT e.seq, e.id, e.kind, e.data, e.project_id, {} AS superseded,
                    ts_rank('{{0.1, 0.2, 0.4, 1.0}}', s.tsv, q.query)::FLOAT8 AS score,
                    ts_headline('simple', s.title || ' ' || s.body, q.query,
                      'StartSel=«, StopSel=», MaxWords=24, MinWords=8, ShortWord=0, MaxFragments=1') AS snippet
             FROM q, search_docs s JOIN entities e ON e.seq = s.seq
             WHERE s.tsv @@ q.query AND",
            superseded_sql("e.")
        ));
        scope(&mut qb);
        push_filters(&mut qb, &q.filters, "e.");
        qb.push(" ORDER BY score DESC, e.seq LIMIT ")
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
        let mut qb = QueryBuilder::<Postgres>::new(
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
            qb.push(" AND lower(classification) = lower(")
                .push_bind(c.clone())
                .push(")");
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
}
