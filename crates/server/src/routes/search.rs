//! Source search (API.md §9.1): BM25 over the project's sheets, regions, specification sections
//! and document items. [`super::project_search`] ranks projects with the same hits, and
//! [`super::source_text`] answers the text behind a hit's `sourceCatalogUri`.

use crate::auth::{Auth, Read};
use crate::error::{ApiError, ApiResult, parse_json};
use crate::state::AppState;
use crate::views::load_project;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use plansift_store::{Col, EntityKind, EntityRecord, Filter, SearchHit, SearchQuery};
use plansift_types::ErrorCode;
use plansift_types::keys::sheet_key;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SearchBody {
    query: String,
    max_hits: Option<i64>,
    #[serde(flatten)]
    filters: SearchFilters,
}

/// The filters of a source search, in one project or across projects.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SearchFilters {
    entity_types: Option<Vec<String>>,
    region_type: Option<String>,
    layout_type: Option<String>,
    drawing_type: Option<String>,
    sheet_number: Option<String>,
    file_name: Option<String>,
    page_number: Option<i64>,
    classification: Option<String>,
}

/// The query's terms: runs of letters and digits, lower case, at most 32.
pub(crate) fn terms(query: &str) -> Vec<String> {
    query
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .take(32)
        .map(str::to_lowercase)
        .collect()
}

pub(crate) fn search_filters(body: &SearchFilters) -> ApiResult<Vec<Filter>> {
    let mut filters = Vec::new();
    let kinds = match &body.entity_types {
        None => vec![
            EntityKind::Sheet,
            EntityKind::Region,
            EntityKind::Spec,
            EntityKind::Item,
        ],
        Some(types) => types
            .iter()
            .map(|t| match t.as_str() {
                "sheet" => Ok(EntityKind::Sheet),
                "region" => Ok(EntityKind::Region),
                "specification" => Ok(EntityKind::Spec),
                "doc" => Ok(EntityKind::Item),
                _ => Err(ApiError::invalid(
                    "entityTypes",
                    "entityTypes holds region, sheet, specification or doc",
                )),
            })
            .collect::<ApiResult<Vec<_>>>()?,
    };
    filters.push(Filter::Kinds(kinds));
    fn text(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|v| !v.is_empty())
    }
    for (value, col) in [
        (&body.region_type, Col::RegionType),
        (&body.layout_type, Col::LayoutType),
        (&body.drawing_type, Col::DrawingType),
        (&body.classification, Col::Classification),
    ] {
        if let Some(v) = text(value) {
            filters.push(Filter::Eq(col, v.to_string()));
        }
    }
    if let Some(v) = text(&body.sheet_number) {
        filters.push(Filter::Eq(Col::SheetKey, sheet_key(v)));
    }
    if let Some(v) = text(&body.file_name) {
        filters.push(Filter::FileNameContains(v.to_string()));
    }
    if let Some(n) = body.page_number {
        filters.push(Filter::EqInt(Col::PageNumber, n));
    }
    Ok(filters)
}

/// The `type`, catalog kind and `source` object of a hit from the entity's stored view.
fn source_of(record: &EntityRecord) -> ApiResult<(&'static str, Value)> {
    let d: Value = serde_json::from_str(&record.data).map_err(ApiError::internal)?;
    let common = |kind: &str, id: &Value, page: &Value| {
        json!({
            "type": kind, "id": id, "fileId": d["fileId"], "fileName": d["fileName"],
            "pageNumber": page,
        })
    };
    Ok(match record.kind {
        EntityKind::Sheet => {
            let mut s = common("sheet", &d["sheetId"], &d["pageNumber"]);
            s["sheetNumber"] = d["sheetNumber"].clone();
            s["sectionTitle"] = d["sheetName"].clone();
            s["box"] = d["titleBlock"]["box"].clone();
            ("sheet", s)
        }
        EntityKind::Region => {
            let mut s = common("region", &d["regionId"], &d["pageNumber"]);
            s["sheetNumber"] = d["sheetNumber"].clone();
            s["regionType"] = d["regionType"].clone();
            s["box"] = d["displayBox"].clone();
            ("region", s)
        }
        EntityKind::Spec => {
            let mut s = common("specification", &d["specificationId"], &d["pageStart"]);
            s["sectionNumber"] = d["sectionNumber"].clone();
            s["sectionTitle"] = d["sectionTitle"].clone();
            s["box"] = d["startBox"].clone();
            ("spec", s)
        }
        _ => {
            let mut s = common("doc", &d["docSectionId"], &d["pageNumber"]);
            s["sectionTitle"] = d["title"].clone();
            s["label"] = d["label"].clone();
            s["box"] = d["box"].clone();
            ("doc", s)
        }
    })
}

/// A `SourceHit` of API.md §9.1.
pub(crate) fn hit_view(h: &SearchHit) -> ApiResult<Value> {
    let (kind, source) = source_of(&h.entity)?;
    let id = source["id"].as_str().unwrap_or_default().to_string();
    Ok(json!({
        "score": (h.score * 1000.0).round() / 1000.0,
        "snippet": h.snippet,
        "sourceCatalogUri": format!("pgcat://{}/{kind}/{id}", h.project_id),
        "source": source,
    }))
}

/// Runs a search in one project or in all of the organization's, AND of the terms first and OR
/// when that finds nothing.
async fn run_search(
    state: &AppState,
    org_id: &str,
    project_id: Option<&str>,
    body: &[u8],
) -> ApiResult<Value> {
    let req: SearchBody = parse_json(body)?;
    let terms = terms(&req.query);
    if terms.is_empty() {
        return Err(ApiError::invalid(
            "query",
            "query must hold a word or a number",
        ));
    }
    let max_hits = req.max_hits.unwrap_or(10);
    if !(1..=50).contains(&max_hits) {
        return Err(ApiError::invalid("maxHits", "maxHits must be 1-50"));
    }
    let filters = search_filters(&req.filters)?;
    let mut q = SearchQuery {
        org_id: org_id.to_string(),
        project_id: project_id.map(str::to_string),
        terms: terms.clone(),
        any: false,
        filters,
        limit: max_hits,
    };
    let (mut hits, searched) = state.meta.search(&q).await?;
    if hits.is_empty() && terms.len() > 1 {
        q.any = true;
        hits = state.meta.search(&q).await?.0;
    }
    let hits = hits
        .iter()
        .map(|h| {
            let mut hit = hit_view(h)?;
            if project_id.is_none() {
                hit["projectId"] = json!(h.project_id);
            }
            Ok(hit)
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(json!({
        "status": "success", "query": req.query, "hitCount": hits.len(),
        "searchedCount": searched, "hits": hits,
    }))
}

/// `409 index_not_ready` while a finished job of the project is not yet in its index.
pub(crate) async fn require_index(state: &AppState, project_id: &str) -> ApiResult<()> {
    let pending = state.meta.unindexed_jobs(Some(project_id)).await?;
    if pending.is_empty() {
        return Ok(());
    }
    Err(ApiError::new(
        ErrorCode::IndexNotReady,
        "the project's index is catching up with a finished job; retry in a few seconds",
    )
    .with_details(json!({ "jobIds": pending })))
}

pub async fn source_search(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Read>,
    Path(project): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let project = load_project(state.meta.as_ref(), &who.org_id, &project).await?;
    require_index(&state, &project.id).await?;
    Ok(Json(
        run_search(&state, &who.org_id, Some(&project.id), &body).await?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_terms_cannot_inject_fts_syntax() {
        let t = terms("sprinkler\" OR NEAR(x) * -col:");
        assert_eq!(t, ["sprinkler", "or", "near", "x", "col"]);
        assert!(terms("  -- ** ").is_empty());
    }
}
