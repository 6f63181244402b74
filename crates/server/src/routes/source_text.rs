//! Source text (API.md §9.1): the text behind a `sourceCatalogUri` — a sheet's page, a region, a
//! specification section with its parts, a document section with its items — in the asked
//! form, and one facet (part) of a specification section by `facetId`.

use crate::auth::{Auth, Read};
use crate::error::{ApiError, ApiResult, parse_json};
use crate::pagination::CursorScope;
use crate::state::AppState;
use crate::views::load_project;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use plansift_store::{Col, EntityKind, EntityQuery, Filter};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SourceTextBody {
    source_catalog_uri: String,
    cursor: Option<String>,
    max_chars: Option<i64>,
    text_kind: Option<String>,
    /// The facet of a specification section, for the `facet_*` text kinds.
    facet_id: Option<String>,
}

/// The text kinds of `source-text`: the whole entry as `text`, `markdown` or `page_regions`;
/// one facet of a specification section as `facet_source_text` (its text as printed) or
/// `facet_match_text` (its heading and text on one line, runs of whitespace made one space,
/// as search compares it).
pub const TEXT_KINDS: [&str; 5] = [
    "text",
    "markdown",
    "page_regions",
    "facet_source_text",
    "facet_match_text",
];

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

/// One facet (a part) of a specification section: its text as printed, or as search matches it.
async fn facet_text_of(
    state: &AppState,
    project_id: &str,
    spec_id: &str,
    facet_id: &str,
    text_kind: &str,
) -> ApiResult<String> {
    let part = entity(
        state,
        project_id,
        EntityKind::Part,
        vec![
            Filter::Eq(Col::Id, facet_id.to_string()),
            Filter::Eq(Col::Parent, spec_id.to_string()),
        ],
        1,
    )
    .await?
    .into_iter()
    .next()
    .ok_or_else(ApiError::not_found)?;
    let text = part["text"].as_str().unwrap_or_default();
    Ok(if text_kind == "facet_match_text" {
        let heading = format!(
            "{} - {}",
            part["label"].as_str().unwrap_or_default(),
            part["title"].as_str().unwrap_or_default()
        );
        format!("{heading} {text}")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        text.to_string()
    })
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
    if !TEXT_KINDS.contains(&text_kind) {
        return Err(ApiError::invalid(
            "textKind",
            "textKind is text, markdown, page_regions, facet_source_text or facet_match_text",
        ));
    }
    let facet = text_kind.starts_with("facet_");
    let facet_id = req.facet_id.as_deref().map(str::trim);
    match (facet, facet_id) {
        (true, None) => {
            return Err(ApiError::invalid(
                "facetId",
                "facetId is required with a facet text kind",
            ));
        }
        (false, Some(_)) => {
            return Err(ApiError::invalid(
                "facetId",
                "facetId goes with textKind facet_source_text or facet_match_text",
            ));
        }
        _ => {}
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
    let scope = CursorScope::new(&["source-text", uri, text_kind, facet_id.unwrap_or("")]);
    let offset = scope.decode_seq(req.cursor.as_deref())?.unwrap_or(0).max(0) as usize;
    let text = match facet_id {
        Some(facet_id) => {
            if *kind != "spec" {
                return Err(ApiError::invalid(
                    "facetId",
                    "facets belong to specification sections (pgcat://{projectId}/spec/{id})",
                ));
            }
            facet_text_of(&state, &project.id, id, facet_id, text_kind).await?
        }
        None => source_text_of(&state, &project.id, kind, id, text_kind).await?,
    };
    let total = text.chars().count();
    let slice: String = text.chars().skip(offset).take(max_chars as usize).collect();
    let end = offset + slice.chars().count();
    let next = (end < total).then(|| scope.encode(&end.to_string()));
    Ok(Json(json!({
        "status": "success", "sourceCatalogUri": uri, "textKind": text_kind, "text": slice,
        "totalChars": total, "nextCursor": next,
    })))
}
