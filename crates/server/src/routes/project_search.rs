//! `POST /projects/search` (API.md §2): the organization's projects that match a query, by their
//! name or by what their jobs found, each with its best source hits, ranked and paged.

use crate::auth::{Auth, Read};
use crate::error::{ApiError, ApiResult, parse_json};
use crate::pagination::{CursorScope, envelope};
use crate::routes::search::{SearchFilters, hit_view, search_filters, terms};
use crate::state::AppState;
use crate::views::project_view;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use plansift_store::{ProjectRow, SearchQuery};
use serde::Deserialize;
use serde_json::{Value, json};

/// Source hits shown per project.
const HITS_PER_PROJECT: i64 = 3;
/// What a name matching every term adds to a project's score (a partial match its share), so
/// that a project named for the query ranks above one that only mentions it.
const NAME_SCORE: f64 = 10.0;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProjectSearchBody {
    query: String,
    project_ids: Option<Vec<String>>,
    limit: Option<i64>,
    cursor: Option<String>,
    #[serde(flatten)]
    filters: SearchFilters,
}

/// The share of the query's terms that begin a word of the project's name (0 when none does).
fn name_share(name: &str, query_terms: &[String]) -> f64 {
    let words = terms(name);
    let hits = query_terms
        .iter()
        .filter(|t| words.iter().any(|w| w.starts_with(t.as_str())))
        .count();
    hits as f64 / query_terms.len().max(1) as f64
}

/// One project's matches: `None` when neither its name nor its content matches.
async fn project_match(
    state: &AppState,
    project: &ProjectRow,
    query_terms: &[String],
    req: &ProjectSearchBody,
) -> ApiResult<Option<(f64, Value)>> {
    let mut q = SearchQuery {
        org_id: project.org_id.clone(),
        project_id: Some(project.id.clone()),
        terms: query_terms.to_vec(),
        any: false,
        filters: search_filters(&req.filters)?,
        limit: HITS_PER_PROJECT,
    };
    let mut hits = state.meta.search(&q).await?.0;
    if hits.is_empty() && query_terms.len() > 1 {
        q.any = true;
        hits = state.meta.search(&q).await?.0;
    }
    let share = name_share(&project.name, query_terms);
    let by_name = share > 0.0;
    if hits.is_empty() && !by_name {
        return Ok(None);
    }
    let mut reasons = Vec::new();
    let mut score = hits.iter().map(|h| h.score).fold(0.0, f64::max);
    if by_name {
        reasons.push("name");
        score += NAME_SCORE * share;
    }
    if !hits.is_empty() {
        reasons.push("content");
    }
    let score = (score * 1000.0).round() / 1000.0;
    let hits = hits.iter().map(hit_view).collect::<ApiResult<Vec<_>>>()?;
    Ok(Some((
        score,
        json!({
            "project": project_view(project), "score": score, "matchReasons": reasons,
            "hits": hits,
        }),
    )))
}

pub async fn search_projects(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Read>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let req: ProjectSearchBody = parse_json(&body)?;
    let query_terms = terms(&req.query);
    if query_terms.is_empty() {
        return Err(ApiError::invalid(
            "query",
            "query must hold a word or a number",
        ));
    }
    let limit = req.limit.unwrap_or(25);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::invalid("limit", "limit must be 1-100"));
    }
    // The cursor is an offset into the ranking, bound to everything else in the body.
    let mut canonical: Value = serde_json::from_slice(&body).map_err(ApiError::internal)?;
    if let Some(o) = canonical.as_object_mut() {
        o.remove("cursor");
        o.remove("limit");
    }
    let scope = CursorScope::new(&["projects/search", &who.org_id, &canonical.to_string()]);
    let offset = scope.decode_seq(req.cursor.as_deref())?.unwrap_or(0).max(0) as usize;

    let mut projects = state.meta.projects(&who.org_id).await?;
    if let Some(ids) = &req.project_ids {
        if ids.len() > 100 {
            return Err(ApiError::invalid("projectIds", "at most 100 projectIds"));
        }
        projects.retain(|p| ids.contains(&p.id));
    }
    let mut matched = Vec::new();
    for project in &projects {
        if let Some(m) = project_match(&state, project, &query_terms, &req).await? {
            matched.push((m, project.created_at, project.id.clone()));
        }
    }
    // Best score first; ties newest first, then by id, so pages never overlap.
    matched.sort_by(|((a, _), at, aid), ((b, _), bt, bid)| {
        b.total_cmp(a).then(bt.cmp(at)).then(aid.cmp(bid))
    });
    let total = matched.len() as i64;
    let rows: Vec<Value> = matched
        .into_iter()
        .skip(offset)
        .take(limit as usize)
        .map(|((_, v), ..)| v)
        .collect();
    let end = offset + rows.len();
    let next = ((end as i64) < total).then(|| scope.encode(&end.to_string()));
    let mut out = envelope("projects", rows, total, limit, req.cursor.as_deref(), next);
    out["query"] = json!(req.query);
    out["warnings"] = json!([]);
    Ok(Json(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_matches_by_the_share_of_terms_that_begin_its_words() {
        let t = terms("main libr");
        assert_eq!(name_share("Main Street Library", &t), 1.0);
        assert_eq!(name_share("Main Street School", &t), 0.5);
        assert_eq!(name_share("Harbor Pump Station", &t), 0.0);
        assert_eq!(name_share("MAIN-STREET LIBRARY 2", &terms("library")), 1.0);
    }
}
