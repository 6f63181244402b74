//! Project reads (API.md §9): files, sheets, regions, specification sections and their parts,
//! document sections, accumulated across the project's jobs, with filters and cursors.

use crate::auth::{Auth, Read};
use crate::error::{ApiError, ApiResult};
use crate::pagination::{CursorScope, envelope, parse_limit};
use crate::state::AppState;
use crate::views::load_project;
use axum::Json;
use axum::extract::{Path, Query, State};
use plansift_store::{Col, EntityKind, EntityQuery, EntityRecord, Filter, all_entities};
use plansift_types::keys::{section_key, sheet_key};
use serde_json::{Value, json};
use std::collections::HashMap;

type Params = HashMap<String, String>;

/// What one list route reads: the entity kind, its data field names and its extra filters.
pub(crate) struct Listing {
    kind: EntityKind,
    many: &'static str,
    one: &'static str,
    extra: &'static [&'static str],
}

const FILES: Listing = Listing {
    kind: EntityKind::File,
    many: "files",
    one: "file",
    extra: &[],
};
const SHEETS: Listing = Listing {
    kind: EntityKind::Sheet,
    many: "sheets",
    one: "sheet",
    extra: &[
        "pageNumber",
        "sheetNumber",
        "discipline",
        "drawingType",
        "current",
    ],
};
/// The versions of one sheet: every sheet of the project with its normalized number.
const VERSIONS: Listing = Listing {
    kind: EntityKind::Sheet,
    many: "versions",
    one: "version",
    extra: &["current"],
};
const REGIONS: Listing = Listing {
    kind: EntityKind::Region,
    many: "regions",
    one: "region",
    extra: &[
        "sheetId",
        "pageNumber",
        "regionType",
        "drawingType",
        "layoutType",
    ],
};
const SPECS: Listing = Listing {
    kind: EntityKind::Spec,
    many: "specifications",
    one: "specification",
    extra: &["sectionNumber", "pageStart", "pageEnd"],
};
const PARTS: Listing = Listing {
    kind: EntityKind::Part,
    many: "sections",
    one: "section",
    extra: &["sectionNumber", "pageStart", "pageEnd"],
};
/// References printed on sheets; `status` here is their resolution, not the file's status.
const REFERENCES: Listing = Listing {
    kind: EntityKind::Reference,
    many: "references",
    one: "reference",
    extra: &["sheetId", "pageNumber"],
};
const REFERENCE_STATUSES: [&str; 4] = [
    "resolved",
    "missing_sheet",
    "missing_detail",
    "missing_section",
];
/// The submittal register's rows (`submittal-register`): one per submittal of a spec section.
pub(crate) const SUBMITTALS: Listing = Listing {
    kind: EntityKind::Submittal,
    many: "submittals",
    one: "submittal",
    extra: &["sectionNumber", "division", "type", "current", "format"],
};
const DOCS: Listing = Listing {
    kind: EntityKind::Doc,
    many: "docs",
    one: "doc",
    extra: &["docType"],
};

/// The query parameters of a read route, by its path in the operation table (for the OpenAPI
/// document): paging, the shared filters of §9 and the listing's own.
pub fn query_parameters(path: &str) -> Option<Vec<&'static str>> {
    let rest = path.strip_prefix("/projects/{project_id}/")?;
    let listing = match rest {
        "files" | "files/{id}" => &FILES,
        "sheets" | "sheets/{id}" => &SHEETS,
        "sheets/{id}/versions" => &VERSIONS,
        "regions" | "regions/{id}" | "sheets/{id}/regions" => &REGIONS,
        "specifications" | "specifications/{id}" => &SPECS,
        "specifications/{id}/sections" | "specifications/{id}/sections/{section}" => &PARTS,
        "docs" | "docs/{id}" => &DOCS,
        "references" => &REFERENCES,
        "submittal-register" => &SUBMITTALS,
        _ => return None,
    };
    let one = rest.ends_with('}');
    let paging: &[&'static str] = if one {
        &["compact"]
    } else {
        &["limit", "cursor", "compact"]
    };
    let shared = ["sheets", "fileId", "fileName", "classification", "status"];
    Some(
        paging
            .iter()
            .chain(&shared)
            .chain(listing.extra)
            .copied()
            .collect(),
    )
}

fn int(params: &Params, name: &str) -> ApiResult<Option<i64>> {
    params
        .get(name)
        .map(|v| {
            v.trim()
                .parse::<i64>()
                .map_err(|_| ApiError::invalid(name, format!("{name} must be an integer")))
        })
        .transpose()
}

fn list_of(v: &str) -> Vec<String> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The shared filters of §9 and the route's extra ones, with the canonical text the cursor is
/// bound to.
pub(crate) fn filters(listing: &Listing, params: &Params) -> ApiResult<(Vec<Filter>, String)> {
    let mut out = Vec::new();
    let mut canon = Vec::new();
    let text = |name: &str| params.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
    for name in ["sheets", "fileId", "fileName", "classification", "status"]
        .iter()
        .chain(listing.extra)
    {
        let Some(value) = text(name) else { continue };
        canon.push(format!("{name}={value}"));
        let eq = |col| Filter::Eq(col, value.to_string());
        out.push(match *name {
            "sheets" if listing.kind == EntityKind::File => Filter::FileOfSheets(list_of(value)),
            "sheets" => Filter::In(Col::SheetId, list_of(value)),
            "fileId" => eq(Col::FileId),
            "fileName" => Filter::FileNameContains(value.to_string()),
            "classification" => eq(Col::Classification),
            "status" if listing.kind == EntityKind::Reference => {
                if !REFERENCE_STATUSES.contains(&value) {
                    return Err(ApiError::invalid(
                        name,
                        "status must be resolved, missing_sheet, missing_detail or missing_section",
                    ));
                }
                eq(Col::RefStatus)
            }
            "status" => file_status(value)?,
            "sheetNumber" => Filter::Eq(Col::SheetKey, sheet_key(value)),
            "sectionNumber" => Filter::Eq(Col::SectionKey, section_key(value)),
            "discipline" => eq(Col::Discipline),
            "drawingType" => eq(Col::DrawingType),
            "regionType" => eq(Col::RegionType),
            "layoutType" => eq(Col::LayoutType),
            "docType" => eq(Col::DocType),
            // The register's filters: a submittal's type and its section's division are kept
            // in the `doc_type` and `discipline` columns.
            "type" => eq(Col::DocType),
            "division" => Filter::Eq(Col::Discipline, format!("{:0>2}", section_key(value))),
            "sheetId" => eq(Col::SheetId),
            "pageNumber" => Filter::EqInt(Col::PageNumber, int(params, name)?.unwrap_or(0)),
            "pageStart" => Filter::AtLeast(Col::PageNumber, int(params, name)?.unwrap_or(0)),
            "pageEnd" => Filter::AtMost(Col::PageEnd, int(params, name)?.unwrap_or(0)),
            "current" => Filter::Current(match value {
                "true" => true,
                "false" => false,
                _ => return Err(ApiError::invalid(name, "current must be true or false")),
            }),
            _ => continue,
        });
    }
    Ok((out, canon.join("&")))
}

/// Plangrep's file statuses (`complete`, `processing`, `failed`) over the stored outcome of a
/// file's document. A file is indexed when its job finishes, so `processing` matches none.
fn file_status(value: &str) -> ApiResult<Filter> {
    let stored: &[&str] = match value {
        "complete" => &["completed", "completed_with_errors"],
        "failed" => &["failed"],
        "processing" => &["processing"],
        _ => {
            return Err(ApiError::invalid(
                "status",
                "status must be complete, processing or failed",
            ));
        }
    };
    Ok(Filter::In(
        Col::FileStatus,
        stored.iter().map(|s| s.to_string()).collect(),
    ))
}

/// The Plangrep status of a file from its document's stored outcome.
fn plangrep_file_status(stored: &str) -> &'static str {
    match stored {
        "completed" | "completed_with_errors" => "complete",
        "failed" => "failed",
        _ => "processing",
    }
}

/// The API view of a stored entity: its data, without artifact URLs when `compact`, and for the
/// list of a spec section's parts, without the full text.
fn view(record: &EntityRecord, compact: bool, preview: bool) -> ApiResult<Value> {
    let mut v: Value = serde_json::from_str(&record.data).map_err(ApiError::internal)?;
    match record.kind {
        EntityKind::Sheet => v["current"] = json!(!record.superseded),
        EntityKind::File => {
            let stored = v["status"].as_str().unwrap_or_default().to_string();
            v["status"] = json!(plangrep_file_status(&stored));
        }
        // Plangrep's `ProjectDocEntity`: `docId` names the document section, and a section is
        // indexed only once its file is read.
        EntityKind::Doc => {
            v["docId"] = v["docSectionId"].clone();
            v["status"] = json!("complete");
            if v.get("artifacts").is_none() {
                v["artifacts"] = json!([]);
            }
        }
        // Sections indexed before facets had Plangrep's fields get them empty.
        EntityKind::Spec => {
            if v.get("artifacts").is_none() {
                v["artifacts"] = json!([]);
            }
            for f in v["facets"].as_array_mut().into_iter().flatten() {
                for (field, empty) in [
                    ("facetKey", Value::Null),
                    ("coverageKind", Value::Null),
                    ("facetText", Value::Null),
                    ("requirements", json!([])),
                ] {
                    if f.get(field).is_none() {
                        f[field] = empty;
                    }
                }
            }
        }
        EntityKind::Submittal => v["current"] = json!(!record.superseded),
        EntityKind::Region | EntityKind::Part | EntityKind::Item | EntityKind::Reference => {}
    }
    if compact && let Some(list) = v.get_mut("artifacts").and_then(Value::as_array_mut) {
        for a in list {
            if let Some(a) = a.as_object_mut() {
                a.remove("url");
            }
        }
    }
    if preview && let Some(text) = v.get("text").and_then(Value::as_str) {
        const PREVIEW_CHARS: usize = 280;
        if text.chars().count() > PREVIEW_CHARS {
            let cut: String = text.chars().take(PREVIEW_CHARS).collect();
            v["text"] = json!(format!("{}…", cut.trim_end()));
        }
    }
    Ok(v)
}

/// `compact`, a boolean: any other value is refused, never read as `false`.
fn compact(params: &Params) -> ApiResult<bool> {
    match params.get("compact").map(|v| v.trim()) {
        None | Some("") | Some("false" | "0" | "no") => Ok(false),
        Some("true" | "1" | "yes") => Ok(true),
        Some(_) => Err(ApiError::invalid(
            "compact",
            "compact must be true or false",
        )),
    }
}

/// One page of a listing, within a project and optionally under a parent entity.
pub(crate) async fn list(
    state: &AppState,
    project_id: &str,
    listing: &Listing,
    parent: Option<(Col, &str)>,
    params: &Params,
) -> ApiResult<Value> {
    let limit = parse_limit(params.get("limit").map(String::as_str), 100, 500)?;
    let compact = compact(params)?;
    let (mut filters, canon) = filters(listing, params)?;
    if let Some((col, id)) = parent {
        filters.push(Filter::Eq(col, id.to_string()));
    }
    let scope = CursorScope::new(&[
        listing.many,
        project_id,
        parent.map(|p| p.1).unwrap_or(""),
        &canon,
    ]);
    let cursor = params.get("cursor").map(String::as_str);
    let after = scope.decode_seq(cursor)?;
    let page = state
        .meta
        .entities(&EntityQuery {
            project_id: project_id.to_string(),
            kind: listing.kind,
            filters,
            after,
            limit: limit + 1,
        })
        .await?;
    let has_more = page.rows.len() as i64 > limit;
    let rows = &page.rows[..page.rows.len().min(limit as usize)];
    let next = has_more
        .then(|| rows.last().map(|r| scope.encode(&r.seq.to_string())))
        .flatten();
    let preview = listing.kind == EntityKind::Part;
    let data = rows
        .iter()
        .map(|r| view(r, compact, preview))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(envelope(
        listing.many,
        data,
        page.total,
        limit,
        cursor,
        next,
    ))
}

/// One entity by id, the shared filters acting as guards.
async fn one(
    state: &AppState,
    project_id: &str,
    listing: &Listing,
    id: &str,
    parent: Option<(Col, &str)>,
    params: &Params,
) -> ApiResult<Value> {
    let (mut filters, _) = filters(listing, params)?;
    filters.push(Filter::Eq(Col::Id, id.to_string()));
    if let Some((col, parent)) = parent {
        filters.push(Filter::Eq(col, parent.to_string()));
    }
    let page = state
        .meta
        .entities(&EntityQuery {
            project_id: project_id.to_string(),
            kind: listing.kind,
            filters,
            after: None,
            limit: 1,
        })
        .await?;
    let record = page.rows.first().ok_or_else(ApiError::not_found)?;
    Ok(json!({ listing.one: view(record, compact(params)?, false)? }))
}

macro_rules! list_route {
    ($name:ident, $listing:expr) => {
        pub async fn $name(
            State(state): State<AppState>,
            Auth(who, ..): Auth<Read>,
            Path(project): Path<String>,
            Query(params): Query<Params>,
        ) -> ApiResult<Json<Value>> {
            let project = load_project(state.meta.as_ref(), &who.org_id, &project).await?;
            Ok(Json(
                list(&state, &project.id, &$listing, None, &params).await?,
            ))
        }
    };
}

macro_rules! get_route {
    ($name:ident, $listing:expr) => {
        pub async fn $name(
            State(state): State<AppState>,
            Auth(who, ..): Auth<Read>,
            Path((project, id)): Path<(String, String)>,
            Query(params): Query<Params>,
        ) -> ApiResult<Json<Value>> {
            let project = load_project(state.meta.as_ref(), &who.org_id, &project).await?;
            Ok(Json(
                one(&state, &project.id, &$listing, &id, None, &params).await?,
            ))
        }
    };
}

list_route!(list_files, FILES);
list_route!(list_sheets, SHEETS);
list_route!(list_regions, REGIONS);
list_route!(list_specifications, SPECS);
list_route!(list_docs, DOCS);
list_route!(list_references, REFERENCES);
get_route!(get_file, FILES);
get_route!(get_sheet, SHEETS);
get_route!(get_region, REGIONS);
get_route!(get_specification, SPECS);
get_route!(get_doc, DOCS);

/// Checks that `id` is an entity of `kind` in the project.
async fn require(state: &AppState, project_id: &str, kind: EntityKind, id: &str) -> ApiResult<()> {
    let page = state
        .meta
        .entities(&EntityQuery {
            project_id: project_id.to_string(),
            kind,
            filters: vec![Filter::Eq(Col::Id, id.to_string())],
            after: None,
            limit: 1,
        })
        .await?;
    page.rows
        .first()
        .map(|_| ())
        .ok_or_else(ApiError::not_found)
}

/// The entities of `listing` under one parent entity of `kind`, which must be in the project.
async fn list_under(
    state: &AppState,
    org_id: &str,
    project: &str,
    (kind, parent): (EntityKind, &str),
    listing: &Listing,
    col: Col,
    params: &Params,
) -> ApiResult<Json<Value>> {
    let project = load_project(state.meta.as_ref(), org_id, project).await?;
    require(state, &project.id, kind, parent).await?;
    Ok(Json(
        list(state, &project.id, listing, Some((col, parent)), params).await?,
    ))
}

pub async fn list_sheet_regions(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Read>,
    Path((project, sheet)): Path<(String, String)>,
    Query(params): Query<Params>,
) -> ApiResult<Json<Value>> {
    let parent = (EntityKind::Sheet, sheet.as_str());
    list_under(
        &state,
        &who.org_id,
        &project,
        parent,
        &REGIONS,
        Col::SheetId,
        &params,
    )
    .await
}

/// `GET /projects/{p}/sheets/{sheetId}/versions`: the sheets of the project with this sheet's
/// normalized number, oldest first, each with `current`.
pub async fn list_sheet_versions(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Read>,
    Path((project, sheet)): Path<(String, String)>,
    Query(params): Query<Params>,
) -> ApiResult<Json<Value>> {
    let project = load_project(state.meta.as_ref(), &who.org_id, &project).await?;
    let found = one(&state, &project.id, &SHEETS, &sheet, None, &Params::new()).await?;
    let number = found["sheet"]["sheetNumber"].as_str().map(sheet_key);
    let parent = match &number {
        Some(key) if !key.is_empty() => (Col::SheetKey, key.as_str()),
        _ => (Col::Id, sheet.as_str()),
    };
    Ok(Json(
        list(&state, &project.id, &VERSIONS, Some(parent), &params).await?,
    ))
}

pub async fn list_spec_sections(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Read>,
    Path((project, spec)): Path<(String, String)>,
    Query(params): Query<Params>,
) -> ApiResult<Json<Value>> {
    let parent = (EntityKind::Spec, spec.as_str());
    list_under(
        &state,
        &who.org_id,
        &project,
        parent,
        &PARTS,
        Col::Parent,
        &params,
    )
    .await
}

pub async fn get_spec_section(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Read>,
    Path((project, spec, section)): Path<(String, String, String)>,
    Query(params): Query<Params>,
) -> ApiResult<Json<Value>> {
    let project = load_project(state.meta.as_ref(), &who.org_id, &project).await?;
    Ok(Json(
        one(
            &state,
            &project.id,
            &PARTS,
            &section,
            Some((Col::Parent, &spec)),
            &params,
        )
        .await?,
    ))
}

/// `GET /projects/{p}/sheet-index-report`: the drawing list of every file of the project that
/// prints one, with its findings against the sheets of the same job, and the findings counted
/// by type.
pub async fn sheet_index_report(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Read>,
    Path(project): Path<String>,
) -> ApiResult<Json<Value>> {
    let project = load_project(state.meta.as_ref(), &who.org_id, &project).await?;
    let mut reports = Vec::new();
    let mut counts: HashMap<String, u64> = HashMap::new();
    let files = all_entities(
        state.meta.as_ref(),
        &project.id,
        EntityKind::File,
        Vec::new(),
    )
    .await?;
    for r in &files {
        let file: Value = serde_json::from_str(&r.data).map_err(ApiError::internal)?;
        let index = &file["sheetIndex"];
        if !index.is_object() {
            continue;
        }
        for f in index["findings"].as_array().into_iter().flatten() {
            *counts
                .entry(f["type"].as_str().unwrap_or_default().to_string())
                .or_default() += 1;
        }
        let mut report = json!({
            "fileId": file["fileId"], "fileName": file["fileName"], "jobId": file["jobId"],
        });
        if let (Some(report), Some(index)) = (report.as_object_mut(), index.as_object()) {
            report.extend(index.clone());
        }
        reports.push(report);
    }
    Ok(Json(json!({ "reports": reports, "findingCounts": counts })))
}
