//! Source search and source text (API.md §9.1): BM25 over the project's sheets, regions,
//! specification sections and document items, and the text behind a `sourceCatalogUri`.

use crate::auth::{Auth, Read};
use crate::error::{ApiError, ApiResult, parse_json};
use crate::pagination::CursorScope;
use crate::state::AppState;
use crate::views::load_project;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use plansift_store::{Col, EntityKind, EntityQuery, EntityRecord, Filter, SearchQuery};
use plansift_types::ErrorCode;
use plansift_types::keys::sheet_key;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SearchBody {
    query: String,
    entity_types: Option<Vec<String>>,
    max_hits: Option<i64>,
    region_type: Option<String>,
    layout_type: Option<String>,
    drawing_type: Option<String>,
    sheet_number: Option<String>,
    file_name: Option<String>,
    page_number: Option<i64>,
    classification: Option<String>,
}

/// The query's terms: runs of letters and digits, lower case, at most 32.
fn terms(query: &str) -> Vec<String> {
    query
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .take(32)
        .map(str::to_lowercase)
        .collect()
}

fn search_filters(body: &SearchBody) -> ApiResult<Vec<Filter>> {
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
    let filters = search_filters(&req)?;
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
            let (kind, source) = source_of(&h.entity)?;
            let id = source["id"].as_str().unwrap_or_default().to_string();
            let mut hit = json!({
                "score": (h.score * 1000.0).round() / 1000.0,
                "snippet": h.snippet,
                "sourceCatalogUri": format!("pgcat://{}/{kind}/{id}", h.project_id),
                "source": source,
            });
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
async fn require_index(state: &AppState, project_id: &str) -> ApiResult<()> {
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

/// `POST /projects/search`: every project of the organization.
pub async fn search_all(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Read>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    Ok(Json(run_search(&state, &who.org_id, None, &body).await?))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SourceTextBody {
    source_catalog_uri: String,
    cursor: Option<String>,
    max_chars: Option<i64>,
    text_kind: Option<String>,
}

async fn entity(
    state: &AppState,
    project_id: &str,
    kind: EntityKind,
    filters: Vec<Filter>,
    limit: i64,
) -> ApiResult<Vec<Value>> {
    state
        .meta
        .entities(&EntityQuery {
            project_id: project_id.to_string(),
            kind,
            filters,
            after: None,
            limit,
        })
        .await?
        .rows
        .iter()
        .map(|r| serde_json::from_str(&r.data).map_err(ApiError::internal))
        .collect()
}

fn box_text(b: &Value) -> String {
    let n = |k: &str| b[k].as_f64().unwrap_or(0.0);
    format!(
        "[{:.3}, {:.3}, {:.3}, {:.3}]",
        n("left"),
        n("top"),
        n("right"),
        n("bottom")
    )
}

/// The whole text behind a catalog entry in the asked form.
async fn source_text_of(
    state: &AppState,
    project_id: &str,
    kind: &str,
    id: &str,
    text_kind: &str,
) -> ApiResult<String> {
    let by_id = || vec![Filter::Eq(Col::Id, id.to_string())];
    let markdown = text_kind == "markdown";
    let first = |v: Vec<Value>| v.into_iter().next().ok_or_else(ApiError::not_found);
    Ok(match kind {
        "sheet" => {
            let s = first(entity(state, project_id, EntityKind::Sheet, by_id(), 1).await?)?;
            let heading = s["sheetDisplayName"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            if text_kind == "page_regions" {
                let regions = entity(
                    state,
                    project_id,
                    EntityKind::Region,
                    vec![Filter::Eq(Col::SheetId, id.to_string())],
                    500,
                )
                .await?;
                let mut out = format!("# {heading}\n");
                for r in regions {
                    out.push_str(&format!(
                        "\n## {} {} {}\n{}\n",
                        r["regionType"].as_str().unwrap_or_default(),
                        r["label"].as_str().unwrap_or_default(),
                        box_text(&r["displayBox"]),
                        r["text"].as_str().unwrap_or_default()
                    ));
                }
                out
            } else {
                let page = state
                    .meta
                    .page_text_of(
                        project_id,
                        s["fileId"].as_str().unwrap_or_default(),
                        s["pageNumber"].as_i64().unwrap_or_default(),
                    )
                    .await?
                    .unwrap_or_default();
                if markdown {
                    format!("# {heading}\n\n{page}")
                } else {
                    page
                }
            }
        }
        "region" => {
            let r = first(entity(state, project_id, EntityKind::Region, by_id(), 1).await?)?;
            let label = r["label"].as_str().unwrap_or_default();
            let text = r["text"].as_str().unwrap_or_default();
            match text_kind {
                "markdown" => format!("## {label}\n\n{text}"),
                "page_regions" => format!(
                    "## {} {label} {}\n{text}",
                    r["regionType"].as_str().unwrap_or_default(),
                    box_text(&r["displayBox"])
                ),
                _ => format!("{label}\n{text}"),
            }
        }
        "spec" => {
            let s = first(entity(state, project_id, EntityKind::Spec, by_id(), 1).await?)?;
            let parts = entity(
                state,
                project_id,
                EntityKind::Part,
                vec![Filter::Eq(Col::Parent, id.to_string())],
                500,
            )
            .await?;
            let mut out = format!(
                "{}SECTION {} - {}\n",
                if markdown { "# " } else { "" },
                s["sectionNumber"].as_str().unwrap_or_default(),
                s["sectionTitle"].as_str().unwrap_or_default()
            );
            for p in parts {
                out.push_str(&format!(
                    "\n{}{} - {} (pages {}-{})\n{}\n",
                    if markdown { "## " } else { "" },
                    p["label"].as_str().unwrap_or_default(),
                    p["title"].as_str().unwrap_or_default(),
                    p["pageStart"],
                    p["pageEnd"],
                    p["text"].as_str().unwrap_or_default()
                ));
            }
            out
        }
        "doc" => {
            let d = first(entity(state, project_id, EntityKind::Doc, by_id(), 1).await?)?;
            let mut out = format!(
                "{}{}\n",
                if markdown { "# " } else { "" },
                d["title"].as_str().unwrap_or_default()
            );
            for i in d["items"].as_array().into_iter().flatten() {
                out.push_str(&format!(
                    "\n{}{} (page {})\n{}\n",
                    if markdown { "## " } else { "" },
                    i["label"].as_str().unwrap_or_default(),
                    i["pageNumber"],
                    i["text"].as_str().unwrap_or_default()
                ));
            }
            out
        }
        _ => return Err(ApiError::not_found()),
    })
}

pub async fn source_text(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Read>,
    Path(project): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let project = load_project(state.meta.as_ref(), &who.org_id, &project).await?;
    let req: SourceTextBody = parse_json(&body)?;
    let max_chars = req.max_chars.unwrap_or(10_000);
    if !(1..=50_000).contains(&max_chars) {
        return Err(ApiError::invalid("maxChars", "maxChars must be 1-50000"));
    }
    let text_kind = req.text_kind.as_deref().unwrap_or("text");
    if !matches!(text_kind, "text" | "markdown" | "page_regions") {
        return Err(ApiError::invalid(
            "textKind",
            "textKind is text, markdown or page_regions",
        ));
    }
    let uri = req.source_catalog_uri.as_str();
    let parts: Vec<&str> = uri
        .strip_prefix("pgcat://")
        .map(|rest| rest.split('/').collect())
        .unwrap_or_default();
    let [uri_project, kind, id] = parts.as_slice() else {
        return Err(ApiError::invalid(
            "sourceCatalogUri",
            "sourceCatalogUri is pgcat://{projectId}/{sheet|region|spec|doc}/{id}",
        ));
    };
    if *uri_project != project.id {
        return Err(ApiError::not_found());
    }
    let scope = CursorScope::new(&["source-text", uri, text_kind]);
    let offset = scope.decode_seq(req.cursor.as_deref())?.unwrap_or(0).max(0) as usize;
    let text = source_text_of(&state, &project.id, kind, id, text_kind).await?;
    let total = text.chars().count();
    let slice: String = text.chars().skip(offset).take(max_chars as usize).collect();
    let end = offset + slice.chars().count();
    let next = (end < total).then(|| scope.encode(&end.to_string()));
    Ok(Json(json!({
        "status": "success", "sourceCatalogUri": uri, "textKind": text_kind, "text": slice,
        "totalChars": total, "nextCursor": next,
    })))
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
